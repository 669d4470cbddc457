import * as oidc from 'openid-client';
import { CalendarError, type CalendarProvider } from './calendar-port';

/** Google's OAuth 2.0 token endpoint. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** Microsoft identity platform v2.0 token endpoint of an Entra ID tenant (`common`, a GUID or a domain). */
export const microsoftTokenUrl = (tenant: string): string =>
  `https://login.microsoftonline.com/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
/** The scope of Microsoft Graph app-only (client credentials) tokens. */
export const MICROSOFT_GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

/**
 * The fetch the token requests go through (openid-client's `customFetch` shape). Pass `OutboundHttp.fetch` of
 * `@hub/integrations`: the configured token URL is vetted by the outbound URL policy, pinned, redirects refused.
 */
export type TokenFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: unknown; signal?: AbortSignal },
) => Promise<Response>;

/** How an integration obtains access tokens. */
export type OAuthGrant =
  /** RFC 6749 §6: a refresh token from the admin's consent (Google; Microsoft delegated). */
  | { type: 'refresh_token'; refreshToken: string; scope?: string }
  /** RFC 6749 §4.4: app-only client credentials (Microsoft Graph `https://graph.microsoft.com/.default`). */
  | { type: 'client_credentials'; scope: string };

/** Settings of an {@link OAuthTokenSource}. */
export interface OAuthTokenSourceOptions {
  /** Which calendar provider the tokens are for (error messages). */
  provider: CalendarProvider;
  /** The integration the credentials belong to (named in errors: the one that needs re-consent). */
  integrationId: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  grant: OAuthGrant;
  fetch: TokenFetch;
  /**
   * Called (awaited) when the token endpoint returns a new refresh token (rotation, RFC 6749 §6 / OAuth 2.1):
   * persist it; later refreshes use it.
   */
  onRefreshTokenRotated?: (refreshToken: string) => Promise<void>;
  /** Refresh this long before `expires_in` runs out, ms (default 60 000). */
  refreshSkewMs?: number;
  /** Lifetime assumed when the response has no `expires_in`, seconds (default 300). */
  defaultExpiresInSec?: number;
  /** Clock, ms epoch (tests). */
  now?: () => number;
}

/**
 * The token endpoint refused the integration's grant (`invalid_grant`: refresh token revoked or expired, consent
 * withdrawn; `invalid_client`, `unauthorized_client`): an administrator must consent again / fix the credentials.
 */
export class CalendarReconsentRequiredError extends CalendarError {
  constructor(
    provider: CalendarProvider,
    readonly integrationId: string,
    readonly oauthError: string,
    description?: string,
  ) {
    super(
      provider,
      `calendar integration ${integrationId} needs re-consent: the token endpoint answered ${oauthError}${description ? ` (${description.slice(0, 200)})` : ''}`,
    );
    this.name = 'CalendarReconsentRequiredError';
  }
}

const RECONSENT_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

/**
 * OAuth 2.0 access tokens of one calendar integration, through `openid-client` (RFC 6749 token endpoint, client
 * authentication `client_secret_post`): a refresh-token grant (Google; Microsoft delegated) or a
 * client-credentials grant (Microsoft Graph app-only). The token is cached until `refreshSkewMs` before its
 * `expires_in`; concurrent callers share one refresh; `token({ forceRefresh: true })` (after a 401 from the
 * calendar API) refreshes now. A rotated refresh token replaces the old one in memory and is handed to
 * `onRefreshTokenRotated` (to persist; it should not throw) before the access token is returned.
 * @throws (from `token`) CalendarReconsentRequiredError (`invalid_grant` …), CalendarError (token endpoint
 *         unreachable or answering something else)
 */
export class OAuthTokenSource {
  private readonly config: oidc.Configuration;
  private cached: { token: string; refreshAt: number } | null = null;
  private inflight: Promise<string> | null = null;
  private refreshToken: string | null;
  /** Every refresh token this source held (the stored one and those it rotated to). */
  readonly refreshTokensSeen = new Set<string>();

  constructor(private readonly opts: OAuthTokenSourceOptions) {
    const url = new URL(opts.tokenUrl);
    this.config = new oidc.Configuration(
      { issuer: url.origin, token_endpoint: url.toString() },
      opts.clientId,
      undefined,
      oidc.ClientSecretPost(opts.clientSecret),
    );
    // plain http only reaches the wire when the outbound URL policy allows it (OUTBOUND_ALLOW_HTTP: local servers)
    if (url.protocol === 'http:') oidc.allowInsecureRequests(this.config);
    this.config[oidc.customFetch] = opts.fetch as oidc.CustomFetch;
    this.refreshToken = opts.grant.type === 'refresh_token' ? opts.grant.refreshToken : null;
    if (this.refreshToken) this.refreshTokensSeen.add(this.refreshToken);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** The refresh token in use (the latest rotated one), or null for client credentials. */
  get currentRefreshToken(): string | null {
    return this.refreshToken;
  }

  /**
   * A current access token (RFC 6750 bearer).
   * @param opts.forceRefresh ignore the cached token (the API answered 401 with it)
   */
  async token(opts: { forceRefresh?: boolean } = {}): Promise<string> {
    if (!opts.forceRefresh && this.cached && this.now() < this.cached.refreshAt) return this.cached.token;
    if (opts.forceRefresh) this.cached = null;
    this.inflight ??= this.fetchToken().finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async fetchToken(): Promise<string> {
    const { provider, integrationId, grant } = this.opts;
    let res: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
    try {
      res =
        grant.type === 'refresh_token'
          ? await oidc.refreshTokenGrant(
              this.config,
              this.refreshToken as string,
              grant.scope ? { scope: grant.scope } : undefined,
            )
          : await oidc.clientCredentialsGrant(this.config, { scope: grant.scope });
    } catch (e) {
      const err = e as Error & { error?: string; error_description?: string; status?: number };
      if (e instanceof oidc.ResponseBodyError && err.error && RECONSENT_ERRORS.has(err.error))
        throw new CalendarReconsentRequiredError(provider, integrationId, err.error, err.error_description);
      throw new CalendarError(
        provider,
        `token refresh for calendar integration ${integrationId} failed: ${err.error ?? err.message}`,
        err.status,
      );
    }
    if (res.refresh_token && res.refresh_token !== this.refreshToken && grant.type === 'refresh_token') {
      // in memory first: the next refresh uses the new one even if persisting it fails
      this.refreshToken = res.refresh_token;
      this.refreshTokensSeen.add(res.refresh_token);
      await this.opts.onRefreshTokenRotated?.(res.refresh_token);
    }
    const lifetimeMs = (res.expires_in ?? this.opts.defaultExpiresInSec ?? 300) * 1000;
    const skew = Math.min(this.opts.refreshSkewMs ?? 60_000, lifetimeMs / 2);
    this.cached = { token: res.access_token, refreshAt: this.now() + lifetimeMs - skew };
    return res.access_token;
  }
}
