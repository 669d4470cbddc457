import { z } from 'zod';
import { loadConfig } from '@hub/config';

/**
 * Where the demo (and the handoff benchmark) find the running services and infrastructure.
 * `tools/demo/services.sh` writes the same values into `var/<run>/env.sh` for the services.
 */
export const HubEnvSchema = z.object({
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092'),
  KAFKA_TOPIC_NAMESPACE: z.string().default('demo.'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  REDIS_NAMESPACE: z.string().default('demo:'),
  /** The services' runtime role (`hub_app`, bound by row-level security). */
  DATABASE_URL: z.string().default('postgresql://hub_app@127.0.0.1:5432/hub_demo'),
  /** The owner (migrations, and the benchmark's reads across its tenants). */
  DATABASE_MIGRATION_URL: z.string().default('postgresql://postgres@127.0.0.1:5432/hub_demo'),
  AGENT_JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** The run's platform-admin key (`hub_admin_…`, written by write-env.sh; the services hold its SHA-256). */
  HUB_PLATFORM_ADMIN_KEY: z
    .string()
    .regex(/^hub_admin_[A-Za-z0-9_-]{43,}$/, 'must be a hub_admin_… key (tools/demo/write-env.sh)'),
  ORCHESTRATOR_URL: z.url().default('http://127.0.0.1:3101'),
  ROUTER_URL: z.url().default('http://127.0.0.1:3102'),
  GATEWAY_URL: z.url().default('http://127.0.0.1:3103'),
});
export type HubEnv = z.infer<typeof HubEnvSchema>;

/** @throws ConfigError naming the offending variable */
export function loadHubEnv(): HubEnv {
  return loadConfig('demo', HubEnvSchema);
}
