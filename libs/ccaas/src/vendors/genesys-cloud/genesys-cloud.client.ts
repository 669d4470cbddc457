import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  OutboundRedirectRefusedError,
  OutboundUrlRefusedError,
  redactVendorText,
  type IntegrationConfig,
  type IntegrationSecrets,
  type OutboundHttp,
} from '@hub/integrations';
import { TargetError } from '../../core/target';

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

/** Where a failed call went wrong, for Test Connection. */
export type GenesysCallStage = 'login' | 'api';

/** A {@link TargetError} that also says which host failed (network errors on `login` mean a wrong region). */
export class GenesysCallError extends TargetError {
  constructor(
    kind: TargetError['kind'],
    message: string,
    readonly stage: GenesysCallStage,
    readonly status: number | undefined,
    field?: string,
    vendorCode?: string,
  ) {
    super(kind, message, field, vendorCode);
    this.name = 'GenesysCallError';
  }
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
   * @throws GenesysCallError (stage `login`): `auth` for a refused client, `unavailable`/`throttled` otherwise
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
    const res = await send(
      http,
      'login',
      `${loginBaseUrl}/oauth/token`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
      },
      config,
      [secrets.clientSecret],
      config.loginBaseUrl ? 'config.loginBaseUrl' : 'config.region',
    );
    const parsed = TokenResponse.safeParse(res.json);
    if (!parsed.success) {
      throw new GenesysCallError('unavailable', 'Genesys token response is malformed', 'login', res.status);
    }
    const lifetimeMs = parsed.data.expires_in * 1000;
    const margin = Math.max(60_000, lifetimeMs * 0.1);
    return { token: parsed.data.access_token, refreshAt: started + Math.max(0, lifetimeMs - margin) };
  }
}

/** A response: status and JSON body (undefined when empty or not JSON). */
export interface GenesysResponse {
  status: number;
  json: unknown;
}

/**
 * Genesys Cloud Platform API v2 client for one integration: bearer token from the {@link GenesysTokenCache},
 * JSON in and out, every call through `OutboundHttp` (SSRF policy, pinned addresses, no redirects), one retry
 * with a fresh token after a 401. Errors are {@link GenesysCallError}s: 429 → `throttled`, 5xx/network/timeout
 * → `unavailable`, 401/403 → `auth`, other 4xx → `invalid` (vendor text redacted).
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
   * @throws GenesysCallError
   */
  async call(method: string, path: string, body?: unknown): Promise<GenesysResponse> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.get(this.http, this.integrationId, this.config, this.secrets);
      try {
        return await send(
          this.http,
          'api',
          `${genesysHosts(this.config).apiBaseUrl}${path}`,
          {
            method,
            headers: {
              authorization: `Bearer ${token}`,
              accept: 'application/json',
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          },
          this.config,
          [this.secrets.clientSecret, token],
          this.config.apiBaseUrl ? 'config.apiBaseUrl' : 'config.region',
        );
      } catch (e) {
        if (attempt === 0 && e instanceof GenesysCallError && e.status === 401) {
          this.tokens.invalidate(this.integrationId);
          continue;
        }
        throw e;
      }
    }
  }
}

/** Sends one request and maps failures to {@link GenesysCallError}. */
async function send(
  http: OutboundHttp,
  stage: GenesysCallStage,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  config: GenesysCloudConfig,
  secrets: readonly string[],
  hostField: string,
): Promise<GenesysResponse> {
  let res;
  try {
    res = await http.request(url, { ...init, signal: AbortSignal.timeout(config.requestTimeoutMs) });
  } catch (e) {
    if (e instanceof OutboundUrlRefusedError) {
      throw new GenesysCallError(
        'invalid',
        `URL refused by the outbound policy: ${e.message}`,
        stage,
        undefined,
        hostField,
      );
    }
    if (e instanceof OutboundRedirectRefusedError) {
      throw new GenesysCallError('unavailable', e.message, stage, e.status, hostField);
    }
    const code = (e as { code?: string }).code;
    throw new GenesysCallError(
      'unavailable',
      `Genesys ${stage} host unreachable (${code ?? (e as Error).name})`,
      stage,
      undefined,
      hostField,
    );
  }
  const text = await res.text();
  if (res.ok) return { status: res.status, json: parseJson(text) };
  const body = parseJson(text) as { code?: unknown; message?: unknown; error?: unknown } | undefined;
  const vendorCode =
    typeof body?.code === 'string' ? body.code : typeof body?.error === 'string' ? body.error : undefined;
  const detail = redactVendorText(typeof body?.message === 'string' ? body.message : text, { secrets });
  const msg = `Genesys ${stage} ${init.method} ${new URL(url).pathname} → ${res.status}${detail ? `: ${detail}` : ''}`;
  const kind: TargetError['kind'] =
    res.status === 429
      ? 'throttled'
      : res.status >= 500 || res.status === 408
        ? 'unavailable'
        : res.status === 401 || res.status === 403
          ? 'auth'
          : 'invalid';
  throw new GenesysCallError(kind, msg, stage, res.status, undefined, vendorCode);
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function trimSlash(u: string): string {
  return u.replace(/\/+$/, '');
}
