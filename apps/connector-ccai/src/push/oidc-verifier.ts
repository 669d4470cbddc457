import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { ConnectorCcaiConfig } from '../config';

/** Issuers of Google-signed OIDC ID tokens (push authentication). */
export const GOOGLE_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];

/** The token is missing, malformed, unsigned, badly signed, expired or from another issuer → 401. */
export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/** A valid Google token that was not issued for this subscription's audience / service account → 403. */
export class TokenNotForThisSubscriptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenNotForThisSubscriptionError';
  }
}

/** Claims of a Google-signed push token that we check. */
export interface PushTokenClaims extends JWTPayload {
  email?: string;
  email_verified?: boolean;
}

/**
 * Verifies the OIDC bearer token Pub/Sub attaches to authenticated push requests
 * (Pub/Sub "Authentication for push subscriptions"; OpenID Connect Core §3.1.3.7): RS256 signature
 * against Google's published keys (`CCAI_OIDC_JWKS_URL`, cached and refreshed by jose) or a configured
 * local key set (`CCAI_OIDC_JWKS_FILE`), issuer `accounts.google.com` / `https://accounts.google.com`,
 * `exp`/`nbf`/`iat` with a clock tolerance. Audience and service account email depend on the tenant's
 * integration and are checked by {@link assertIssuedFor}.
 */
export class OidcVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly config: ConnectorCcaiConfig) {
    this.keys = config.CCAI_OIDC_JWKS_FILE
      ? createLocalJWKSet(JSON.parse(readFileSync(config.CCAI_OIDC_JWKS_FILE, 'utf8')))
      : createRemoteJWKSet(new URL(config.CCAI_OIDC_JWKS_URL));
  }

  /**
   * @param authorization the `Authorization` header value (`Bearer <jwt>`)
   * @throws InvalidTokenError naming what is wrong
   */
  async verify(authorization: string | undefined): Promise<PushTokenClaims> {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) throw new InvalidTokenError('Authorization: a Bearer token is required');
    try {
      const { payload } = await jwtVerify<PushTokenClaims>(m[1], this.keys, {
        issuer: GOOGLE_ISSUERS,
        algorithms: ['RS256'],
        clockTolerance: this.config.CCAI_OIDC_CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'iat', 'aud'],
      });
      return payload;
    } catch (e) {
      if (e instanceof errors.JOSEError)
        throw new InvalidTokenError(`Authorization: ${e.code}: ${e.message}`);
      throw e;
    }
  }
}

/**
 * Checks that a verified token was minted for this subscription: `aud` equals the integration's
 * configured audience and `email` is its push service account with `email_verified: true`.
 * @throws TokenNotForThisSubscriptionError
 */
export function assertIssuedFor(
  claims: PushTokenClaims,
  expected: { audience: string; serviceAccountEmail: string },
): void {
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(expected.audience))
    throw new TokenNotForThisSubscriptionError('token aud does not match the subscription audience');
  if (claims.email !== expected.serviceAccountEmail) {
    throw new TokenNotForThisSubscriptionError('token email is not the subscription push service account');
  }
  if (claims.email_verified !== true)
    throw new TokenNotForThisSubscriptionError('token email is not verified');
}
