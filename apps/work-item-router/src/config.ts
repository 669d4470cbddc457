import { AuthConfigSchema } from '@hub/auth';
import { z } from 'zod';
import {
  DatabaseConfigSchema,
  HttpConfigSchema,
  HttpProtectionConfigSchema,
  KafkaConfigSchema,
  RedisConfigSchema,
  bool,
  loadConfig,
} from '@hub/config';

/**
 * Environment of the work-item router (validated once in main.ts; a bad value stops the service at
 * start with a message naming the variable).
 */
export const RouterConfigSchema = z.object({
  ...HttpConfigSchema.shape,
  ...HttpProtectionConfigSchema.shape,
  ...AuthConfigSchema.shape,
  PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  ...DatabaseConfigSchema.shape,
  ...KafkaConfigSchema.shape,
  ...RedisConfigSchema.shape,
  /** Longest pause between two scans for due offers, ms (a precise timer handles offers made here). */
  ROUTER_EXPIRY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  /**
   * Offers an agent may let expire in a row before the router sets it `away` ("not responding"); an
   * accept, a decline or any presence change ends the run. 0 = never.
   */
  ROUTER_MISSED_OFFERS_BEFORE_AWAY: z.coerce.number().int().min(0).max(1000).default(2),
  /**
   * Targeted routing (`routing.agent_id`): how long only the preferred agent is offered a work item before it
   * falls back to the whole queue, ms, when the request gives no `routing.agent_wait_ms`.
   */
  ROUTER_TARGET_AGENT_WAIT_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
  /** Interactive transaction timeout, ms (lock waits under a burst included). */
  ROUTER_TX_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(20_000),
  /** Serve the OpenAPI document at /docs (UI) and /docs-json. */
  OPENAPI_ENABLED: bool().default(true),
  /**
   * TEST HOOK (crash-safety tests only; inert unless set): `offer` makes the process SIGKILL itself
   * right after committing a transaction that created an offer, before the outbox relay publishes it.
   */
  ROUTER_CRASH_AFTER_COMMIT: z.enum(['offer']).optional(),
});
export type RouterConfig = z.infer<typeof RouterConfigSchema>;

/**
 * Loads and validates the router's config.
 * @throws ConfigError naming each offending variable
 */
export function loadRouterConfig(env: Record<string, string | undefined> = process.env): RouterConfig {
  return loadConfig('work-item-router', RouterConfigSchema, env);
}
