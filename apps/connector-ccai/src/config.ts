import { AuthConfigSchema } from '@hub/auth';
import { z } from 'zod';
import {
  DatabaseConfigSchema,
  HttpConfigSchema,
  HttpProtectionConfigSchema,
  KafkaConfigSchema,
  RedisConfigSchema,
  signingSecret,
} from '@hub/config';
import { OutboundConfigSchema, SecretsConfigSchema } from '@hub/integrations';

/**
 * Environment of connector-ccai (validated once in main.ts by `loadConfig`). Per-tenant settings
 * (subscription, expected audience and service account email, service account key) come from the
 * `integrations` table (type `ccai`).
 */
export const ConnectorCcaiConfigSchema = z
  .object({
    ...HttpConfigSchema.shape,
    ...HttpProtectionConfigSchema.shape,
    ...RedisConfigSchema.shape,
    ...AuthConfigSchema.shape,
    PORT: z.coerce.number().int().min(0).max(65535).default(3063),
    ...DatabaseConfigSchema.shape,
    ...SecretsConfigSchema.shape,
    ...OutboundConfigSchema.shape,
    ...KafkaConfigSchema.shape,
    /** Google's published OIDC signing keys (JWKS) for push tokens. */
    CCAI_OIDC_JWKS_URL: z.url().default('https://www.googleapis.com/oauth2/v3/certs'),
    /** A local JWKS file (JSON) used INSTEAD of the URL — for tests and air-gapped setups. */
    CCAI_OIDC_JWKS_FILE: z.string().min(1).optional(),
    /** Allowed clock skew when checking `exp`/`iat`/`nbf` of push tokens, s. */
    CCAI_OIDC_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(600).default(30),
    /** PEM certificate + key: serve HTTPS directly (otherwise terminate TLS in front of the service). */
    CCAI_TLS_CERT_FILE: z.string().min(1).optional(),
    CCAI_TLS_KEY_FILE: z.string().min(1).optional(),
    /**
     * Bearer token for the admin API (POST /v1/admin/ccai/subscriptions); unset → admin API disabled. A
     * {@link signingSecret}: ≥ 32 bytes and no known placeholder, else the service exits 78 naming it.
     */
    CCAI_ADMIN_TOKEN: signingSecret().optional(),
    /** Largest accepted push body, bytes (Pub/Sub messages are at most 10 MB). */
    CCAI_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(20 * 1024 * 1024)
      .default(10 * 1024 * 1024),
  })
  .refine((c) => !!c.CCAI_TLS_CERT_FILE === !!c.CCAI_TLS_KEY_FILE, {
    message: 'CCAI_TLS_CERT_FILE and CCAI_TLS_KEY_FILE must be set together',
    path: ['CCAI_TLS_CERT_FILE'],
  });
export type ConnectorCcaiConfig = z.infer<typeof ConnectorCcaiConfigSchema>;
