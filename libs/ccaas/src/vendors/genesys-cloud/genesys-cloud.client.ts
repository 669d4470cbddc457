import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { IntegrationConfig, IntegrationSecrets, OutboundHttp } from '@hub/integrations';
import { VendorCallError, vendorRequest } from '../vendor-http';

export type GenesysCloudConfig = IntegrationConfig<'genesys_cloud'>;
export type GenesysCloudSecrets = IntegrationSecrets<'genesys_cloud'>;

/** The two hosts of a Genesys Cloud org: `https://login.{region}` (OAuth) and `https://api.{region}` (Platform API). */
export interface GenesysHosts {
  loginBaseUrl: string;
  apiBaseUrl: string;
}

/** Hosts of a config: the region's, unless the (policy-vetted) overrides are set. */
export function genesysHosts(config: GenesysCloudConfig): GenesysHosts {
  return {
    loginBaseUrl: trimSlash(config.loginBaseUrl ?? `https://login.${config.region}`),
    apiBaseUrl: trimSlash(config.apiBaseUrl ?? `https://api.${config.region}`),
  };
}

const TokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  /** Seconds. */
  expires_in: z.number().positive(),
});

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is refreshed (before Genesys' expiry). */
  refreshAt: number;
}

/**
 * OAuth 2.0 client-credentials tokens (RFC 6749 §4.4) of Genesys Cloud, cached per integration: the key is the
 * integration id plus a hash of client id, secret and login host, so two tenants never share a token and a rotated
 * secret gets a fresh one. A token is refreshed when 90 % of its `expires_in` has passed (at least 60 s before it
 * expires); concurrent callers share one request.
 *
 * Wire format (Genesys "Client Credentials Grant"): `POST https://login.{region}/oauth/token`,
 * `Authorization: Basic base64(clientId:clientSecret)`, form body `grant_type=client_credentials` →
 * `{ access_token, token_type: "bearer", expires_in }`.
 */
export class GenesysTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * A valid access token for the integration.
   * @throws VendorCallError: `auth` for a refused client, `unavailable`/`throttled` otherwise
   */
  async get(
    http: OutboundHttp,
    integrationId: string,
    config: GenesysCloudConfig,
    secrets: GenesysCloudSecrets,
  ): Promise<string> {
    const { loginBaseUrl } = genesysHosts(config);
    const key = `${integrationId}:${sha256(`${config.clientId}\n${secrets.clientSecret}\n${loginBaseUrl}`)}`;
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.refreshAt) return cached.token;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.fetchToken(http, loginBaseUrl, config, secrets)
      .then((t) => {
        this.tokens.set(key, t);
        return t.token;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Forgets the integration's tokens (after a 401 from the API: revoked or expired early). */
  invalidate(integrationId: string): void {
    for (const k of this.tokens.keys()) if (k.startsWith(`${integrationId}:`)) this.tokens.delete(k);
  }

  private async fetchToken(
    http: OutboundHttp,
    loginBaseUrl: string,
    config: GenesysCloudConfig,
    secrets: GenesysCloudSecrets,
  ): Promise<CachedToken> {
    const started = this.now();
    const basic = Buffer.from(`${config.clientId}:${secrets.clientSecret}`, 'utf8').toString('base64');
    const res = await vendorRequest(http, `${loginBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
      timeoutMs: config.requestTimeoutMs,
      label: 'Genesys login',
      hostField: config.loginBaseUrl ? 'config.loginBaseUrl' : 'config.region',
      secrets: [secrets.clientSecret],
      errorCode: genesysErrorCode,
    });
    const parsed = TokenResponse.safeParse(res.json);
    if (!parsed.success) {
      throw new VendorCallError('unavailable', 'Genesys token response is malformed', res.status);
    }
    const lifetimeMs = parsed.data.expires_in * 1000;
    const margin = Math.max(60_000, lifetimeMs * 0.1);
    return { token: parsed.data.access_token, refreshAt: started + Math.max(0, lifetimeMs - margin) };
  }
}

/** A response: status and JSON body (undefined when empty or not JSON). */
export type GenesysResponse = Awaited<ReturnType<typeof vendorRequest>>;

/**
 * Genesys Cloud Platform API v2 client for one integration: bearer token from the {@link GenesysTokenCache},
 * JSON in and out, every call through `OutboundHttp` (SSRF policy, pinned addresses, no redirects), one retry
 * with a fresh token after a 401. Errors are {@link VendorCallError}s (429 → `throttled`, 5xx/network/timeout →
 * `unavailable`, 401/403 → `auth`, other 4xx → `invalid`; vendor text redacted).
 */
export class GenesysApi {
  constructor(
    private readonly http: OutboundHttp,
    private readonly tokens: GenesysTokenCache,
    private readonly integrationId: string,
    private readonly config: GenesysCloudConfig,
    private readonly secrets: GenesysCloudSecrets,
  ) {}

  /**
   * One API call, `path` starting with `/api/v2/`.
   * @returns status and parsed body of a 2xx answer
   * @throws VendorCallError
   */
  async call(method: string, path: string, body?: unknown): Promise<GenesysResponse> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.get(this.http, this.integrationId, this.config, this.secrets);
      try {
        return await vendorRequest(this.http, `${genesysHosts(this.config).apiBaseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          timeoutMs: this.config.requestTimeoutMs,
          label: 'Genesys api',
          hostField: this.config.apiBaseUrl ? 'config.apiBaseUrl' : 'config.region',
          secrets: [this.secrets.clientSecret, token],
          errorCode: genesysErrorCode,
        });
      } catch (e) {
        if (attempt === 0 && e instanceof VendorCallError && e.status === 401) {
          this.tokens.invalidate(this.integrationId);
          continue;
        }
        throw e;
      }
    }
  }
}

/** Genesys' error code: `code` of Platform API errors, `error` of OAuth errors. */
function genesysErrorCode(body: unknown): string | undefined {
  const b = body as { code?: unknown; error?: unknown } | undefined;
  return typeof b?.code === 'string' ? b.code : typeof b?.error === 'string' ? b.error : undefined;
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function trimSlash(u: string): string {
  return u.replace(/\/+$/, '');
}
