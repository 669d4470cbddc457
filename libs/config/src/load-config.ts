import { z } from 'zod';
import { INSECURE_DEV_SECRETS_FLAG, isPlaceholderSecret, isSigningSecretSchema } from './secrets';

/** Thrown at start-up when configuration is missing or malformed; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: { variable: string; message: string }[],
  ) {
    super(
      `${service}: invalid configuration:\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Validates environment variables against a zod object schema whose keys are the variable names.
 * Fail-fast: returns the typed config or throws {@link ConfigError} naming each offending variable.
 * Signing secrets ({@link signingSecret}) holding a known placeholder are refused unless
 * `HUB_ALLOW_INSECURE_DEV_SECRETS=true`. This is the only place that reads `process.env`.
 *
 * @param service service name used in the error message
 * @param schema  zod object; use `z.coerce.number()` etc. for non-string values
 * @param env     defaults to `process.env`
 */
export function loadConfig<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    input[key] = v === '' ? undefined : v;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      variable: i.path.length ? String(i.path[0]) : '(config)',
      message:
        i.code === 'invalid_type' && input[String(i.path[0])] === undefined
          ? 'is required but not set'
          : i.message,
    }));
    throw new ConfigError(service, problems);
  }
  if (env[INSECURE_DEV_SECRETS_FLAG] !== 'true') {
    const placeholders = Object.entries(schema.shape as Record<string, z.ZodType>)
      .filter(
        ([key, t]) =>
          isSigningSecretSchema(t) && typeof input[key] === 'string' && isPlaceholderSecret(input[key]),
      )
      .map(([variable]) => ({
        variable,
        message: `is a known placeholder value; set a random secret (openssl rand -base64 32) or ${INSECURE_DEV_SECRETS_FLAG}=true for local development only`,
      }));
    if (placeholders.length) throw new ConfigError(service, placeholders);
  }
  return parsed.data;
}

/** Comma-separated list → string[] (trimmed, non-empty). */
export const csv = () =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string()).min(1));

/** "true"/"false"/"1"/"0" → boolean. */
export const bool = () => z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
