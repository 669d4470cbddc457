import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, type Registry } from 'prom-client';
import { problemBody } from './problem-response';
import { RouteMatcher } from './route-class';

/** A pressure signal besides in-flight requests and event-loop delay (e.g. PostgreSQL pool waiters). */
export interface PressureProbe {
  /** Metric label and the reason named in the 503, e.g. `db_pool_waiting`. */
  name: string;
  /** Current value (cheap, synchronous). */
  value: () => number;
  /** Shed when `value()` exceeds this. */
  max: number;
}

/** Options of {@link AdmissionControl}. */
export interface AdmissionOptions {
  /** Routes admission applies to (`"POST /v1/handoffs"`); other routes are never shed. */
  routes: readonly string[];
  /** Requests of those routes in flight in this process above which new ones get 503. */
  maxInFlight: number;
  /** Mean event-loop delay, ms, above which new ones get 503; 0 = not checked. */
  maxEventLoopDelayMs: number;
  /**
   * Age, ms, of the oldest admitted request still unanswered above which new ones get 503; 0 = not checked.
   * Bounds the latency of admitted requests: when the process (or what it waits on) answers fewer requests per
   * second than arrive, the admitted ones age, and shedding starts before `maxInFlight` is reached.
   */
  maxAdmittedAgeMs?: number;
  /** `Retry-After` of a 503, seconds. */
  retryAfterSeconds: number;
  probes?: readonly PressureProbe[];
  /** Event-loop delay sampling interval, ms. Default 250. */
  sampleIntervalMs?: number;
  registry?: Registry;
}

/**
 * Admission control for intake routes (load shedding): a request is admitted only while fewer than
 * `maxInFlight` admitted requests are unanswered, the oldest of them is younger than `maxAdmittedAgeMs` (the
 * queueing-delay signal of CoDel-style shedders: admitted work is not keeping up), the event loop's mean delay over the last sample
 * (Node's `perf_hooks.monitorEventLoopDelay`, 10 ms resolution, the signal `@fastify/under-pressure` uses)
 * is below `maxEventLoopDelayMs`, and every probe is under its max. Otherwise it answers at once — before
 * the body is read or anything is queried — with **503** `application/problem+json` and `Retry-After`.
 * A request counts as in flight from arrival until its response finishes or the connection closes.
 */
export class AdmissionControl {
  private inFlight = 0;
  /** Admission time (performance.now(), ms) of every unanswered admitted request, oldest first (Map order). */
  private readonly admittedAt = new Map<number, number>();
  private admittedSeq = 0;
  private delayMs = 0;
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private readonly matcher: RouteMatcher;
  private readonly shed?: Counter<'reason'>;

  constructor(private readonly opts: AdmissionOptions) {
    this.matcher = new RouteMatcher(opts.routes);
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => {
      // the histogram's mean includes the sampling resolution itself
      this.delayMs = Math.max(0, this.histogram.mean / 1e6 - 10);
      this.histogram.reset();
    }, opts.sampleIntervalMs ?? 250);
    this.timer.unref();
    if (opts.registry) {
      this.shed = new Counter({
        name: 'http_requests_shed_total',
        help: 'Intake requests answered 503 by admission control, by reason',
        labelNames: ['reason'],
        registers: [opts.registry],
      });
      const inFlight = () => this.inFlight;
      const delay = () => this.delayMs;
      new Gauge({
        name: 'http_intake_in_flight',
        help: 'Intake requests admitted and not yet answered',
        registers: [opts.registry],
        collect() {
          this.set(inFlight());
        },
      });
      new Gauge({
        name: 'http_event_loop_delay_ms',
        help: 'Mean event-loop delay over the last admission sample, ms',
        registers: [opts.registry],
        collect() {
          this.set(delay());
        },
      });
    }
  }

  /** Requests admitted and not yet answered. */
  get admittedInFlight(): number {
    return this.inFlight;
  }

  /** How long, ms, the oldest admitted request still unanswered has been in flight (0 when none is). */
  oldestAdmittedAgeMs(): number {
    for (const at of this.admittedAt.values()) return performance.now() - at;
    return 0;
  }

  /** Why a new request would be shed now, or null when it would be admitted. */
  pressure(): string | null {
    if (this.inFlight >= this.opts.maxInFlight) return 'in_flight';
    if (this.opts.maxEventLoopDelayMs > 0 && this.delayMs > this.opts.maxEventLoopDelayMs)
      return 'event_loop_delay';
    const maxAge = this.opts.maxAdmittedAgeMs ?? 0;
    if (maxAge > 0 && this.oldestAdmittedAgeMs() > maxAge) return 'admitted_age';
    for (const p of this.opts.probes ?? []) if (p.value() > p.max) return p.name;
    return null;
  }

  /**
   * Puts admission in front of the HTTP server's own request handler (the express app): a shed request is
   * answered from a pre-serialised 503 on Node's raw `ServerResponse`, before express routing, Nest,
   * authentication, rate limiting or body parsing run — about the cheapest answer Node can give, so the 503s
   * stay quick while the process is busy with the admitted work. Works for `http` and `https` servers.
   * Call once, before `listen`, after the framework has attached its handler (Nest: in `configure`).
   * @throws Error when the server has no `request` listener yet
   */
  attach(server: Server): void {
    const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    if (!handlers.length) throw new Error('AdmissionControl.attach: the server has no request handler yet');
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.admit(req, res)) for (const h of handlers) h.call(server, req, res);
    });
  }

  /**
   * Decides one raw request: returns true when it may proceed (counted in flight until its response
   * finishes or the connection closes), false after answering it 503 (nothing else may touch it then).
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if (!this.matcher.matches(req.method ?? 'GET', q < 0 ? url : url.slice(0, q))) return true;
    const reason = this.pressure();
    if (reason) {
      this.shed?.inc({ reason });
      // Node reads and discards the unread body once the response is sent, so the connection stays reusable
      const body = this.shedBody(reason);
      res.writeHead(503, {
        'content-type': 'application/problem+json; charset=utf-8',
        'content-length': body.length,
        'retry-after': String(this.opts.retryAfterSeconds),
        'cache-control': 'no-store',
      });
      res.end(body);
      return false;
    }
    this.track(res);
    return true;
  }

  private readonly shedBodies = new Map<string, Buffer>();

  private shedBody(reason: string): Buffer {
    let b = this.shedBodies.get(reason);
    if (!b) {
      b = Buffer.from(
        JSON.stringify(
          problemBody(503, `intake is saturated (${reason}); retry after ${this.opts.retryAfterSeconds} s`, {
            extensions: { reason },
          }),
        ),
      );
      this.shedBodies.set(reason, b);
    }
    return b;
  }

  private track(res: ServerResponse): void {
    this.inFlight += 1;
    const id = this.admittedSeq++;
    this.admittedAt.set(id, performance.now());
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.inFlight -= 1;
      this.admittedAt.delete(id);
    };
    res.once('finish', release);
    res.once('close', release);
  }

  /** Express middleware (register before the body parser); prefer {@link attach}, which sheds earlier. */
  middleware(): (req: Request, res: Response, next: NextFunction) => void {
    return (req, res, next) => {
      if (this.admit(req, res)) next();
    };
  }

  /** Stops sampling (app shutdown). */
  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
