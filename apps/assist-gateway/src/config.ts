import { AuthConfigSchema } from '@hub/auth';
import { z } from 'zod';
import {
  DatabaseConfigSchema,
  HttpConfigSchema,
  HttpProtectionConfigSchema,
  KafkaConfigSchema,
  RedisConfigSchema,
  csv,
  frameAncestors,
  signingSecret,
} from '@hub/config';
import { OutboundConfigSchema, SecretsConfigSchema } from '@hub/integrations';
import { TenantIdSchema } from '@hub/contracts';

/** `tenant=key` pairs → Map(tenant → key). Keys must be at least 32 characters. */
const tenantKeys = () =>
  csv().transform((pairs, ctx) => {
    const out = new Map<string, string>();
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      const tenant = eq > 0 ? pair.slice(0, eq) : '';
      const key = eq > 0 ? pair.slice(eq + 1) : '';
      if (!TenantIdSchema.safeParse(tenant).success || key.length < 32) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a comma-separated list of tenant=key (tenant slug, key ≥ 32 characters)',
        });
        return z.NEVER;
      }
      out.set(tenant, key);
    }
    return out;
  });

/**
 * Token signing settings shared by the service and the `mint-embed-token` CLI. Exactly one of
 * `EMBED_TOKEN_SECRET` (HS256) or `EMBED_TOKEN_PRIVATE_KEY` (ES256, PKCS#8 PEM) must be set.
 */
export const TokenConfigSchema = z.object({
  /** HS256 shared secret, ≥ 32 characters. */
  EMBED_TOKEN_SECRET: signingSecret().optional(),
  /** ES256 private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, `\n` escapes allowed). */
  EMBED_TOKEN_PRIVATE_KEY: z
    .string()
    .transform((s) => s.replace(/\\n/g, '\n'))
    .pipe(z.string().regex(/-----BEGIN PRIVATE KEY-----/, 'must be a PKCS#8 PEM private key'))
    .optional(),
  /** `iss` of every token this gateway signs and accepts. */
  EMBED_TOKEN_ISSUER: z.string().min(1).default('engagement-hub'),
  /** Embed token lifetime when the request does not say, seconds. */
  EMBED_TOKEN_DEFAULT_TTL_S: z.coerce.number().int().min(10).max(86_400).default(300),
  /** Longest embed token lifetime a caller may ask for, seconds. */
  EMBED_TOKEN_MAX_TTL_S: z.coerce.number().int().min(10).max(86_400).default(3600),
});

/**
 * Environment of the assist gateway (validated once in main.ts by `loadConfig`; a bad value stops
 * the service at start with a message naming the variable).
 */
export const AssistGatewayConfigSchema = z
  .object({
    ...HttpConfigSchema.shape,
    ...HttpProtectionConfigSchema.shape,
    ...AuthConfigSchema.shape,
    PORT: z.coerce.number().int().min(0).max(65535).default(3006),
    ...DatabaseConfigSchema.shape,
    ...SecretsConfigSchema.shape,
    ...OutboundConfigSchema.shape,
    ...KafkaConfigSchema.shape,
    ...RedisConfigSchema.shape,
    ...TokenConfigSchema.shape,
    /** Lifetime of the widget session tokens the gateway hands out (and renews at half-life), seconds. */
    SESSION_TOKEN_TTL_S: z.coerce.number().int().min(30).max(86_400).default(900),
    /** Bearer key that may mint embed tokens for any tenant (hub admin / backends), ≥ 32 characters. */
    ASSIST_ADMIN_API_KEY: signingSecret().optional(),
    /** `tenant=key,…`: per-tenant bearer keys; a tenant key mints embed tokens for its own tenant only. */
    ASSIST_TENANT_API_KEYS: tenantKeys().optional(),
    /** Kafka consumer group for `hub.assist.suggestions.v1` (shared by all replicas; see README). */
    ASSIST_CONSUMER_GROUP: z.string().min(1).default('assist-gateway'),
    /** Suggestions older than this (by envelope `occurredAt`) are not pushed to widgets, ms. */
    SUGGESTION_MAX_AGE_MS: z.coerce.number().int().min(1000).max(86_400_000).default(300_000),
    /** Recent suggestions kept per interaction for (re)connecting widgets. */
    SUGGESTION_HISTORY_SIZE: z.coerce.number().int().min(0).max(500).default(20),
    /** How long an interaction's recent suggestions are kept after the last one, seconds. */
    SUGGESTION_HISTORY_TTL_S: z.coerce.number().int().min(10).max(604_800).default(3600),
    /** Lifetime of a pending Genesys PKCE login (state + code_verifier in Redis), seconds. */
    PKCE_STATE_TTL_S: z.coerce.number().int().min(30).max(3600).default(600),
    /** Chat lines one widget may forward (`utterance` events) per WIDGET_UTTERANCE_RATE_WINDOW_S, all replicas together. */
    WIDGET_UTTERANCE_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(120),
    /** Window of WIDGET_UTTERANCE_RATE_LIMIT, seconds. */
    WIDGET_UTTERANCE_RATE_WINDOW_S: z.coerce.number().int().min(1).max(3600).default(60),
    /** Genesys Notification API: interval of the client's `{"message":"ping"}` heartbeat on the channel WebSocket, seconds. */
    GENESYS_NOTIFICATIONS_PING_INTERVAL_S: z.coerce.number().int().min(1).max(300).default(30),
    /** Genesys Notification API: the channel is treated as dead (and re-created) after this long without any frame, seconds. */
    GENESYS_NOTIFICATIONS_IDLE_TIMEOUT_S: z.coerce.number().int().min(3).max(900).default(95),
    /** CSP `frame-ancestors` of the widget page: the vendor desktops allowed to embed it. */
    WIDGET_FRAME_ANCESTORS: frameAncestors().default(["'self'"]),
  })
  .superRefine((c, ctx) => {
    if (!c.EMBED_TOKEN_SECRET === !c.EMBED_TOKEN_PRIVATE_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['EMBED_TOKEN_SECRET'],
        message: 'set exactly one of EMBED_TOKEN_SECRET (HS256) or EMBED_TOKEN_PRIVATE_KEY (ES256)',
      });
    }
    if (c.EMBED_TOKEN_DEFAULT_TTL_S > c.EMBED_TOKEN_MAX_TTL_S) {
      ctx.addIssue({
        code: 'custom',
        path: ['EMBED_TOKEN_DEFAULT_TTL_S'],
        message: 'must not exceed EMBED_TOKEN_MAX_TTL_S',
      });
    }
  });
export type AssistGatewayConfig = z.infer<typeof AssistGatewayConfigSchema>;
export type TokenConfig = z.infer<typeof TokenConfigSchema>;
