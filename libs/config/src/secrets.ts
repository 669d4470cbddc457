import { z } from 'zod';

/**
 * Values that must never sign or authenticate anything in a deployment: the placeholders shipped in
 * `deploy/` and examples, and the usual dev defaults. Compared case-insensitively; any value containing
 * `change-me`/`changeme` counts too.
 */
export const KNOWN_PLACEHOLDER_SECRETS: readonly string[] = [
  'change-me-at-least-32-characters-long',
  'changeme',
  'change-me',
  'secret',
  'dev-secret',
  'development-secret',
  'password',
  'test-secret',
  'supersecret',
  'your-secret-here',
  'replace-me',
];

/** Minimum length of a signing secret or shared key, bytes (UTF-8): 256 bits. */
export const MIN_SECRET_BYTES = 32;

/** Env flag that lets a local developer run with placeholder secrets (never set it in a deployment). */
export const INSECURE_DEV_SECRETS_FLAG = 'HUB_ALLOW_INSECURE_DEV_SECRETS';

/** True for a known placeholder ({@link KNOWN_PLACEHOLDER_SECRETS}) or a value made of one repeated character. */
export function isPlaceholderSecret(value: string): boolean {
  const v = value.trim().toLowerCase();
  return (
    KNOWN_PLACEHOLDER_SECRETS.includes(v) ||
    v.includes('change-me') ||
    v.includes('changeme') ||
    /^(.)\1*$/.test(v)
  );
}

const registered = new WeakSet<z.ZodType>();

/**
 * A signing secret / shared key variable: at least {@link MIN_SECRET_BYTES} bytes and, unless
 * `HUB_ALLOW_INSECURE_DEV_SECRETS=true`, not a known placeholder (checked by `loadConfig`, which then fails
 * naming the variable; services exit 78).
 */
export function signingSecret(): z.ZodString {
  const s = z.string().refine((v) => Buffer.byteLength(v, 'utf8') >= MIN_SECRET_BYTES, {
    message: `must be at least ${MIN_SECRET_BYTES} bytes (generate one: openssl rand -base64 32)`,
  });
  registered.add(s);
  return s;
}

/** True when `schema` (possibly wrapped in optional/default) is a {@link signingSecret}. */
export function isSigningSecretSchema(schema: z.ZodType): boolean {
  let t: z.ZodType | undefined = schema;
  for (let i = 0; i < 5 && t; i++) {
    if (registered.has(t)) return true;
    const inner: z.ZodType | undefined = (t as unknown as { def?: { innerType?: z.ZodType } }).def?.innerType;
    t = inner;
  }
  return false;
}
