/**
 * Mints an HS256 agent token for local use (demo, manual testing):
 *
 *   AGENT_JWT_SECRET=… npm run token:agent -- --tenant acme --agent agent-1 [--name "Ada"] [--ttl 28800]
 *
 * Prints the token on stdout. The secret comes from AGENT_JWT_SECRET (or --secret); issuer and
 * audience from AGENT_JWT_ISSUER / AGENT_JWT_AUDIENCE when the gateway checks them. Bad arguments
 * exit 64 naming each offending option (`--tenant: …`); a bad AGENT_JWT_* variable exits 1 naming it.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AgentIdSchema, TenantIdSchema } from '@hub/contracts';
import { ConfigError, loadConfig } from '@hub/config';
import { mintAgentToken } from '../auth/agent-token.verifier';

const EnvSchema = z.object({
  AGENT_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AGENT_JWT_ISSUER: z.string().min(1).optional(),
  AGENT_JWT_AUDIENCE: z.string().min(1).optional(),
});

/** Exit 64 (EX_USAGE) with one line per problem, each naming the option or variable. */
function usageError(problems: string[]): never {
  process.stderr.write(`token:agent: ${problems.join('\n  ')}\n`);
  process.exit(64);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        tenant: { type: 'string' },
        agent: { type: 'string' },
        name: { type: 'string' },
        ttl: { type: 'string', default: String(8 * 3600) },
        secret: { type: 'string' },
      },
    });
  } catch (e) {
    // unknown option or missing value: node's message names the option
    usageError([(e as Error).message]);
  }
  const { values } = parsed;
  const env = loadConfig('token:agent', EnvSchema);
  const tenant = TenantIdSchema.safeParse(values.tenant);
  const agent = AgentIdSchema.safeParse(values.agent);
  const ttl = z.coerce.number().int().min(1).safeParse(values.ttl);
  const secret = values.secret ?? env.AGENT_JWT_SECRET;
  if (!tenant.success || !agent.success || !ttl.success || !secret || secret.length < 32) {
    usageError(
      [
        !tenant.success && '--tenant: required, a lower-case slug',
        !agent.success && '--agent: required (1–128 chars)',
        !ttl.success && '--ttl: seconds, a positive integer',
        (!secret || secret.length < 32) && 'AGENT_JWT_SECRET (or --secret): required, at least 32 characters',
      ].filter((p): p is string => typeof p === 'string'),
    );
  }
  const token = await mintAgentToken({
    secret,
    tenantId: tenant.data,
    agentId: agent.data,
    name: values.name,
    ttlSeconds: ttl.data,
    issuer: env.AGENT_JWT_ISSUER,
    audience: env.AGENT_JWT_AUDIENCE,
  });
  process.stdout.write(`${token}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof ConfigError ? e.message : (e as Error).stack}\n`);
  process.exit(1);
});
