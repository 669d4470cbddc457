import { AuthConfigSchema } from '@hub/auth';
import { z } from 'zod';
import {
  DatabaseConfigSchema,
  HttpConfigSchema,
  HttpProtectionConfigSchema,
  KafkaConfigSchema,
  RedisConfigSchema,
} from '@hub/config';
import { OutboundConfigSchema, SecretsConfigSchema } from '@hub/integrations';

/**
 * Environment of connector-8x8 (validated once in main.ts by `loadConfig`; a bad value stops the
 * service at start with a message naming the variable). Per-tenant settings (8x8 tenant, host, API
 * key, receiver queue size) come from the `integrations` table (type `eightbyeight`), not from here.
 */
export const Connector8x8ConfigSchema = z.object({
  ...HttpConfigSchema.shape,
  ...HttpProtectionConfigSchema.shape,
  ...AuthConfigSchema.shape,
  PORT: z.coerce.number().int().min(0).max(65535).default(3061),
  ...DatabaseConfigSchema.shape,
  ...SecretsConfigSchema.shape,
  ...OutboundConfigSchema.shape,
  ...KafkaConfigSchema.shape,
  ...RedisConfigSchema.shape,
  /** How often the `integrations` table is re-read to start/stop/restart readers, ms. */
  EIGHTX8_RELOAD_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(30_000),
  /** WebSocket opening handshake timeout, ms (8x8 recommends allowing up to 45 s). */
  EIGHTX8_HANDSHAKE_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).default(45_000),
  /** First reconnect delay after a dropped or failed connection, ms (exponential, jittered). */
  EIGHTX8_BACKOFF_INITIAL_MS: z.coerce.number().int().min(10).max(600_000).default(500),
  /** Longest reconnect delay, ms. */
  EIGHTX8_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  /** First delay after a refused handshake (401/403: bad or revoked API key), ms; doubles up to 10× this. */
  EIGHTX8_AUTH_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
  /** Where a reader with no stored cursor starts: `earliest` (all retained history) or `latest`. */
  EIGHTX8_INITIAL_POSITION: z.enum(['earliest', 'latest']).default('latest'),
  /** TTL of the agent ↔ interaction correlation key in Redis, seconds (refreshed on every assignment). */
  EIGHTX8_CORRELATION_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(43_200),
});
export type Connector8x8Config = z.infer<typeof Connector8x8ConfigSchema>;
