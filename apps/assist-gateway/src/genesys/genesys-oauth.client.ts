import { Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { OutboundHttp, redactVendorText } from '@hub/integrations';
import type { GenesysOAuthIntegration } from './genesys-integration.repository';

/** The agent a completed sign-in identified. */
export interface GenesysIdentity {
  /** Genesys user id (OIDC `sub`, or `id` of `/api/v2/users/me`). */
  userId: string;
  name?: string;
}

/** A completed sign-in: who signed in, and the agent's own Genesys access token (never logged). */
export interface GenesysSignIn {
  identity: GenesysIdentity;
  /** The OAuth access token Genesys issued to the agent (bearer for the Platform API). */
  accessToken: string;
  /** `expires_in` of the token response, seconds (undefined when the provider did not say). */
  expiresInSeconds?: number;
}

/** The provider refused or the response failed validation (state, PKCE, id_token, user). */
export class GenesysLoginError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'GenesysLoginError';
  }
}

const CONFIG_CACHE_MS = 10 * 60_000;

/**
 * OAuth 2.0 Authorization Code + PKCE (RFC 6749 §4.1, RFC 7636 S256) against a tenant's Genesys
 * Cloud org through `openid-client` (public client, no secret):
 *  - OIDC (`issuer`): discovery, id_token validated (iss, aud, exp, nonce and — non-repudiation
 *    checks — its signature against the provider's JWKS); identity = `sub`;
 *  - Genesys Cloud endpoints (`authorizeUrl`, `tokenUrl`, `apiBaseUrl`): identity from
 *    `GET /api/v2/users/me`; and when `apiBaseUrl` is set, the agent must be a participant of the
 *    conversation (`GET /api/v2/conversations/{id}`).
 * Discovery results are cached per integration for 10 minutes. Every request (discovery, JWKS, token,
 * Genesys API) goes through {@link OutboundHttp} (openid-client's `customFetch`): the tenant-configured
 * hosts are vetted by the outbound URL policy, connections pinned, redirects refused; provider error
 * text is redacted.
 */
@Injectable()
export class GenesysOAuthClient {
  private readonly cache = new Map<string, { at: number; config: oidc.Configuration }>();

  constructor(private readonly outbound: OutboundHttp) {}

  private async configuration(i: GenesysOAuthIntegration): Promise<oidc.Configuration> {
    const hit = this.cache.get(i.id);
    if (hit && Date.now() - hit.at < CONFIG_CACHE_MS) return hit.config;
    const c = i.config;
    let config: oidc.Configuration;
    if (c.issuer) {
      const execute = [oidc.enableNonRepudiationChecks];
      if (c.allowInsecureHttp) execute.push(oidc.allowInsecureRequests);
      config = await oidc.discovery(new URL(c.issuer), c.clientId, undefined, oidc.None(), {
        execute,
        [oidc.customFetch]: this.outbound.fetch,
      });
    } else {
      config = new oidc.Configuration(
        {
          issuer: new URL(c.authorizeUrl as string).origin,
          authorization_endpoint: c.authorizeUrl,
          token_endpoint: c.tokenUrl,
        },
        c.clientId,
        undefined,
        oidc.None(),
      );
      if (c.allowInsecureHttp) oidc.allowInsecureRequests(config);
    }
    config[oidc.customFetch] = this.outbound.fetch;
    this.cache.set(i.id, { at: Date.now(), config });
    return config;
  }

  /** Whether the sign-in is OpenID Connect (an id_token is expected). */
  static isOidc(i: GenesysOAuthIntegration): boolean {
    return Boolean(i.config.issuer) && i.config.scopes.includes('openid');
  }

  /**
   * The authorize URL to send the browser to, with a fresh S256 code challenge.
   * @returns the URL and the secrets to keep until the callback
   */
  async authorizationUrl(
    i: GenesysOAuthIntegration,
    state: string,
  ): Promise<{ url: URL; codeVerifier: string; nonce?: string }> {
    const config = await this.configuration(i);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const params: Record<string, string> = {
      redirect_uri: i.config.redirectUri,
      scope: i.config.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    };
    let nonce: string | undefined;
    if (GenesysOAuthClient.isOidc(i)) params['nonce'] = nonce = oidc.randomNonce();
    return { url: oidc.buildAuthorizationUrl(config, params), codeVerifier, ...(nonce ? { nonce } : {}) };
  }

  /**
   * Exchanges the authorization code (with the code_verifier) and identifies the agent.
   * @param callbackQuery the callback's query string (`code`, `state` or `error`)
   * @returns the identity and the agent's access token (kept for the desktop actions: send message,
   *   save summary — see GenesysAgentTokenRepository)
   * @throws GenesysLoginError when the provider refused or a check failed
   */
  async complete(
    i: GenesysOAuthIntegration,
    callbackQuery: URLSearchParams,
    checks: { state: string; codeVerifier: string; nonce?: string; conversationId: string },
  ): Promise<GenesysSignIn> {
    const config = await this.configuration(i);
    const currentUrl = new URL(i.config.redirectUri);
    currentUrl.search = callbackQuery.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        ...(checks.nonce ? { expectedNonce: checks.nonce } : {}),
        idTokenExpected: GenesysOAuthClient.isOidc(i),
      });
    } catch (e) {
      const err = e as Error & { error?: string; error_description?: string };
      throw new GenesysLoginError(
        err.error ?? 'token_exchange_failed',
        `sign-in failed: ${redactVendorText(err.error_description ?? err.error ?? err.message)}`,
      );
    }
    let identity: GenesysIdentity;
    // OIDC: the validated id_token says who signed in; Genesys Cloud endpoints: the API says whose
    // access token it is (an id_token, if any, is not used)
    const claims = GenesysOAuthClient.isOidc(i) ? tokens.claims() : undefined;
    if (claims) {
      identity = {
        userId: claims.sub,
        ...(typeof claims['name'] === 'string' ? { name: claims['name'] } : {}),
      };
    } else {
      identity = await this.usersMe(config, i, tokens.access_token);
    }
    if (i.config.apiBaseUrl)
      await this.assertParticipant(config, i, tokens.access_token, checks.conversationId, identity);
    const expiresIn = tokens.expiresIn();
    return {
      identity,
      accessToken: tokens.access_token,
      ...(expiresIn !== undefined ? { expiresInSeconds: expiresIn } : {}),
    };
  }

  private async getJson(
    config: oidc.Configuration,
    accessToken: string,
    url: URL,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await oidc.fetchProtectedResource(config, accessToken, url, 'GET');
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: res.status, body };
  }

  /** Genesys Cloud `GET /api/v2/users/me` → `{id, name, …}`. */
  private async usersMe(
    config: oidc.Configuration,
    i: GenesysOAuthIntegration,
    accessToken: string,
  ): Promise<GenesysIdentity> {
    if (!i.config.apiBaseUrl)
      throw new GenesysLoginError('no_identity', 'no id_token and no apiBaseUrl configured');
    const { status, body } = await this.getJson(
      config,
      accessToken,
      new URL('/api/v2/users/me', i.config.apiBaseUrl),
    );
    if (status !== 200 || typeof body['id'] !== 'string')
      throw new GenesysLoginError('no_identity', `GET /api/v2/users/me answered ${status}`);
    return { userId: body['id'], ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}) };
  }

  /** Genesys Cloud `GET /api/v2/conversations/{id}`: the agent must be one of `participants[].userId`. */
  private async assertParticipant(
    config: oidc.Configuration,
    i: GenesysOAuthIntegration,
    accessToken: string,
    conversationId: string,
    identity: GenesysIdentity,
  ): Promise<void> {
    const url = new URL(`/api/v2/conversations/${encodeURIComponent(conversationId)}`, i.config.apiBaseUrl);
    const { status, body } = await this.getJson(config, accessToken, url);
    const participants = Array.isArray(body['participants'])
      ? (body['participants'] as { userId?: unknown }[])
      : [];
    if (status !== 200 || !participants.some((p) => p.userId === identity.userId))
      throw new GenesysLoginError(
        'not_a_participant',
        `the signed-in agent is not a participant of conversation ${conversationId}`,
      );
  }
}
