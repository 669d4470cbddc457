import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { SCOPE_DESCRIPTIONS } from '@hub/http';

/**
 * Credentials for REST calls in tests. Every test that calls a service's REST API takes its headers from
 * here, so the credential mechanism can change in one place.
 *
 * Contract (stable; both async, always `await` them): `authHeaders(tenantId, scopes?)` → headers that
 * authenticate a caller of `tenantId` with the given scopes (default: every tenant scope);
 * `platformAdminHeaders()` → headers of the platform-admin credential (cross-tenant operations such as
 * creating tenants; send `X-Tenant-Id` with it to act on one tenant).
 *
 * Implementation: a per-process ES256 key pair acts as the operator's OAuth identity provider. Test
 * worlds configure every service to trust its public JWK Set ({@link testAuthEnv}: `AUTH_OAUTH_*`), and
 * `authHeaders` mints client-credentials-style access tokens (`hub_tenant`, `scope`, 1 h). The platform
 * admin is a per-process random `hub_admin_…` key whose SHA-256 is in `AUTH_PLATFORM_ADMIN_KEY_SHA256`.
 */

/** Issuer and audience of the tokens {@link authHeaders} mints. */
export const TEST_OAUTH_ISSUER = 'https://idp.test.hub.invalid/';
export const TEST_OAUTH_AUDIENCE = 'hub-api';

/** Every tenant scope (the default of {@link authHeaders}). */
export const ALL_TENANT_SCOPES: readonly string[] = Object.keys(SCOPE_DESCRIPTIONS).filter(
  (s) => s !== 'platform:admin',
);

let keys: { privateKey: KeyObject; jwks: string; adminKey: string } | undefined;
function testKeys() {
  if (!keys) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'test-1', alg: 'ES256', use: 'sig' };
    keys = {
      privateKey,
      jwks: JSON.stringify({ keys: [jwk] }),
      adminKey: `hub_admin_${randomBytes(32).toString('base64url')}`,
    };
  }
  return keys;
}

/** Env vars that make a service trust this process's test credentials (merged into every test world's env). */
export function testAuthEnv(): Record<string, string> {
  const k = testKeys();
  return {
    AUTH_OAUTH_ISSUER: TEST_OAUTH_ISSUER,
    AUTH_OAUTH_AUDIENCE: TEST_OAUTH_AUDIENCE,
    AUTH_OAUTH_JWKS: k.jwks,
    AUTH_PLATFORM_ADMIN_KEY_SHA256: createHash('sha256').update(k.adminKey).digest('hex'),
  };
}

/**
 * An access token of this process's test IdP.
 * @param claims e.g. `{hub_tenant: 'acme', scope: 'handoffs:read'}`; `expiresIn` in jose syntax (`'1h'`, `'-1m'`)
 */
export async function mintTestAccessToken(
  claims: Record<string, unknown>,
  opts: { expiresIn?: string; audience?: string; issuer?: string } = {},
): Promise<string> {
  return new SignJWT({ client_id: 'test-client', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'test-1', typ: 'at+jwt' })
    .setIssuer(opts.issuer ?? TEST_OAUTH_ISSUER)
    .setAudience(opts.audience ?? TEST_OAUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '1h')
    .sign(testKeys().privateKey);
}

/** Headers authenticating a caller of `tenantId` with `scopes` (default: every tenant scope). */
export async function authHeaders(
  tenantId: string,
  scopes?: readonly string[],
): Promise<Record<string, string>> {
  const token = await mintTestAccessToken({
    hub_tenant: tenantId,
    scope: (scopes ?? ALL_TENANT_SCOPES).join(' '),
  });
  return { authorization: `Bearer ${token}` };
}

/** Headers of the platform-admin credential (see {@link authHeaders}). */
export async function platformAdminHeaders(): Promise<Record<string, string>> {
  return { authorization: `Bearer ${testKeys().adminKey}` };
}
