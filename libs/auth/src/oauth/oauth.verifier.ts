import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
  type JSONWebKeySet,
} from 'jose';
import type { Principal } from '@hub/http';
import { TenantIdSchema } from '@hub/contracts';
import type { AuthConfig } from '../auth.config';
import { PLATFORM_ADMIN_SCOPE } from '../scopes';

/** Why an OAuth token was refused (the guard reports it as `error_description`, RFC 6750 §3). */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/**
 * Verifies OAuth 2.0 client-credentials access tokens (JWT, RFC 9068 profile) from the operator's IdP with
 * `jose`: signature against the IdP's JWK Set (`createRemoteJWKSet`: cached, refetched on an unknown `kid`;
 * or a configured local set), `iss`, `aud`, `exp`/`nbf` (with clock tolerance), algorithm allow-list.
 * The tenant comes from the claim `AUTH_OAUTH_TENANT_CLAIM`, scopes from `AUTH_OAUTH_SCOPE_CLAIM`
 * (space-separated string or array). A token with scope `platform:admin` is a platform-admin credential
 * (tenant optional, then null).
 */
export class OAuthVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    private readonly config: AuthConfig & { AUTH_OAUTH_ISSUER: string; AUTH_OAUTH_AUDIENCE: string },
  ) {
    this.keys = config.AUTH_OAUTH_JWKS_URI
      ? createRemoteJWKSet(new URL(config.AUTH_OAUTH_JWKS_URI))
      : createLocalJWKSet(config.AUTH_OAUTH_JWKS as unknown as JSONWebKeySet);
  }

  /** True when the token looks like a JWS (three base64url parts); others are left to other verifiers. */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
  }

  /**
   * The principal of a valid token.
   * @throws InvalidTokenError naming the reason (bad signature, expired, wrong issuer/audience, no tenant claim …)
   */
  async verify(token: string): Promise<Principal> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.config.AUTH_OAUTH_ISSUER,
        audience: this.config.AUTH_OAUTH_AUDIENCE,
        algorithms: this.config.AUTH_OAUTH_ALGORITHMS,
        clockTolerance: this.config.AUTH_OAUTH_CLOCK_TOLERANCE_S,
        requiredClaims: ['exp'],
      }));
    } catch (e) {
      if (e instanceof errors.JOSEError) throw new InvalidTokenError(e.message);
      throw e;
    }
    const rawScopes = payload[this.config.AUTH_OAUTH_SCOPE_CLAIM];
    const scopes = (Array.isArray(rawScopes) ? rawScopes : String(rawScopes ?? '').split(' ')).filter(
      (s): s is string => typeof s === 'string' && s.length > 0,
    );
    const credentialId = String(payload['client_id'] ?? payload.sub ?? payload['azp'] ?? 'oauth-client');
    const rawTenant = payload[this.config.AUTH_OAUTH_TENANT_CLAIM];
    if (scopes.includes(PLATFORM_ADMIN_SCOPE) && rawTenant === undefined)
      return { tenantId: null, credentialId, kind: 'platform_admin', scopes };
    const tenant = TenantIdSchema.safeParse(rawTenant);
    if (!tenant.success)
      throw new InvalidTokenError(
        `claim ${this.config.AUTH_OAUTH_TENANT_CLAIM} is missing or not a tenant id`,
      );
    return { tenantId: tenant.data, credentialId, kind: 'oauth', scopes };
  }
}
