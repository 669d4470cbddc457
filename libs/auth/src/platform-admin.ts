import type { Principal } from '@hub/http';
import { digestsEqual, sha256 } from './api-keys/api-key-format';
import { PLATFORM_ADMIN_SCOPE } from './scopes';

/** Platform-admin keys look like `hub_admin_<secret>` (secret ≥ 43 characters, e.g. 32 random bytes base64url). */
const ADMIN_RE = /^hub_admin_[A-Za-z0-9_-]{43,}$/;

/** Principal of the platform-admin credential (no tenant; acts on the tenant named by `X-Tenant-Id`). */
export const PLATFORM_ADMIN_PRINCIPAL: Readonly<Principal> = {
  tenantId: null,
  credentialId: 'platform-admin',
  kind: 'platform_admin',
  scopes: [PLATFORM_ADMIN_SCOPE],
};

/**
 * Verifies the platform-admin key against the configured hex SHA-256 (`AUTH_PLATFORM_ADMIN_KEY_SHA256`),
 * in constant time. Null when no hash is configured, the token is not an admin key, or it does not match.
 */
export function verifyPlatformAdminKey(
  token: string,
  expectedSha256Hex: string | undefined,
): Principal | null {
  if (!expectedSha256Hex || !ADMIN_RE.test(token)) return null;
  const ok = digestsEqual(sha256(token), Buffer.from(expectedSha256Hex, 'hex'));
  return ok ? { ...PLATFORM_ADMIN_PRINCIPAL, scopes: [...PLATFORM_ADMIN_PRINCIPAL.scopes] } : null;
}
