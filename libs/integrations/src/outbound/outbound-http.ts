import { OutboundUrlRefusedError, type OutboundUrlPolicy, type VettedTarget } from './outbound-url-policy';
import { PinnedHttpClient, type PinnedRequest, type PinnedResponse } from './pinned-http-client';

/**
 * A tenant-configured host answered with a redirect. Never followed: the request carried credentials
 * (API key, bearer token, signature) that must not reach wherever `Location` points.
 */
export class OutboundRedirectRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly location: string | undefined,
  ) {
    super(`HTTP ${status} redirect refused (credentials never follow a redirect)`);
    this.name = 'OutboundRedirectRefusedError';
  }
}

/**
 * The one way to call a tenant-configured HTTP host (LLM `baseUrl`, Genesys API, CCaaS adapters): the URL
 * is checked by the {@link OutboundUrlPolicy} (scheme, userinfo, allow-list, IP literals), its host
 * resolved and every address vetted, and the request sent over a connection pinned to those addresses
 * ({@link PinnedHttpClient}; Host/SNI stay the name). A 3xx answer is refused
 * ({@link OutboundRedirectRefusedError}) after discarding its body.
 */
export class OutboundHttp {
  constructor(
    readonly policy: OutboundUrlPolicy,
    private readonly client: PinnedHttpClient = new PinnedHttpClient(),
  ) {}

  /**
   * Vets `url` and sends the request.
   * @returns the response (any non-3xx status; the caller checks `ok`)
   * @throws OutboundUrlRefusedError (SSRF policy), OutboundRedirectRefusedError (3xx), network errors,
   *         `AbortError`/`TimeoutError` from `init.signal`
   */
  async request(url: string, init: PinnedRequest = {}): Promise<PinnedResponse> {
    const target = await this.vet(url);
    const res = await this.client.request(target, init);
    if (res.status >= 300 && res.status < 400) {
      res.discard();
      const loc = res.headers.location;
      throw new OutboundRedirectRefusedError(res.status, Array.isArray(loc) ? loc[0] : loc);
    }
    return res;
  }

  /**
   * A WHATWG-`fetch`-shaped adapter over {@link request} for libraries that take a custom fetch (e.g.
   * openid-client's `customFetch`): string/URLSearchParams bodies, the whole response body buffered
   * (≤ 16 MiB). Same policy: vetted, pinned, redirects refused.
   * @throws like {@link request}
   */
  readonly fetch = async (
    url: string | URL,
    init: { method?: string; headers?: HeadersInit; body?: unknown; signal?: AbortSignal | null } = {},
  ): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    const body =
      init.body === undefined || init.body === null
        ? undefined
        : init.body instanceof URLSearchParams
          ? init.body.toString()
          : String(init.body);
    const res = await this.request(String(url), {
      method: init.method ?? 'GET',
      headers,
      body,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const text = await res.text(16 << 20);
    const h = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
    }
    return new Response(res.status === 204 || res.status === 304 ? null : text, {
      status: res.status,
      headers: h,
    });
  };

  /**
   * Checks and resolves `url` (for clients with their own transport, e.g. a WebSocket: connect with
   * `lookup: pinnedLookup(target.addresses)`).
   * @throws OutboundUrlRefusedError
   */
  vet(url: string): Promise<VettedTarget> {
    return this.policy.resolve(this.policy.checkUrl(url));
  }

  /** {@link OutboundUrlPolicy.checkUrl} as a config-time check: the refusal message, or null when acceptable. */
  refusal(url: string): string | null {
    try {
      this.policy.checkUrl(url);
      return null;
    } catch (e) {
      if (e instanceof OutboundUrlRefusedError) return e.message;
      throw e;
    }
  }
}
