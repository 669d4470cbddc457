import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type Redis from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterOptions,
} from 'rate-limiter-flexible';
import type { Observable } from 'rxjs';
import { problemBody, ProblemResponseException } from './problem-response';
import { callerOf, isOperationalPath, RouteMatcher, type RouteClass } from './route-class';

/** Points per window for one route class. */
export interface ClassLimits {
  perCredential: number;
  perTenant: number;
}

/** Options of {@link HttpRateLimiter}. */
export interface HttpRateLimiterOptions {
  /** Service name: part of every Redis key, so each service has its own budget. */
  service: string;
  /** Shared store. Use a client with `enableOfflineQueue: false` so a Redis outage fails fast. */
  redis: Redis;
  /** Prefix of Redis keys (the service's `REDIS_NAMESPACE`). */
  keyPrefix: string;
  /** Window, seconds. */
  windowSeconds: number;
  limits: Record<RouteClass, ClassLimits>;
  /** Routes of the `intake` class (`"POST /v1/handoffs"`); every other route is `admin`. */
  intakeRoutes: readonly string[];
  /** Prometheus registry for `http_rate_limited_total` and `http_rate_limit_store_errors_total`. */
  registry?: Registry;
}

/** The outcome of one {@link HttpRateLimiter.check}: RateLimit header values and whether it was refused. */
export interface RateLimitDecision {
  allowed: boolean;
  /** The most restrictive limit that applied (its points per window). */
  limit: number;
  remaining: number;
  /** Seconds until that limit's window resets. */
  resetSeconds: number;
  /** Which limit refused the request (`credential` or `tenant`), when refused. */
  scope?: 'credential' | 'tenant';
}

/** In-memory limiter that counts each use (it only answers while Redis is unreachable). */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    opts: IRateLimiterOptions,
    private readonly onUse: () => void,
  ) {
    super(opts);
  }
  override consume(key: string | number, points?: number, options?: { [key: string]: unknown }) {
    this.onUse();
    return super.consume(key, points, options);
  }
}

/**
 * Per-credential and per-tenant fixed-window rate limits shared by every replica through Redis
 * (`rate-limiter-flexible` `RateLimiterRedis`; one Lua call per limit per request).
 *
 * Redis down → each replica falls back to an in-memory limiter with the same limits (the library's
 * `insuranceLimiter`): limiting keeps working per replica (the effective limit is then ×replicas), and
 * `http_rate_limit_store_errors_total` counts every request decided that way. Documented in
 * docs/security/abuse.md.
 */
export class HttpRateLimiter {
  private readonly limiters: Record<RouteClass, { credential: RateLimiterRedis; tenant: RateLimiterRedis }>;
  private readonly intake: RouteMatcher;
  private readonly limited?: Counter<'class' | 'scope'>;

  constructor(private readonly opts: HttpRateLimiterOptions) {
    this.intake = new RouteMatcher(opts.intakeRoutes);
    const storeErrors = opts.registry
      ? new Counter({
          name: 'http_rate_limit_store_errors_total',
          help: 'Rate-limit decisions taken by the in-memory fallback because Redis was unreachable',
          registers: [opts.registry],
        })
      : undefined;
    this.limited = opts.registry
      ? new Counter({
          name: 'http_rate_limited_total',
          help: 'Requests refused with 429 by the rate limiter',
          labelNames: ['class', 'scope'],
          registers: [opts.registry],
        })
      : undefined;
    const make = (cls: RouteClass, scope: 'credential' | 'tenant', points: number) => {
      const base = { points, duration: opts.windowSeconds };
      return new RateLimiterRedis({
        ...base,
        storeClient: opts.redis,
        keyPrefix: `${opts.keyPrefix}rl:${opts.service}:${cls}:${scope}`,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new InsuranceLimiter(base, () => storeErrors?.inc()),
      });
    };
    this.limiters = {
      intake: {
        credential: make('intake', 'credential', opts.limits.intake.perCredential),
        tenant: make('intake', 'tenant', opts.limits.intake.perTenant),
      },
      admin: {
        credential: make('admin', 'credential', opts.limits.admin.perCredential),
        tenant: make('admin', 'tenant', opts.limits.admin.perTenant),
      },
    };
  }

  /** The route class of a request (`intake` when it matches an intake route, else `admin`). */
  classOf(method: string, path: string): RouteClass {
    return this.intake.matches(method, path) ? 'intake' : 'admin';
  }

  /**
   * Consumes one point of the caller's credential limit and (when the tenant is known) of its tenant's
   * limit for the request's route class.
   */
  async check(req: Request): Promise<RateLimitDecision> {
    const cls = this.classOf(req.method, req.path);
    const caller = callerOf(req);
    const l = this.limiters[cls];
    const results: { scope: 'credential' | 'tenant'; limit: number; res: RateLimiterRes; ok: boolean }[] = [];
    const run = async (scope: 'credential' | 'tenant', limiter: RateLimiterRedis, key: string) => {
      try {
        results.push({ scope, limit: limiter.points, res: await limiter.consume(key), ok: true });
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        results.push({ scope, limit: limiter.points, res: e, ok: false });
      }
    };
    await Promise.all([
      run('credential', l.credential, caller.credentialKey),
      caller.tenantId ? run('tenant', l.tenant, caller.tenantId) : Promise.resolve(),
    ]);
    const refused = results.find((r) => !r.ok);
    const tightest =
      refused ?? results.reduce((a, b) => (b.res.remainingPoints < a.res.remainingPoints ? b : a));
    if (refused) this.limited?.inc({ class: cls, scope: refused.scope });
    return {
      allowed: !refused,
      limit: tightest.limit,
      remaining: Math.max(0, tightest.res.remainingPoints),
      resetSeconds: Math.max(1, Math.ceil(tightest.res.msBeforeNext / 1000)),
      ...(refused ? { scope: refused.scope } : {}),
    };
  }

  /** Header values of a decision (IETF draft-ietf-httpapi-ratelimit-headers-07 `RateLimit-*` fields). */
  headersOf(d: RateLimitDecision): Record<string, string | number> {
    return {
      'RateLimit-Limit': d.limit,
      'RateLimit-Remaining': d.remaining,
      'RateLimit-Reset': d.resetSeconds,
      'RateLimit-Policy': `${d.limit};w=${this.opts.windowSeconds}`,
    };
  }
}

/**
 * Global interceptor applying {@link HttpRateLimiter} to every HTTP route except probes, metrics and docs.
 * Interceptors run after guards, so `req.principal` set by the authentication guard is seen.
 * Allowed → `RateLimit-*` headers on the response; refused → 429 `application/problem+json` with
 * `Retry-After` (seconds, RFC 9110 §10.2.3) and the `RateLimit-*` headers.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(private readonly limiter: HttpRateLimiter) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<Request>();
    if (isOperationalPath(req.path)) return next.handle();
    const d = await this.limiter.check(req);
    const headers = this.limiter.headersOf(d);
    if (!d.allowed) {
      throw new ProblemResponseException(
        problemBody(
          429,
          `rate limit of ${d.limit} requests per ${headers['RateLimit-Policy'].toString().split('w=')[1]} s per ${d.scope} exceeded; retry after ${d.resetSeconds} s`,
          { extensions: { limit: d.limit, scope: d.scope } },
        ),
        { ...headers, 'Retry-After': d.resetSeconds },
      );
    }
    const res = ctx.switchToHttp().getResponse<Response>();
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, String(v));
    return next.handle();
  }
}
