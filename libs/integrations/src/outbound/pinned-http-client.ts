import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { VettedAddress, VettedTarget } from './outbound-url-policy';

/**
 * A `lookup` for `net.connect` that answers only with the vetted addresses: the socket connects to an
 * address the policy approved, never to a second (possibly rebound) DNS answer. With Node's
 * `autoSelectFamily` (happy eyeballs, `all: true`) every vetted address is offered; otherwise the first.
 */
export function pinnedLookup(addresses: readonly VettedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options?.all) {
      callback(
        null,
        addresses.map((a) => ({ address: a.address, family: a.family })),
      );
    } else {
      const first = addresses[0];
      callback(null, first.address, first.family);
    }
  };
}

/** One POST to a vetted target. */
export interface PinnedPost {
  headers: Record<string, string>;
  /** JSON text. */
  body: string;
  /** Aborts the request (timeout). */
  signal?: AbortSignal;
}

/**
 * Outbound HTTP(S) to tenant-configured hosts, pinned to vetted addresses (node:http / node:https with a
 * {@link pinnedLookup}; a fresh connection per POST, `agent: false`). The URL's host name stays the
 * `Host` header and the TLS server name (SNI, certificate check), only the address lookup is pinned.
 * Redirects are never followed (node:http does not), a 3xx is returned like any other status.
 */
export class PinnedHttpClient {
  /**
   * POSTs `body` to `target.url` over a connection to one of `target.addresses`; the response body is
   * read and discarded.
   * @returns the HTTP status code
   * @throws network errors (ECONNREFUSED, TLS errors …) and `AbortError` when `signal` fires
   */
  post(target: VettedTarget, post: PinnedPost): Promise<number> {
    const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const req = request(
        target.url,
        {
          method: 'POST',
          headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
          lookup: pinnedLookup(target.addresses),
          agent: false,
          signal: post.signal,
        },
        (res) => {
          res.on('error', reject);
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.resume();
        },
      );
      req.on('error', reject);
      req.end(post.body);
    });
  }

  /**
   * Sends one request to `target.url` over a connection to one of `target.addresses` and resolves when
   * the response head arrives; the body is left to the caller (a stream, or {@link PinnedResponse.text}).
   * A 3xx is returned like any other status (never followed).
   * @throws network errors and `AbortError` when `signal` fires (also while the body is read)
   */
  request(target: VettedTarget, init: PinnedRequest): Promise<PinnedResponse> {
    const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body =
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? Buffer.from(init.body, 'utf8')
          : Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength);
    return new Promise<PinnedResponse>((resolve, reject) => {
      const req = request(
        target.url,
        {
          method: init.method ?? 'GET',
          headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
          lookup: pinnedLookup(target.addresses),
          agent: false,
          signal: init.signal,
        },
        (res) => resolve(new PinnedResponse(res, init.signal)),
      );
      req.on('error', (e) => reject(init.signal?.aborted ? (init.signal.reason as Error) : e));
      req.end(body);
    });
  }
}

/** One request of {@link PinnedHttpClient.request}. */
export interface PinnedRequest {
  method?: string;
  headers?: Record<string, string>;
  /** UTF-8 text (e.g. JSON), or bytes (a file upload). */
  body?: string | Uint8Array;
  /** Aborts the request and the body stream (timeout). */
  signal?: AbortSignal;
}

/** A response of {@link PinnedHttpClient.request}: status and headers now, the body as a stream or text. */
export class PinnedResponse {
  /**
   * @param signal the request's signal: when it fired, body errors are rethrown as its reason (e.g. the
   *   `TimeoutError` of `AbortSignal.timeout`) instead of the socket's `aborted`
   */
  constructor(
    private readonly res: IncomingMessage,
    private readonly signal?: AbortSignal,
  ) {}

  get status(): number {
    return this.res.statusCode ?? 0;
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get headers(): IncomingHttpHeaders {
    return this.res.headers;
  }
  /** The body as byte chunks (`for await`); a fired signal surfaces as its reason. */
  get body(): AsyncIterable<Buffer> {
    return this.chunks();
  }

  private async *chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const c of this.res as AsyncIterable<Buffer>) yield c;
    } catch (e) {
      throw this.signal?.aborted ? (this.signal.reason as Error) : e;
    }
  }
  /**
   * The whole body as UTF-8.
   * @param maxBytes stop reading after this many bytes (default 1 MiB); the rest is discarded
   */
  async text(maxBytes = 1 << 20): Promise<string> {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of this.chunks()) {
      if (n < maxBytes) chunks.push(c.subarray(0, maxBytes - n));
      n += c.length;
      if (n >= maxBytes) {
        this.res.destroy();
        break;
      }
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  /** The body parsed as JSON. @throws SyntaxError */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text(16 << 20)) as unknown;
  }
  /** Reads and discards the body. */
  discard(): void {
    this.res.resume();
  }
}
