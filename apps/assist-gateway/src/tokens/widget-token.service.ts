import { createPublicKey, randomUUID } from 'node:crypto';
import {
  SignJWT,
  errors as joseErrors,
  exportJWK,
  importPKCS8,
  importSPKI,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import { formatIssues } from '@hub/contracts';
import type { TokenConfig } from '../config';
import { WidgetClaimsSchema, type WidgetClaims } from '../domain/widget-claims';

/** `aud` of every widget token. */
export const WIDGET_AUDIENCE = 'assist-widget';

/** Why a token was refused (sent to the client as `connect_error` data). */
export type TokenFailure = 'token_missing' | 'token_expired' | 'token_invalid' | 'claims_invalid';

/** A token that must not grant access; `reason` is machine-readable, `message` says why. */
export class InvalidTokenError extends Error {
  constructor(
    readonly reason: TokenFailure,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/** A signed token and when it stops being valid. */
export interface SignedToken {
  token: string;
  /** ISO 8601. */
  expiresAt: string;
  jti: string;
}

type Key =
  | { alg: 'HS256'; sign: Uint8Array; verify: Uint8Array }
  | { alg: 'ES256'; sign: CryptoKey; verify: CryptoKey; jwk: JWK };

/**
 * Signs and verifies widget tokens: compact JWS (RFC 7515) JWTs (RFC 7519) via `jose`, HS256 with
 * `EMBED_TOKEN_SECRET` or ES256 with `EMBED_TOKEN_PRIVATE_KEY`. Verification pins the algorithm,
 * issuer and audience, requires `exp` and `iat` (5 s clock tolerance), refuses a lifetime (`exp - iat`) above
 * max(EMBED_TOKEN_MAX_TTL_S, SESSION_TOKEN_TTL_S), and validates the custom claims with
 * {@link WidgetClaimsSchema}.
 */
export class WidgetTokenService {
  private constructor(
    private readonly key: Key,
    private readonly issuer: string,
    /** Longest lifetime (`exp - iat`) a token may have to be accepted, s. */
    private readonly maxLifetimeS: number,
  ) {}

  /** @throws Error when the configured PEM cannot be imported as an ES256 (P-256) PKCS#8 key */
  static async create(config: TokenConfig & { SESSION_TOKEN_TTL_S?: number }): Promise<WidgetTokenService> {
    // embed tokens are capped at EMBED_TOKEN_MAX_TTL_S when issued; session tokens live SESSION_TOKEN_TTL_S
    const maxLifetimeS = Math.max(config.EMBED_TOKEN_MAX_TTL_S, config.SESSION_TOKEN_TTL_S ?? 0);
    if (config.EMBED_TOKEN_PRIVATE_KEY) {
      const pem = config.EMBED_TOKEN_PRIVATE_KEY;
      const sign = await importPKCS8(pem, 'ES256');
      const spki = createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
      const verify = await importSPKI(spki, 'ES256', { extractable: true });
      const jwk = { ...(await exportJWK(verify)), alg: 'ES256', use: 'sig' };
      return new WidgetTokenService(
        { alg: 'ES256', sign, verify, jwk },
        config.EMBED_TOKEN_ISSUER,
        maxLifetimeS,
      );
    }
    const secret = new TextEncoder().encode(config.EMBED_TOKEN_SECRET);
    return new WidgetTokenService(
      { alg: 'HS256', sign: secret, verify: secret },
      config.EMBED_TOKEN_ISSUER,
      maxLifetimeS,
    );
  }

  /** JSON Web Key Set (RFC 7517) with the public verification key; empty for HS256. */
  jwks(): { keys: JWK[] } {
    return { keys: this.key.alg === 'ES256' ? [this.key.jwk] : [] };
  }

  /**
   * Signs `claims` for `ttlSeconds`.
   * @param ttlSeconds lifetime, s
   */
  async sign(claims: WidgetClaims, ttlSeconds: number, now = new Date()): Promise<SignedToken> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + ttlSeconds;
    const jti = randomUUID();
    const { sub, ...custom } = claims;
    const token = await new SignJWT(custom)
      .setProtectedHeader({ alg: this.key.alg, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(WIDGET_AUDIENCE)
      .setSubject(sub)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(this.key.sign);
    return { token, expiresAt: new Date(exp * 1000).toISOString(), jti };
  }

  /**
   * Verifies a token and returns its claims.
   * @throws InvalidTokenError (`token_missing`, `token_expired`, `token_invalid`, `claims_invalid`)
   */
  async verify(token: unknown): Promise<WidgetClaims & { exp: number }> {
    if (typeof token !== 'string' || !token)
      throw new InvalidTokenError('token_missing', 'a widget token is required');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key.verify, {
        algorithms: [this.key.alg],
        issuer: this.issuer,
        audience: WIDGET_AUDIENCE,
        requiredClaims: ['exp', 'iat', 'sub'],
        clockTolerance: 5,
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired)
        throw new InvalidTokenError('token_expired', 'the widget token has expired');
      throw new InvalidTokenError('token_invalid', `the widget token is not valid: ${(e as Error).message}`);
    }
    const lifetimeS = (payload.exp as number) - (payload.iat as number);
    if (lifetimeS > this.maxLifetimeS)
      throw new InvalidTokenError(
        'token_invalid',
        `the widget token lives ${lifetimeS} s, longer than the ${this.maxLifetimeS} s this gateway accepts`,
      );
    const parsed = WidgetClaimsSchema.safeParse(payload);
    if (!parsed.success)
      throw new InvalidTokenError(
        'claims_invalid',
        `the widget token's claims are invalid: ${formatIssues(parsed.error.issues)}`,
      );
    return { ...parsed.data, exp: payload.exp as number };
  }
}
