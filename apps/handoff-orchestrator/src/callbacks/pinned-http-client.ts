import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Injectable } from '@nestjs/common';
import type { VettedAddress, VettedTarget } from './callback-url-policy';

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

/** One POST to a vetted callback target. */
export interface PinnedPost {
  headers: Record<string, string>;
  /** JSON text. */
  body: string;
  /** Aborts the request (timeout). */
  signal?: AbortSignal;
}

/**
 * Outbound HTTP(S) for callbacks, pinned to vetted addresses (node:http / node:https with a
 * {@link pinnedLookup}; a fresh connection per POST, `agent: false`). The URL's host name stays the
 * `Host` header and the TLS server name (SNI, certificate check), only the address lookup is pinned.
 * Redirects are never followed (node:http does not), a 3xx is returned like any other status.
 */
@Injectable()
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
}
