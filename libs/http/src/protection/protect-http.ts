import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import Redis from 'ioredis';
import type { Registry } from 'prom-client';
import type { HttpProtectionConfig } from '@hub/config';
import { isTransientError } from '@hub/messaging';
import { METRICS } from '@hub/observability';
import { AdmissionControl, type PressureProbe } from './admission';
import { bodyParserProblems } from './body-limits';
import {
  problemBody,
  ProblemResponseException,
  ProblemResponseFilter,
  type ProblemMapper,
} from './problem-response';
import { HttpRateLimiter, RateLimitInterceptor } from './rate-limit';

/** Options of {@link protectHttp}. */
export interface ProtectHttpOptions {
  /** Service name (Redis key part, so each service has its own budgets). */
  service: string;
  config: HttpProtectionConfig;
  /** The service's Redis (`REDIS_URL`, `REDIS_NAMESPACE`): where the rate-limit counters of every replica live. */
  redis: { url: string; namespace: string };
  /**
   * Routes of the `intake` class (`"POST /v1/handoffs"`): the intake rate limits apply and admission control
   * sheds them under overload. Every other route is `admin`.
   */
  intakeRoutes: readonly string[];
  /** Extra overload signals for the intake routes (e.g. PostgreSQL pool waiters). */
  probes?: readonly PressureProbe[];
  /** The app's domain errors → problems, answered by the one {@link ProblemResponseFilter}. */
  problems?: readonly ProblemMapper[];
}

/** What {@link protectHttp} installed (for tests and metrics). */
export interface HttpProtection {
  admission: AdmissionControl;
  rateLimiter: HttpRateLimiter | null;
}

/**
 * Installs the hub's abuse and overload protection on a Nest (express) app; call it from the app's
 * `configure` hook, before `listen` (docs/security/abuse.md):
 *
 * 1. admission control on the intake routes ({@link AdmissionControl}: fast 503 + `Retry-After`), attached to
 *    the HTTP server in front of express, so shedding costs no routing, authentication or body parsing,
 * 2. JSON and urlencoded body parsers capped at `HTTP_JSON_LIMIT_BYTES` (413 problem+json naming the limit;
 *    400 naming `body` for malformed JSON),
 * 3. the global rate-limit interceptor ({@link RateLimitInterceptor}, after authentication guards) over a
 *    dedicated ioredis client (`enableOfflineQueue: false`), unless `RATE_LIMIT_ENABLED=false`,
 * 4. the service's one exception filter ({@link ProblemResponseFilter}): every `ProblemResponseException`
 *    (401/403 of `@hub/auth`, 413/415/429/503 here) and the app's domain problems (`opts.problems`) as
 *    `application/problem+json`.
 *
 * Waits up to 2 s for the rate limiter's Redis connection (until then, and whenever Redis is unreachable,
 * decisions fall back to per-replica memory). The Redis client and the event-loop sampler are released when
 * the HTTP server closes.
 */
export async function protectHttp(app: INestApplication, opts: ProtectHttpOptions): Promise<HttpProtection> {
  const c = opts.config;
  let registry: Registry | undefined;
  try {
    registry = app.get<Registry>(METRICS, { strict: false });
  } catch {
    registry = undefined; // an app without ObservabilityModule: no metrics
  }
  const admission = new AdmissionControl({
    routes: opts.intakeRoutes,
    maxInFlight: c.OVERLOAD_MAX_IN_FLIGHT,
    maxEventLoopDelayMs: c.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
    maxAdmittedAgeMs: c.OVERLOAD_MAX_ADMITTED_AGE_MS,
    retryAfterSeconds: c.OVERLOAD_RETRY_AFTER_S,
    probes: opts.probes,
    registry,
  });
  // in front of express itself: a shed request never reaches routing, guards, interceptors or body parsing
  admission.attach(app.getHttpServer() as Server);
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: c.HTTP_JSON_LIMIT_BYTES });
  express.useBodyParser('urlencoded', { limit: c.HTTP_JSON_LIMIT_BYTES, extended: true });
  app.use(bodyParserProblems());
  // the one problem+json filter of the service: auth, protection and the app's own domain problems
  // an infrastructure error nobody mapped (pool timeout, connection lost, read-only, broker unavailable) is not a
  // bug of the request: 503 + Retry-After, so the caller retries instead of giving up on a 500
  const transient: ProblemMapper = (e) =>
    isTransientError(e)
      ? new ProblemResponseException(
          problemBody(503, 'a dependency of this service is unavailable; retry later', {
            extensions: { reason: 'dependency_unavailable' },
          }),
          { 'retry-after': c.OVERLOAD_RETRY_AFTER_S },
        )
      : null;
  app.useGlobalFilters(
    new ProblemResponseFilter([...(opts.problems ?? []), transient], app.getHttpAdapter()),
  );

  let rateLimiter: HttpRateLimiter | null = null;
  let redis: Redis | null = null;
  if (c.RATE_LIMIT_ENABLED) {
    redis = new Redis(opts.redis.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: `${opts.service}-rate-limit`,
    });
    redis.on('error', () => undefined); // outages are counted by http_rate_limit_store_errors_total
    const client = redis;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      client.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
    rateLimiter = new HttpRateLimiter({
      service: opts.service,
      redis,
      keyPrefix: opts.redis.namespace,
      windowSeconds: c.RATE_LIMIT_WINDOW_S,
      limits: {
        intake: {
          perCredential: c.RATE_LIMIT_INTAKE_PER_CREDENTIAL,
          perTenant: c.RATE_LIMIT_INTAKE_PER_TENANT,
        },
        admin: { perCredential: c.RATE_LIMIT_ADMIN_PER_CREDENTIAL, perTenant: c.RATE_LIMIT_ADMIN_PER_TENANT },
      },
      intakeRoutes: opts.intakeRoutes,
      registry,
    });
    app.useGlobalInterceptors(new RateLimitInterceptor(rateLimiter));
  }
  const server = app.getHttpServer() as { once(event: 'close', fn: () => void): void };
  server.once('close', () => {
    admission.close();
    redis?.disconnect();
  });
  return { admission, rateLimiter };
}
