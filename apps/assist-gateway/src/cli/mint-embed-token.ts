/**
 * Mints an embed token with the gateway's signing key (same env as the service:
 * EMBED_TOKEN_SECRET or EMBED_TOKEN_PRIVATE_KEY, EMBED_TOKEN_ISSUER, EMBED_TOKEN_*_TTL_S).
 *
 *   node --require @swc-node/register apps/assist-gateway/src/cli/mint-embed-token.ts \
 *     --tenant acme --provider 8x8 --aid agent-7 [--iid INT-1] [--ttl 600] [--base-url https://assist.example.com]
 *   … --provider five9 --call-id 300000123 --five9-agent-id 1234
 *   … --provider hub --agent agent-7 --interaction conv-42
 *
 * Prints JSON `{token, expiresAt, jti, claims, widgetUrl}`. Exits 2 naming the offending option
 * (`--tenant: …`), 1 naming the variable when the signing env is unusable.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@hub/config';
import { TokenConfigSchema } from '../config';
import { EmbedTokenRequestSchema, embedClaimsFor } from '../domain/widget-claims';
import { WidgetTokenService } from '../tokens/widget-token.service';

/** Request field (dot path) → the command-line option that sets it. */
const OPTION_OF: Record<string, string> = {
  tenantId: '--tenant',
  agentId: '--agent',
  provider: '--provider',
  interactionId: '--interaction',
  ttlSeconds: '--ttl',
  ctx: '--aid / --call-id',
  'ctx.iid': '--iid',
  'ctx.aid': '--aid',
  'ctx.callId': '--call-id',
  'ctx.agentId': '--five9-agent-id',
};
const optionOf = (field: string) => OPTION_OF[field] ?? field;

/** Exit 2 with one `--option: problem` line per problem. */
function usageError(problems: { field: string; message: string }[]): never {
  console.error(problems.map((p) => `${optionOf(p.field)}: ${p.message}`).join('\n'));
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
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
  } catch (e) {
    // unknown option, missing value: node names the option
    usageError([{ field: 'arguments', message: (e as Error).message }]);
  }
  const { values } = parsed;
  const config = loadConfig('assist-gateway mint-embed-token', TokenConfigSchema);
  if (!config.EMBED_TOKEN_SECRET === !config.EMBED_TOKEN_PRIVATE_KEY)
    throw new ConfigError('assist-gateway mint-embed-token', [
      {
        variable: 'EMBED_TOKEN_SECRET',
        message: 'set exactly one of EMBED_TOKEN_SECRET or EMBED_TOKEN_PRIVATE_KEY',
      },
    ]);
  const ttlArg = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttlArg !== undefined && !Number.isInteger(ttlArg))
    usageError([{ field: 'ttlSeconds', message: 'seconds, an integer' }]);
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
    ...(ttlArg !== undefined ? { ttlSeconds: ttlArg } : {}),
  });
  if (!req.success)
    usageError(
      req.error.issues.map((i) => ({
        field: i.path.map(String).join('.') || 'arguments',
        message: i.message,
      })),
    );
  const r = embedClaimsFor(req.data);
  if (!r.ok) usageError(r.problems);
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
