import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API key format (Stripe/GitHub style): `hub_live_<prefix>_<secret>` — `prefix` 12 lower-case hex digits
 * (48 random bits, public, finds the row), `secret` 43 base64url characters (256 random bits). Only the
 * SHA-256 of the secret is stored; a 256-bit random secret needs no slow hash (no dictionary to attack).
 */
const KEY_RE = /^hub_live_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A freshly generated key: the full token (shown once), its public prefix and the SHA-256 of its secret. */
export interface GeneratedApiKey {
  token: string;
  prefix: string;
  secretSha256: Buffer;
}

/** Generates a new API key from the CSPRNG (`crypto.randomBytes`). */
export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { token: `hub_live_${prefix}_${secret}`, prefix, secretSha256: sha256(secret) };
}

/** Splits a presented token into prefix and secret; null when it is not an API key. */
export function parseApiKey(token: string): { prefix: string; secret: string } | null {
  const m = KEY_RE.exec(token);
  return m ? { prefix: m[1], secret: m[2] } : null;
}

/** SHA-256 digest of a UTF-8 string. */
export function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time equality of two digests (false when lengths differ). */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
