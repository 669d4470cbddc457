import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, type Registry } from 'prom-client';
import { problemBody, sendProblem } from './problem-response';
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
  /** `Retry-After` of a 503, seconds. */
  retryAfterSeconds: number;
  probes?: readonly PressureProbe[];
  /** Event-loop delay sampling interval, ms. Default 250. */
  sampleIntervalMs?: number;
  registry?: Registry;
}

/**
 * Admission control for intake routes (load shedding): a request is admitted only while fewer than
 * `maxInFlight` admitted requests are unanswered, the event loop's mean delay over the last sample
 * (Node's `perf_hooks.monitorEventLoopDelay`, 10 ms resolution, the signal `@fastify/under-pressure` uses)
 * is below `maxEventLoopDelayMs`, and every probe is under its max. Otherwise it answers at once — before
 * the body is read or anything is queried — with **503** `application/problem+json` and `Retry-After`.
 * A request counts as in flight from arrival until its response finishes or the connection closes.
 */
export class AdmissionControl {
  private inFlight = 0;
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

  /** Why a new request would be shed now, or null when it would be admitted. */
  pressure(): string | null {
    if (this.inFlight >= this.opts.maxInFlight) return 'in_flight';
    if (this.opts.maxEventLoopDelayMs > 0 && this.delayMs > this.opts.maxEventLoopDelayMs)
      return 'event_loop_delay';
    for (const p of this.opts.probes ?? []) if (p.value() > p.max) return p.name;
    return null;
  }

  /** Express middleware (register before the body parser). */
  middleware(): (req: Request, res: Response, next: NextFunction) => void {
    return (req, res, next) => {
      if (!this.matcher.matches(req.method, req.path)) return next();
      const reason = this.pressure();
      if (reason) {
        this.shed?.inc({ reason });
        // the unread body is discarded by Node after the response, keeping the connection reusable
        return sendProblem(
          res,
          problemBody(503, `intake is saturated (${reason}); retry after ${this.opts.retryAfterSeconds} s`, {
            extensions: { reason },
          }),
          { 'Retry-After': this.opts.retryAfterSeconds },
        );
      }
      this.inFlight += 1;
      let done = false;
      const release = () => {
        if (done) return;
        done = true;
        this.inFlight -= 1;
      };
      res.once('finish', release);
      res.once('close', release);
      next();
    };
  }

  /** Stops sampling (app shutdown). */
  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
