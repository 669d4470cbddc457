import { AuthConfigSchema } from '@hub/auth';
import { z } from 'zod';
import {
  DatabaseConfigSchema,
  HttpConfigSchema,
  HttpProtectionConfigSchema,
  KafkaConfigSchema,
  RedisConfigSchema,
  csv,
  loadConfig,
  frameAncestors,
  signingSecret,
} from '@hub/config';

/** Default MIME types an agent may upload (images, PDF, plain text/CSV, common office documents). */
export const DEFAULT_ALLOWED_FILE_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
].join(',');

/**
 * The agent gateway's environment. Agent JWTs are verified with exactly one of
 * `AGENT_JWT_SECRET` (HS256 shared secret, ≥ 32 bytes) or `AGENT_JWKS_URL` (RS256/ES256… keys from a
 * JWKS endpoint, RFC 7517); both or neither stops the service at start with a message naming them.
 */
export const GatewayConfigSchema = KafkaConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(RedisConfigSchema.shape)
  .extend(HttpConfigSchema.shape)
  .extend(HttpProtectionConfigSchema.shape)
  .extend(AuthConfigSchema.shape)
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(3003),
    /** HS256 secret for agent tokens (UTF-8, at least 32 bytes). */
    AGENT_JWT_SECRET: signingSecret().optional(),
    /** JWKS URL for agent tokens issued by an identity provider. */
    AGENT_JWKS_URL: z.url().optional(),
    /** Required `iss` claim of agent tokens. */
    AGENT_JWT_ISSUER: z.string().min(1).default('engagement-hub'),
    /** Required `aud` claim of agent tokens. */
    AGENT_JWT_AUDIENCE: z.string().min(1).default('agent-gateway'),
    /** Maximum lifetime (`exp - iat`) of an agent token, seconds; longer ones are refused. */
    AGENT_JWT_MAX_LIFETIME_S: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(86_400),
    /**
     * CSP `frame-ancestors` of the Agent Desktop page: `'none'` (default: nobody may frame it) or the
     * https origins of a portal that embeds it (docs/security/abuse.md).
     */
    DESKTOP_FRAME_ANCESTORS: frameAncestors().default(["'none'"]),
    /**
     * Where shared files' bytes live: `postgres` (default; table `file_contents`, every replica reaches it)
     * or `disk` (FILE_STORAGE_DIR; one replica or a shared volume).
     */
    FILE_STORAGE_BACKEND: z.enum(['postgres', 'disk']).default('postgres'),
    /** `production` makes FILE_URL_SECRET mandatory (links must verify on every replica and after restarts). */
    NODE_ENV: z.string().optional(),
    /** Directory of the local-disk file storage (FILE_STORAGE_BACKEND=disk). */
    FILE_STORAGE_DIR: z.string().min(1).default('var/files'),
    /** Largest upload accepted, bytes (default 10 MiB). */
    FILE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(1024 * 1024 * 1024)
      .default(10 * 1024 * 1024),
    /** Comma-separated MIME types agents may upload. */
    FILE_ALLOWED_TYPES: csv().default(DEFAULT_ALLOWED_FILE_TYPES.split(',')),
    /** HS256 secret signing file download links handed to the bot platform (≥ 32 chars). */
    FILE_URL_SECRET: signingSecret().optional(),
    /** Lifetime of a signed file link, seconds. */
    FILE_URL_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(86_400),
    /** Base URL the gateway is reachable at (file links in outbound messages). */
    PUBLIC_BASE_URL: z.url().optional(),
    /**
     * A closed connection still counts for the agent this long, ms (reload, reconnect to another replica):
     * an agent with no connection left on any replica after it is set offline. 0 = never (no tracking).
     */
    PRESENCE_OFFLINE_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
    /** A connection its replica stopped refreshing (crash, kill -9) lapses after this, ms. */
    PRESENCE_CONNECTION_TTL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    /** Each replica refreshes its connections and sweeps lapsed agents this often, ms (≤ half the TTL). */
    PRESENCE_HEARTBEAT_MS: z.coerce.number().int().min(20).max(1_800_000).default(10_000),
    /** Presence announced when an agent's first connection (across replicas) opens; `none` = the agent chooses. */
    PRESENCE_ON_CONNECT: z.enum(['none', 'online', 'away']).default('none'),
    /** Realtime event ids remembered per gateway for duplicate suppression. */
    OFFER_DEDUPE_CAPACITY: z.coerce.number().int().min(100).max(10_000_000).default(50_000),
    /**
     * Agent Assist panel: the assist-gateway's URL as the agents' browsers reach it (its Socket.IO
     * namespace `/assist`). Set together with ASSIST_EMBED_TOKEN_SECRET; unset = no assist panel.
     */
    ASSIST_GATEWAY_URL: z.url().optional(),
    /** HS256 secret shared with assist-gateway (its EMBED_TOKEN_SECRET): the desktop's widget tokens (provider `hub`). */
    ASSIST_EMBED_TOKEN_SECRET: signingSecret().optional(),
    /** `iss` of the widget tokens (assist-gateway's EMBED_TOKEN_ISSUER). */
    ASSIST_EMBED_TOKEN_ISSUER: z.string().min(1).default('engagement-hub'),
    /** Lifetime of a desktop widget token, s (at most assist-gateway's EMBED_TOKEN_MAX_TTL_S; it renews sessions itself). */
    ASSIST_TOKEN_TTL_S: z.coerce.number().int().min(10).max(86_400).default(900),
  })
  .superRefine((c, ctx) => {
    const n = Number(!!c.AGENT_JWT_SECRET) + Number(!!c.AGENT_JWKS_URL);
    if (n !== 1) {
      const message =
        n === 0
          ? 'set exactly one of AGENT_JWT_SECRET or AGENT_JWKS_URL (neither is set)'
          : 'set exactly one of AGENT_JWT_SECRET or AGENT_JWKS_URL (both are set)';
      ctx.addIssue({ code: 'custom', path: ['AGENT_JWT_SECRET'], message });
    }
    if (c.NODE_ENV === 'production' && !c.FILE_URL_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['FILE_URL_SECRET'],
        message: 'is required in production (signs file links; every replica must share it)',
      });
    }
    if (!c.ASSIST_GATEWAY_URL !== !c.ASSIST_EMBED_TOKEN_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: [c.ASSIST_GATEWAY_URL ? 'ASSIST_EMBED_TOKEN_SECRET' : 'ASSIST_GATEWAY_URL'],
        message: 'set both ASSIST_GATEWAY_URL and ASSIST_EMBED_TOKEN_SECRET (Agent Assist panel) or neither',
      });
    }
    if (c.PRESENCE_HEARTBEAT_MS * 2 > c.PRESENCE_CONNECTION_TTL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRESENCE_HEARTBEAT_MS'],
        message: `must be at most half of PRESENCE_CONNECTION_TTL_MS (${c.PRESENCE_CONNECTION_TTL_MS}), or live connections lapse between heartbeats`,
      });
    }
  });

export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

/**
 * Loads and validates the gateway config.
 * @throws ConfigError naming each offending variable
 */
export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return loadConfig('agent-gateway', GatewayConfigSchema, env);
}
