import {
  OutboundRedirectRefusedError,
  OutboundUrlRefusedError,
  redactVendorText,
  type IntegrationConfig,
  type IntegrationSecrets,
  type OutboundHttp,
} from '@hub/integrations';
import { TargetError } from '../../core/target';

export type EightByEightCcConfig = IntegrationConfig<'eightbyeight_cc'>;
export type EightByEightCcSecrets = IntegrationSecrets<'eightbyeight_cc'>;

/** A failed Chat Gateway call: a {@link TargetError} with the HTTP status (undefined for network errors). */
export class EightByEightCallError extends TargetError {
  constructor(
    kind: TargetError['kind'],
    message: string,
    readonly status: number | undefined,
    field?: string,
    vendorCode?: string,
  ) {
    super(kind, message, field, vendorCode);
    this.name = 'EightByEightCallError';
  }
}

/** Status and parsed JSON body (undefined when empty / not JSON) of a 2xx answer. */
export interface EightByEightResponse {
  status: number;
  json: unknown;
}

/**
 * 8x8 Contact Center Chat Gateway API v1 client for one integration (8x8 "Contact Center Chat Gateway" OpenAPI,
 * server `https://api.8x8.com`, paths `/chat-gateway/v1/…`): `x-api-key` auth, the CC tenant in `X-8x8-Tenant`,
 * JSON in, HAL JSON out, every call through `OutboundHttp`. Errors: 429 → `throttled`, 5xx/network/timeout →
 * `unavailable`, 401/403 → `auth`, other 4xx → `invalid` (the vendor's `errors[].code` kept as `vendorCode`, text
 * redacted).
 */
export class EightByEightChatGateway {
  constructor(
    private readonly http: OutboundHttp,
    private readonly config: EightByEightCcConfig,
    private readonly secrets: EightByEightCcSecrets,
  ) {}

  /** `GET`/`POST`/… `{baseUrl}{path}`. @throws EightByEightCallError */
  async call(
    method: string,
    path: string,
    body?: unknown,
    opts: { auth?: boolean } = {},
  ): Promise<EightByEightResponse> {
    const url = `${this.config.baseUrl.replace(/\/+$/, '')}${path}`;
    const headers: Record<string, string> = { accept: 'application/hal+json, application/json' };
    if (opts.auth !== false) {
      headers['x-api-key'] = this.secrets.apiKey;
      headers['x-8x8-tenant'] = this.config.tenantId;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await this.http.request(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.config.requestTimeoutMs),
      });
    } catch (e) {
      if (e instanceof OutboundUrlRefusedError) {
        throw new EightByEightCallError(
          'invalid',
          `URL refused by the outbound policy: ${e.message}`,
          undefined,
          'config.baseUrl',
        );
      }
      if (e instanceof OutboundRedirectRefusedError)
        throw new EightByEightCallError('unavailable', e.message, e.status, 'config.baseUrl');
      const code = (e as { code?: string }).code;
      throw new EightByEightCallError(
        'unavailable',
        `8x8 host unreachable (${code ?? (e as Error).name})`,
        undefined,
        'config.baseUrl',
      );
    }
    const text = await res.text();
    const json = parseJson(text);
    if (res.ok) return { status: res.status, json };
    const b = json as { message?: unknown; errors?: unknown } | undefined;
    const first = Array.isArray(b?.errors)
      ? (b.errors[0] as { code?: unknown } | string | undefined)
      : undefined;
    const vendorCode = typeof first === 'object' && typeof first?.code === 'string' ? first.code : undefined;
    const detail = redactVendorText(typeof b?.message === 'string' ? b.message : text, {
      secrets: [this.secrets.apiKey],
    });
    const kind: TargetError['kind'] =
      res.status === 429
        ? 'throttled'
        : res.status >= 500 || res.status === 408
          ? 'unavailable'
          : res.status === 401 || res.status === 403
            ? 'auth'
            : 'invalid';
    throw new EightByEightCallError(
      kind,
      `8x8 ${method} ${path.split('?')[0]} → ${res.status}${detail ? `: ${detail}` : ''}`,
      res.status,
      undefined,
      vendorCode,
    );
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
