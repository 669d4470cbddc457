import type { IntegrationConfig, IntegrationSecrets, OutboundHttp } from '@hub/integrations';
import { vendorRequest } from '../vendor-http';

export type EightByEightCcConfig = IntegrationConfig<'eightbyeight_cc'>;
export type EightByEightCcSecrets = IntegrationSecrets<'eightbyeight_cc'>;

/** Status and parsed JSON body (undefined when empty / not JSON) of a 2xx answer. */
export type EightByEightResponse = Awaited<ReturnType<typeof vendorRequest>>;

/**
 * 8x8 Contact Center Chat Gateway API v1 client for one integration (8x8 "Contact Center Chat Gateway" OpenAPI,
 * server `https://api.8x8.com`, paths `/chat-gateway/v1/…`): `x-api-key` auth, the CC tenant in `X-8x8-Tenant`,
 * JSON in, HAL JSON out, every call through `OutboundHttp`. Errors are `VendorCallError`s (429 → `throttled`,
 * 5xx/network/timeout → `unavailable`, 401/403 → `auth`, other 4xx → `invalid` with 8x8's `errors[0].code` as
 * `vendorCode`; text redacted).
 */
export class EightByEightChatGateway {
  constructor(
    private readonly http: OutboundHttp,
    private readonly config: EightByEightCcConfig,
    private readonly secrets: EightByEightCcSecrets,
  ) {}

  /**
   * `method` `{baseUrl}{path}`; `auth: false` sends no API key (the public JWK endpoint).
   * @throws VendorCallError
   */
  call(
    method: string,
    path: string,
    body?: unknown,
    opts: { auth?: boolean } = {},
  ): Promise<EightByEightResponse> {
    const headers: Record<string, string> = { accept: 'application/hal+json, application/json' };
    if (opts.auth !== false) {
      headers['x-api-key'] = this.secrets.apiKey;
      headers['x-8x8-tenant'] = this.config.tenantId;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    return vendorRequest(this.http, `${this.config.baseUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMs: this.config.requestTimeoutMs,
      label: '8x8',
      hostField: 'config.baseUrl',
      secrets: [this.secrets.apiKey],
      errorCode: eightByEightErrorCode,
    });
  }
}

/** `errors[0].code` of a Chat Gateway error body. */
function eightByEightErrorCode(body: unknown): string | undefined {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  const first = Array.isArray(errors) ? (errors[0] as { code?: unknown } | undefined) : undefined;
  return typeof first === 'object' && typeof first?.code === 'string' ? first.code : undefined;
}
