import type { LookupFunction } from 'node:net';
import WebSocket from 'ws';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { Logger } from 'pino';

/** Why a connection attempt or session ended. */
export type ReaderFailure =
  /** Handshake refused with HTTP 401/403 (bad or revoked API key). */
  | 'unauthorized'
  /** Opening handshake did not finish within the timeout. */
  | 'handshake_timeout'
  /** Any other connection error or non-101 response. */
  | 'connect_error'
  /** Connected, then the connection dropped (server close, network, missed keepalive). */
  | 'dropped'
  /** The message handler failed transiently (e.g. PostgreSQL down): reconnect from the last commit. */
  | 'handler_error';

export type ReaderState = 'idle' | 'connecting' | 'open' | 'backoff' | 'stopped';

/** Options for {@link PulsarReader}. Durations in ms. */
export interface PulsarReaderOptions {
  /** Computes the URL for the next connection (called before every attempt, so it can carry the latest cursor). */
  url: () => Promise<string>;
  /**
   * Vets the URL before each connection (SSRF: the 8x8 host is tenant-configured) and returns the
   * `lookup` that pins the socket to the vetted addresses; throwing refuses the connection
   * (`connect_error`, retried with backoff). @hub/integrations' `OutboundHttp.vet` + `pinnedLookup`.
   */
  pin?: (url: string) => Promise<LookupFunction>;
  /** Sent as the `X-API-Key` header of the opening handshake (8x8 Event Streaming authentication). */
  apiKey: string;
  handshakeTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** First delay after a 401/403; grows exponentially up to 10× this. */
  authBackoffMs: number;
  /** Client ping interval; a connection that misses a pong for this long is dropped. Default 30 000. */
  keepaliveMs?: number;
  /**
   * Processes one text frame and returns the message id to acknowledge (or undefined: nothing to ack).
   * Frames are handled strictly one after another, in arrival order. Throwing means "transient":
   * the frame is not acknowledged, the connection is closed and the reader reconnects (from
   * whatever `url()` then returns).
   */
  handle: (raw: string) => Promise<string | undefined>;
  logger: Logger;
  onConnected?: () => void;
  onFailure?: (failure: ReaderFailure, detail: string) => void;
  onStateChange?: (state: ReaderState) => void;
}

/**
 * A client of the Apache Pulsar WebSocket **reader** endpoint (Pulsar WebSocket API, "Reader endpoint"),
 * as exposed by 8x8 Event Streaming: opens the socket with the API key header and a handshake timeout,
 * hands every pushed message to `handle` in order, acknowledges it with `{"messageId": …}` once handled
 * (the service stops pushing after `receiverQueueSize` unacknowledged messages), and reconnects with
 * jittered exponential backoff (cockatiel) after any failure — a longer one after 401/403. The backoff
 * resets after a connection that opened successfully.
 */
export class PulsarReader {
  private ws?: WebSocket;
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private state: ReaderState = 'idle';
  private readonly backoffFactory: ExponentialBackoff<unknown>;
  private readonly authBackoffFactory: ExponentialBackoff<unknown>;

  constructor(private readonly opts: PulsarReaderOptions) {
    this.backoffFactory = new ExponentialBackoff({
      initialDelay: opts.backoffInitialMs,
      maxDelay: Math.max(opts.backoffMaxMs, opts.backoffInitialMs),
    });
    this.authBackoffFactory = new ExponentialBackoff({
      initialDelay: opts.authBackoffMs,
      maxDelay: opts.authBackoffMs * 10,
    });
  }

  get currentState(): ReaderState {
    return this.state;
  }

  /** Starts the connect → read → reconnect loop in the background. */
  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /**
   * Stops: closes the socket (close code 1000), waits for the frame in flight to finish and for the
   * loop to exit. Unacknowledged frames are simply read again after the stored cursor next time.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000, 'shutdown');
    else ws?.terminate();
    const hardStop = setTimeout(() => this.ws?.terminate(), 2000);
    try {
      await this.loop;
    } finally {
      clearTimeout(hardStop);
      this.loop = undefined;
      this.setState('stopped');
    }
  }

  private setState(s: ReaderState): void {
    if (this.state === s) return;
    this.state = s;
    this.opts.onStateChange?.(s);
  }

  private async run(): Promise<void> {
    let backoff: IBackoff<unknown> | undefined;
    let authBackoff: IBackoff<unknown> | undefined;
    while (!this.stopped) {
      this.setState('connecting');
      let outcome: { opened: boolean; failure: ReaderFailure; detail: string };
      try {
        const url = await this.opts.url();
        outcome = await this.session(url, await this.opts.pin?.(url));
      } catch (e) {
        outcome = { opened: false, failure: 'connect_error', detail: (e as Error).message };
      }
      if (this.stopped) break;
      this.opts.onFailure?.(outcome.failure, outcome.detail);
      let delay: number;
      if (outcome.failure === 'unauthorized') {
        backoff = undefined;
        authBackoff = authBackoff ? authBackoff.next(undefined) : this.authBackoffFactory.next();
        delay = authBackoff.duration;
        this.opts.logger.error(
          { failure: outcome.failure, detail: outcome.detail, retryInMs: Math.round(delay) },
          '8x8 event stream refused the API key; retrying later',
        );
      } else {
        authBackoff = undefined;
        if (outcome.opened) backoff = undefined; // a healthy session resets the backoff
        backoff = backoff ? backoff.next(undefined) : this.backoffFactory.next();
        delay = backoff.duration;
        this.opts.logger.warn(
          { failure: outcome.failure, detail: outcome.detail, retryInMs: Math.round(delay) },
          '8x8 event stream connection ended; reconnecting',
        );
      }
      this.setState('backoff');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** One connection: resolves when it is closed and the frame in flight (if any) has been handled. */
  private session(
    url: string,
    lookup?: LookupFunction,
  ): Promise<{ opened: boolean; failure: ReaderFailure; detail: string }> {
    return new Promise((resolve) => {
      let opened = false;
      let failure: ReaderFailure | undefined;
      let detail = '';
      let chain: Promise<void> = Promise.resolve();
      let broken = false;
      let alive = true;
      let keepalive: NodeJS.Timeout | undefined;

      const ws = new WebSocket(url, {
        headers: { 'X-API-Key': this.opts.apiKey },
        handshakeTimeout: this.opts.handshakeTimeoutMs,
        perMessageDeflate: false,
        // redirects are not followed (ws default), so the API key never reaches another host
        followRedirects: false,
        ...(lookup ? { lookup } : {}),
      });
      this.ws = ws;

      const fail = (f: ReaderFailure, d: string) => {
        if (!failure) {
          failure = f;
          detail = d;
        }
      };

      ws.on('unexpected-response', (req, res) => {
        const code = res.statusCode ?? 0;
        fail(
          code === 401 || code === 403 ? 'unauthorized' : 'connect_error',
          `handshake answered HTTP ${code}`,
        );
        res.resume();
        req.destroy();
        ws.terminate();
      });
      ws.on('error', (e) => {
        if (/handshake has timed out/i.test(e.message)) fail('handshake_timeout', e.message);
        else fail(opened ? 'dropped' : 'connect_error', e.message);
      });
      ws.on('open', () => {
        opened = true;
        this.setState('open');
        this.opts.onConnected?.();
        const every = this.opts.keepaliveMs ?? 30_000;
        keepalive = setInterval(() => {
          if (!alive) {
            fail('dropped', `no pong within ${every} ms`);
            ws.terminate();
            return;
          }
          alive = false;
          ws.ping();
        }, every);
      });
      ws.on('pong', () => {
        alive = true;
      });
      ws.on('message', (data, isBinary) => {
        alive = true;
        const raw = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
        chain = chain.then(async () => {
          if (broken || this.stopped) return;
          try {
            const ackId = await this.opts.handle(raw);
            if (ackId && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ messageId: ackId }));
          } catch (e) {
            broken = true;
            fail('handler_error', (e as Error).message);
            ws.terminate();
          }
        });
      });
      ws.on('close', (code, reason) => {
        clearInterval(keepalive);
        if (!failure) fail(opened ? 'dropped' : 'connect_error', `closed (${code} ${reason.toString()})`);
        void chain.then(() => {
          if (this.ws === ws) this.ws = undefined;
          resolve({ opened, failure: failure ?? 'dropped', detail });
        });
      });
    });
  }
}
