/**
 * Mints an embed token with the gateway's signing key (same env as the service:
 * EMBED_TOKEN_SECRET or EMBED_TOKEN_PRIVATE_KEY, EMBED_TOKEN_ISSUER, EMBED_TOKEN_*_TTL_S).
 *
 *   node --require @swc-node/register apps/assist-gateway/src/cli/mint-embed-token.ts \
 *     --tenant acme --provider 8x8 --aid agent-7 [--iid INT-1] [--ttl 600] [--base-url https://assist.example.com]
 *   … --provider five9 --call-id 300000123 --five9-agent-id 1234
 *   … --provider hub --agent agent-7 --interaction conv-42
 *
 * Prints JSON `{token, expiresAt, jti, claims, widgetUrl}`; exits 2 naming the offending option.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '@hub/config';
import { TokenConfigSchema } from '../config';
import { EmbedTokenRequestSchema, embedClaimsFor } from '../domain/widget-claims';
import { WidgetTokenService } from '../tokens/widget-token.service';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      agent: { type: 'string' },
      provider: { type: 'string', default: 'hub' },
      interaction: { type: 'string' },
      iid: { type: 'string' },
      aid: { type: 'string' },
      'call-id': { type: 'string' },
      'five9-agent-id': { type: 'string' },
      ttl: { type: 'string' },
      'base-url': { type: 'string' },
    },
  });
  const config = loadConfig('assist-gateway mint-embed-token', TokenConfigSchema);
  if (!config.EMBED_TOKEN_SECRET === !config.EMBED_TOKEN_PRIVATE_KEY)
    throw new Error('set exactly one of EMBED_TOKEN_SECRET or EMBED_TOKEN_PRIVATE_KEY');
  const ctx = values.aid
    ? { aid: values.aid, ...(values.iid ? { iid: values.iid } : {}) }
    : values['call-id'] || values['five9-agent-id']
      ? { callId: values['call-id'], agentId: values['five9-agent-id'] }
      : undefined;
  const req = EmbedTokenRequestSchema.safeParse({
    tenantId: values.tenant,
    provider: values.provider,
    ...(values.agent ? { agentId: values.agent } : {}),
    ...(values.interaction ? { interactionId: values.interaction } : {}),
    ...(ctx ? { ctx } : {}),
    ...(values.ttl ? { ttlSeconds: Number(values.ttl) } : {}),
  });
  if (!req.success) {
    console.error(req.error.issues.map((i) => `--${String(i.path[0] ?? '')}: ${i.message}`).join('\n'));
    process.exit(2);
  }
  const r = embedClaimsFor(req.data);
  if (!r.ok) {
    console.error(r.problems.map((p) => `${p.field}: ${p.message}`).join('\n'));
    process.exit(2);
  }
  const ttl = Math.min(req.data.ttlSeconds ?? config.EMBED_TOKEN_DEFAULT_TTL_S, config.EMBED_TOKEN_MAX_TTL_S);
  const tokens = await WidgetTokenService.create(config);
  const signed = await tokens.sign(r.claims, ttl);
  const base = (values['base-url'] ?? '').replace(/\/$/, '');
  console.log(
    JSON.stringify(
      { ...signed, claims: r.claims, widgetUrl: `${base}/widget/#token=${signed.token}` },
      null,
      2,
    ),
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
