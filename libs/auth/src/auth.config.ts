import { z } from 'zod';
import { ConfigError, csv } from '@hub/config';

/**
 * Authentication settings of every service with a REST API (merge `AuthConfigSchema.shape` into the
 * service's config schema). All optional: API keys (PostgreSQL `api_keys`) always work; OAuth is on when
 * `AUTH_OAUTH_ISSUER` is set; the platform-admin key when `AUTH_PLATFORM_ADMIN_KEY_SHA256` is set.
 */
export const AuthConfigSchema = z.object({
  /** Issuer (`iss`) of OAuth 2.0 access tokens (the operator's IdP). Turns OAuth verification on. */
  AUTH_OAUTH_ISSUER: z.url().optional(),
  /** Audience (`aud`) the tokens must carry (the hub API's identifier at the IdP). */
  AUTH_OAUTH_AUDIENCE: z.string().min(1).optional(),
  /** The IdP's JWK Set URL (fetched with jose `createRemoteJWKSet`, cached, refreshed on unknown `kid`). */
  AUTH_OAUTH_JWKS_URI: z.url().optional(),
  /** Alternatively the JWK Set itself (JSON `{keys:[…]}`, public keys only), e.g. for air-gapped IdPs and tests. */
  AUTH_OAUTH_JWKS: z
    .string()
    .transform((s, ctx) => {
      try {
        const v = JSON.parse(s) as { keys?: unknown };
        if (Array.isArray(v.keys)) return v as { keys: Record<string, unknown>[] };
      } catch {
        /* reported below */
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON JWK Set {"keys":[...]}' });
      return z.NEVER;
    })
    .optional(),
  /** Accepted JWS algorithms (allow-list; `none` and HMAC are never accepted). */
  AUTH_OAUTH_ALGORITHMS: csv()
    .pipe(
      z.array(
        z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']),
      ),
    )
    .default(['RS256', 'ES256', 'PS256', 'EdDSA']),
  /** Claim holding the tenant id. */
  AUTH_OAUTH_TENANT_CLAIM: z.string().min(1).default('hub_tenant'),
  /** Claim holding the scopes (space-separated string per RFC 8693 §4.2, or an array). */
  AUTH_OAUTH_SCOPE_CLAIM: z.string().min(1).default('scope'),
  /** Allowed clock skew for `exp`/`nbf`, seconds. */
  AUTH_OAUTH_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  /** Hex SHA-256 of the platform-admin key (`hub_admin_…`); the key itself never reaches the service. */
  AUTH_PLATFORM_ADMIN_KEY_SHA256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the platform admin key (64 lower-case hex digits)')
    .optional(),
  /** How long a verified API key stays cached, ms (revocation takes effect within this bound; ≤ 30 s). */
  AUTH_API_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(30_000).default(30_000),
});

/** Parsed {@link AuthConfigSchema}. */
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

/**
 * The conditional requirements of {@link AuthConfigSchema} (a service merges its `.shape`, which drops
 * refinements, so `AuthModule.forRoot` checks them at start).
 * @throws ConfigError naming each variable: AUTH_OAUTH_AUDIENCE and a JWKS source are required with AUTH_OAUTH_ISSUER
 */
export function assertAuthConfig(service: string, c: AuthConfig): void {
  const problems: { variable: string; message: string }[] = [];
  if (c.AUTH_OAUTH_ISSUER) {
    if (!c.AUTH_OAUTH_AUDIENCE)
      problems.push({ variable: 'AUTH_OAUTH_AUDIENCE', message: 'is required with AUTH_OAUTH_ISSUER' });
    if (!c.AUTH_OAUTH_JWKS_URI && !c.AUTH_OAUTH_JWKS)
      problems.push({
        variable: 'AUTH_OAUTH_JWKS_URI',
        message: 'AUTH_OAUTH_JWKS_URI or AUTH_OAUTH_JWKS is required with AUTH_OAUTH_ISSUER',
      });
  }
  if (problems.length) throw new ConfigError(service, problems);
}
