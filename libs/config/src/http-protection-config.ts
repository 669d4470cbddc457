import { z } from 'zod';
import { bool } from './load-config';

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

/**
 * Abuse and overload protection of a service's REST API (see docs/security/abuse.md), shared by every
 * service's config schema; `@hub/http` `protectHttp()` applies it.
 *
 * - Body caps: `HTTP_JSON_LIMIT_BYTES` for JSON and urlencoded bodies (413 problem+json naming the limit).
 * - Rate limits (Redis-backed, shared by every replica of the service): points per `RATE_LIMIT_WINDOW_S`
 *   seconds per credential and per tenant, separately for the *intake* route class (bot flows' hot path,
 *   e.g. `POST /v1/handoffs`) and the *admin* class (everything else under the REST API).
 * - Admission control of intake routes (per replica): at most `OVERLOAD_MAX_IN_FLIGHT` requests in
 *   flight, none of them older than `OVERLOAD_MAX_ADMITTED_AGE_MS`, event-loop delay below `OVERLOAD_MAX_EVENT_LOOP_DELAY_MS`; otherwise 503 + `Retry-After`.
 */
export const HttpProtectionConfigSchema = z.object({
  /** Largest JSON / urlencoded request body, bytes (express `limit`). */
  HTTP_JSON_LIMIT_BYTES: positiveInt(64 * 1024 * 1024).default(256 * 1024),
  /** Rate limiting on/off (off only for local experiments; the limits below are the production knobs). */
  RATE_LIMIT_ENABLED: bool().default(true),
  /** Window of every rate limit, seconds (fixed window per key, as rate-limiter-flexible counts). */
  RATE_LIMIT_WINDOW_S: positiveInt(3600).default(60),
  /** Intake requests per window per credential (API key / OAuth client; the client IP before authentication). */
  RATE_LIMIT_INTAKE_PER_CREDENTIAL: positiveInt(100_000_000).default(60_000),
  /** Intake requests per window per tenant (all its credentials together). */
  RATE_LIMIT_INTAKE_PER_TENANT: positiveInt(100_000_000).default(120_000),
  /** Admin requests per window per credential. */
  RATE_LIMIT_ADMIN_PER_CREDENTIAL: positiveInt(100_000_000).default(1_200),
  /** Admin requests per window per tenant. */
  RATE_LIMIT_ADMIN_PER_TENANT: positiveInt(100_000_000).default(3_000),
  /** Intake requests in flight per replica above which new ones are shed with 503. */
  OVERLOAD_MAX_IN_FLIGHT: positiveInt(100_000).default(64),
  /**
   * Mean event-loop delay (ms, sampled every 250 ms) above which intake requests are shed with 503; 0 = off
   * (default: on a CPU-starved host the delay trips long before intake is saturated — enable it per deployment).
   */
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /**
   * Age (ms) of the oldest admitted intake request still unanswered above which new ones are shed with 503; 0 =
   * off. Bounds admitted latency: admission stops while admitted work ages, before `OVERLOAD_MAX_IN_FLIGHT`.
   */
  OVERLOAD_MAX_ADMITTED_AGE_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  /** Clients waiting for a PostgreSQL pool connection above which intake requests are shed (where the service reports its pool). */
  OVERLOAD_MAX_DB_POOL_WAITING: positiveInt(100_000).default(32),
  /** `Retry-After` of a shed (503) request, seconds. */
  OVERLOAD_RETRY_AFTER_S: positiveInt(3600).default(1),
});

export type HttpProtectionConfig = z.infer<typeof HttpProtectionConfigSchema>;

/**
 * One CSP `frame-ancestors` source: `'self'`, `'none'`, an `https:` origin (a `*.` host wildcard allowed),
 * or a loopback `http:` origin (development and tests).
 */
const FRAME_ANCESTOR =
  /^('self'|'none'|https:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?)$/i;

/**
 * A CSP `frame-ancestors` source list (CSP Level 3 §7.3) from a space- or comma-separated variable:
 * `'self'`, `'none'` (alone) or https origins such as `https://apps.mypurecloud.com https://*.my.salesforce.com`.
 * Anything else (http origins, paths, schemes like `data:`) fails start-up naming the entry.
 */
export const frameAncestors = () =>
  z
    .string()
    .transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .pipe(
      z
        .array(
          z
            .string()
            .regex(
              FRAME_ANCESTOR,
              "each entry must be 'self', 'none', an https:// origin or a loopback http:// origin",
            ),
        )
        .min(1)
        .refine(
          (l) => !l.includes("'none'") || l.length === 1,
          "'none' cannot be combined with other sources",
        ),
    );
