import { Injectable } from '@nestjs/common';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet } from 'jose';
import { OutboundHttp, type IntegrationConfig } from '@hub/integrations';

/** The Google account an ID token was issued for. */
export interface GoogleIdentity {
  /** Google's stable account id (`sub`). */
  sub: string;
  email?: string;
  hostedDomain?: string;
}

/** The ID token was refused; `reason` is the 401 body's `reason`. */
export class GoogleTokenError extends Error {
  constructor(
    readonly reason:
      'token_invalid' | 'token_expired' | 'audience_mismatch' | 'domain_mismatch' | 'email_unverified',
    message: string,
  ) {
    super(message);
    this.name = 'GoogleTokenError';
  }
}

/** Google's issuer may appear in `iss` with or without the scheme (Google Identity docs, "Verify the ID token"). */
function issuersOf(issuer: string): string[] {
  const bare = issuer.replace(/^https:\/\//, '');
  return bare === 'accounts.google.com' ? ['https://accounts.google.com', 'accounts.google.com'] : [issuer];
}

const CACHE_MS = 10 * 60_000;

/**
 * Verifies a Google (OpenID Connect) ID token with `jose`: discovery `<issuer>/.well-known/openid-configuration`
 * → `jwks_uri` → the key set (both cached 10 minutes per issuer, fetched through {@link OutboundHttp}: outbound
 * URL policy, pinned connections, no redirects), then `jwtVerify` with the issuer, `aud` = the integration's
 * client id, RS256/ES256 only and 5 s clock tolerance (OpenID Connect Core §3.1.3.7). With `hostedDomain`, the
 * `hd` claim must match; an `email` must be verified (`email_verified`).
 * @throws GoogleTokenError for a refused token; Error when the issuer cannot be reached (502 upstream)
 */
@Injectable()
export class GoogleIdTokenVerifier {
  private readonly keys = new Map<string, { at: number; jwks: ReturnType<typeof createLocalJWKSet> }>();

  constructor(private readonly outbound: OutboundHttp) {}

  async verify(config: IntegrationConfig<'google_oauth'>, idToken: string): Promise<GoogleIdentity> {
    const jwks = await this.jwksOf(config.issuer);
    let payload;
    try {
      ({ payload } = await jwtVerify(idToken, jwks, {
        issuer: issuersOf(config.issuer),
        audience: config.clientId,
        algorithms: ['RS256', 'ES256'],
        clockTolerance: 5,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired)
        throw new GoogleTokenError('token_expired', 'the ID token has expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'aud')
        throw new GoogleTokenError('audience_mismatch', 'the ID token was issued to another OAuth client');
      throw new GoogleTokenError(
        'token_invalid',
        `the ID token is not valid: ${(e as Error).message}`.slice(0, 200),
      );
    }
    const hd = typeof payload['hd'] === 'string' ? payload['hd'] : undefined;
    if (config.hostedDomain && hd !== config.hostedDomain)
      throw new GoogleTokenError(
        'domain_mismatch',
        `the account is not in the ${config.hostedDomain} domain`,
      );
    const email = typeof payload['email'] === 'string' ? payload['email'] : undefined;
    if (email && payload['email_verified'] === false)
      throw new GoogleTokenError('email_unverified', 'the account e-mail is not verified');
    return { sub: payload.sub as string, ...(email ? { email } : {}), ...(hd ? { hostedDomain: hd } : {}) };
  }

  private async jwksOf(issuer: string): Promise<ReturnType<typeof createLocalJWKSet>> {
    const cached = this.keys.get(issuer);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.jwks;
    const meta = await this.getJson(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
    const jwksUri = meta['jwks_uri'];
    if (typeof jwksUri !== 'string') throw new Error(`${issuer} discovery has no jwks_uri`);
    const set = (await this.getJson(jwksUri)) as unknown as JSONWebKeySet;
    if (!Array.isArray(set.keys)) throw new Error(`${jwksUri} is not a JWK Set`);
    const jwks = createLocalJWKSet(set);
    this.keys.set(issuer, { at: Date.now(), jwks });
    return jwks;
  }

  private async getJson(url: string): Promise<Record<string, unknown>> {
    const res = await this.outbound.request(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text(1 << 20);
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    return JSON.parse(text) as Record<string, unknown>;
  }
}
