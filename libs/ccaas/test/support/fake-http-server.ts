import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake vendor server received (body parsed as JSON when it is JSON). */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: unknown;
}

/** What a route handler answers. */
export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Lose the answer: the connection is reset instead (the client sees no HTTP response). */
  drop?: boolean;
}

/** A failure the next matching requests get instead of the real answer (vendor down, throttling). */
export interface InjectedFailure {
  method?: string;
  path: RegExp;
  status: number;
  /** How many requests fail (default 1). */
  times?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A small HTTP/1.1 server on 127.0.0.1 (random port) for vendor fakes: records every request, answers JSON, and
 * can be told to fail the next matching requests ({@link failNext}).
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;
  private failures: (InjectedFailure & { left: number })[] = [];

  constructor(private readonly handle: (req: RecordedRequest) => Promise<FakeResponse> | FakeResponse) {}

  /** Starts listening. @returns the base URL, e.g. `http://127.0.0.1:40123` */
  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const rawBody = Buffer.concat(chunks).toString('utf8');
        let body: unknown = undefined;
        try {
          body = rawBody ? (JSON.parse(rawBody) as unknown) : undefined;
        } catch {
          body = rawBody;
        }
        const rec: RecordedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          rawBody,
          body,
        };
        this.requests.push(rec);
        const failure = this.failures.find(
          (f) => f.left > 0 && (!f.method || f.method === rec.method) && f.path.test(rec.path),
        );
        const answer = failure
          ? Promise.resolve<FakeResponse>({
              status: failure.status,
              body: failure.body ?? { message: 'injected failure' },
              headers: failure.headers,
            })
          : Promise.resolve().then(() => this.handle(rec));
        if (failure) failure.left--;
        answer
          .catch((e: unknown): FakeResponse => ({ status: 500, body: { message: String(e) } }))
          .then((r) => {
            if (r.drop) {
              res.socket?.destroy();
              return;
            }
            const text = r.body === undefined ? '' : JSON.stringify(r.body);
            res.writeHead(r.status, {
              ...(text ? { 'content-type': 'application/json' } : {}),
              ...(r.headers ?? {}),
            });
            res.end(text);
          });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this.baseUrl;
  }

  get baseUrl(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new Error('not listening');
    return `http://127.0.0.1:${a.port}`;
  }

  /** The next `times` requests matching `path` (and `method`) get `status` instead. */
  failNext(f: InjectedFailure): void {
    this.failures.push({ ...f, left: f.times ?? 1 });
  }

  /** Recorded requests of `method` whose path matches. */
  find(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** POSTs a webhook (raw body + headers) and returns the status and body text. */
export async function postWebhook(
  url: string,
  rawBody: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: rawBody,
  });
  return { status: res.status, text: await res.text() };
}
