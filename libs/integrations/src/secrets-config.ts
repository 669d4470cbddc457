import { Pool as PgPool, type Pool } from 'pg';
import { z } from 'zod';
import { KMSClient } from '@aws-sdk/client-kms';
import { ConfigError, loadConfig } from '@hub/config';
import { AwsKmsKeyEncryptionKeyProvider } from './crypto/aws-kms-key-provider';
import { SecretsCipher } from './crypto/envelope';
import { EnvKeyEncryptionKeyProvider, type KeyEncryptionKeyProvider } from './crypto/key-encryption-key';
import { IntegrationStore } from './store/integration.store';

const KEY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Values copied from examples rather than generated (compared whole, case-insensitive). */
const PLACEHOLDER = /^(change-?me|changeit|placeholder|secret|example|todo|<.*>|\$\{.*\})$/i;

/**
 * A base64 KEK: exactly 32 bytes after decoding, not a placeholder (a known example value, or bytes with
 * fewer than 12 distinct values — e.g. all zeros or a repeated word). Generate one with `openssl rand -base64 32`.
 */
export const kekValue = () =>
  z
    .string()
    .trim()
    .refine(
      (s) => !PLACEHOLDER.test(s),
      'looks like a placeholder; generate one with `openssl rand -base64 32`',
    )
    .refine((s) => /^[A-Za-z0-9+/]+={0,2}$/.test(s), 'must be base64')
    .transform((s) => Buffer.from(s, 'base64'))
    .refine((b) => b.length === 32, 'must decode to exactly 32 bytes (`openssl rand -base64 32`)')
    .refine((b) => new Set(b).size >= 12, 'is not random enough (placeholder?)');

/**
 * Environment of the secrets envelope (merged into every service config that reads integrations):
 * - `HUB_SECRETS_KEK_PROVIDER` (default `env`): where the key-encryption key lives — `env` (the variables
 *   below) or `aws-kms` (AWS KMS: `HUB_SECRETS_KMS_KEY_ID`, optional `HUB_SECRETS_KMS_REGION` /
 *   `HUB_SECRETS_KMS_ENDPOINT`, credentials from the default AWS chain — env, web identity, instance role);
 * - `HUB_SECRETS_KEK` (required for `env`; with `aws-kms` optional — then it and the previous KEKs only
 *   unwrap rows not yet moved to KMS): base64 of 32 random bytes, the key-encryption key new data keys are
 *   wrapped with;
 * - `HUB_SECRETS_KEK_ID` (default `kek-1`): its id, stored with every row;
 * - `HUB_SECRETS_PREVIOUS_KEKS`: comma-separated `id=base64` KEKs that still unwrap during a rotation.
 * - `HUB_INTEGRATIONS_CACHE_TTL_MS` (default 2000, 0 = off): how long hot-path integration reads are
 *   answered from memory (`IntegrationStore` read cache; writes through the store invalidate at once,
 *   other replicas' writes are seen within it).
 * A missing, short or placeholder key stops the service at start (exit 78 naming the variable).
 */
export const SecretsConfigSchema = z.object({
  HUB_INTEGRATIONS_CACHE_TTL_MS: z.coerce.number().int().min(0).max(30_000).default(2000),
  HUB_SECRETS_KEK_PROVIDER: z.enum(['env', 'aws-kms']).default('env'),
  HUB_SECRETS_KEK: kekValue().optional(),
  /** KMS key id, key ARN, alias name (`alias/hub-secrets`) or alias ARN (`aws-kms`). */
  HUB_SECRETS_KMS_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9:/_+=,.@-]{1,2048}$/, 'must be a KMS key id, key ARN, alias name or alias ARN')
    .optional(),
  HUB_SECRETS_KMS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as eu-west-1')
    .optional(),
  /** KMS endpoint override (a VPC endpoint, or a local KMS-compatible server in tests). */
  HUB_SECRETS_KMS_ENDPOINT: z.url().optional(),
  HUB_SECRETS_KEK_ID: z.string().regex(KEY_ID, 'must be 1-64 of A-Z a-z 0-9 . _ : -').default('kek-1'),
  HUB_SECRETS_PREVIOUS_KEKS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(/^[A-Za-z0-9._:-]{1,64}=[A-Za-z0-9+/]+={0,2}$/, 'each entry must be id=base64')
          .transform((e) => {
            const i = e.indexOf('=');
            return { id: e.slice(0, i), key: Buffer.from(e.slice(i + 1), 'base64') };
          })
          .refine((k) => k.key.length === 32, 'each previous KEK must decode to 32 bytes'),
      ),
    )
    .default([]),
});
export type SecretsConfig = z.infer<typeof SecretsConfigSchema>;

/**
 * The {@link KeyEncryptionKeyProvider} a validated {@link SecretsConfig} selects: the environment KEKs
 * ({@link EnvKeyEncryptionKeyProvider}), or AWS KMS ({@link AwsKmsKeyEncryptionKeyProvider}, with the
 * environment KEKs, when set, as fallback for rows not yet re-wrapped — the migration path of
 * `npm run secrets:rotate`).
 * @throws ConfigError naming `HUB_SECRETS_KEK` (env provider without it) or `HUB_SECRETS_KMS_KEY_ID`
 *   (aws-kms without it)
 */
export function keyEncryptionKeysFromConfig(c: SecretsConfig): KeyEncryptionKeyProvider {
  const env = c.HUB_SECRETS_KEK
    ? new EnvKeyEncryptionKeyProvider(
        { id: c.HUB_SECRETS_KEK_ID, key: c.HUB_SECRETS_KEK },
        c.HUB_SECRETS_PREVIOUS_KEKS,
      )
    : undefined;
  if (c.HUB_SECRETS_KEK_PROVIDER === 'env') {
    if (!env)
      throw new ConfigError('integrations', [
        { variable: 'HUB_SECRETS_KEK', message: 'is required but not set (HUB_SECRETS_KEK_PROVIDER=env)' },
      ]);
    return env;
  }
  if (!c.HUB_SECRETS_KMS_KEY_ID)
    throw new ConfigError('integrations', [
      { variable: 'HUB_SECRETS_KMS_KEY_ID', message: 'is required with HUB_SECRETS_KEK_PROVIDER=aws-kms' },
    ]);
  return new AwsKmsKeyEncryptionKeyProvider({
    keyId: c.HUB_SECRETS_KMS_KEY_ID,
    client: new KMSClient({
      ...(c.HUB_SECRETS_KMS_REGION ? { region: c.HUB_SECRETS_KMS_REGION } : {}),
      ...(c.HUB_SECRETS_KMS_ENDPOINT ? { endpoint: c.HUB_SECRETS_KMS_ENDPOINT } : {}),
      maxAttempts: 3,
    }),
    fallback: env,
  });
}

/**
 * An {@link IntegrationStore} for scripts and tests from raw environment variables (validated with
 * {@link SecretsConfigSchema}).
 * @throws ConfigError naming the bad HUB_SECRETS_* variable
 */
export function integrationStoreFromEnv(
  pool: Pool,
  env: Record<string, string | undefined>,
): IntegrationStore {
  const c = loadConfig('integrations', SecretsConfigSchema, env);
  return new IntegrationStore(pool, new SecretsCipher(keyEncryptionKeysFromConfig(c)));
}

/**
 * Opens a short-lived store on `databaseUrl` with the KEKs of `env`, runs `fn`, and closes the pool —
 * for scripts and test fixtures that write integrations outside a service (secrets are encrypted like
 * the services do).
 * @throws ConfigError naming the bad HUB_SECRETS_* variable
 */
export async function withIntegrationStore<T>(
  databaseUrl: string,
  env: Record<string, string | undefined>,
  fn: (store: IntegrationStore) => Promise<T>,
): Promise<T> {
  const pool = new PgPool({ connectionString: databaseUrl, max: 1 });
  try {
    return await fn(integrationStoreFromEnv(pool, env));
  } finally {
    await pool.end();
  }
}
