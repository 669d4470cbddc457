import { createHash, randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/** `aud` of every form link (RFC 7519 §4.1.3): a token minted for anything else is refused. */
export const FORM_LINK_AUDIENCE = 'hub-forms';
/** `iss` of form links. */
export const FORM_LINK_ISSUER = 'engagement-hub/handoff-orchestrator';

/** The verified claims of a form link. */
export interface FormLinkClaims {
  tenantId: string;
  linkId: string;
  jti: string;
  /** Expiry (the `exp` claim). */
  expiresAt: Date;
}

/** Why a link token was refused: `invalid` (bad signature, malformed, wrong audience/issuer) → 401, `expired` → 410. */
export class FormLinkTokenError extends Error {
  constructor(
    readonly reason: 'invalid' | 'expired',
    message: string,
  ) {
    super(message);
    this.name = 'FormLinkTokenError';
  }
}

/** SHA-256 of a `jti`: what the database stores (a leaked table row cannot be turned back into a link). */
export function jtiHash(jti: string): Buffer {
  return createHash('sha256').update(jti, 'utf8').digest();
}

/**
 * Mints and verifies the JWTs of form links (`jose`, HS256, RFC 7519): claims `iss`, `aud` =
 * {@link FORM_LINK_AUDIENCE}, `sub` = link id, `tid` = tenant, `jti` = 128 random bits (base64url), `iat`,
 * `exp`. The token is the link's only credential; it carries no form data (prefilled values stay in
 * `form_links`). Single use is enforced by the database, not here.
 *
 * Key: FORM_LINK_SECRET (a `signingSecret()`, ≥ 32 bytes, shared by every replica; mandatory with
 * NODE_ENV=production). Without it a random per-process key is used, so links die with the process
 * (development only).
 */
export class FormLinkSigner {
  private readonly key: Uint8Array;

  constructor(secret: string | undefined) {
    this.key = secret ? new TextEncoder().encode(secret) : randomBytes(32);
  }

  /** A token for link `linkId` of `tenantId` valid until `expiresAt`, and its fresh `jti`. */
  async sign(tenantId: string, linkId: string, expiresAt: Date): Promise<{ token: string; jti: string }> {
    const jti = randomBytes(16).toString('base64url');
    const token = await new SignJWT({ tid: tenantId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(FORM_LINK_ISSUER)
      .setAudience(FORM_LINK_AUDIENCE)
      .setSubject(linkId)
      .setJti(jti)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key);
    return { token, jti };
  }

  /**
   * Verifies signature, `alg`, `iss`, `aud` and `exp` (no clock tolerance).
   * @throws FormLinkTokenError `expired` for a past `exp`, `invalid` for anything else
   */
  async verify(token: string): Promise<FormLinkClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: FORM_LINK_ISSUER,
        audience: FORM_LINK_AUDIENCE,
        requiredClaims: ['exp', 'jti', 'sub'],
      });
      const tid = payload['tid'];
      if (typeof tid !== 'string' || !tid || !payload.sub || !payload.jti || !payload.exp)
        throw new FormLinkTokenError('invalid', 'the link is incomplete');
      return {
        tenantId: tid,
        linkId: payload.sub,
        jti: payload.jti,
        expiresAt: new Date(payload.exp * 1000),
      };
    } catch (e) {
      if (e instanceof FormLinkTokenError) throw e;
      if (e instanceof joseErrors.JWTExpired) throw new FormLinkTokenError('expired', 'the link has expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed)
        throw new FormLinkTokenError('invalid', `the link is not valid here (${e.claim})`);
      throw new FormLinkTokenError('invalid', 'the link is not valid');
    }
  }
}

/** Injection token of the {@link FormLinkSigner}. */
export const FORM_LINK_SIGNER = Symbol('FORM_LINK_SIGNER');
