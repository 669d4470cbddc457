import { z } from 'zod';
import { HttpConfigSchema, loadConfig } from '@hub/config';

/**
 * The services the console reverse-proxies: `/api/<key>/v1/…` → `<url>/v1/…`. Each URL is required
 * (fail-fast at start, {@link loadConsoleConfig}); the browser never talks to another origin.
 */
export const CONSOLE_UPSTREAMS = {
  router: 'CONSOLE_ROUTER_URL',
  orchestrator: 'CONSOLE_ORCHESTRATOR_URL',
  suggestion: 'CONSOLE_SUGGESTION_URL',
  'agent-gateway': 'CONSOLE_AGENT_GATEWAY_URL',
  ops: 'CONSOLE_OPS_URL',
} as const;
export type UpstreamKey = keyof typeof CONSOLE_UPSTREAMS;

const upstreamUrl = () => z.url({ protocol: /^https?$/ });

/** Environment of the admin-console server (docs/console.md "Configuration"). */
export const ConsoleConfigSchema = HttpConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3010),
  /** work-item-router base URL (tenants, queues, agents, API keys, business hours). */
  CONSOLE_ROUTER_URL: upstreamUrl(),
  /** handoff-orchestrator base URL (integrations, escalation config, forms, callbacks, reports). */
  CONSOLE_ORCHESTRATOR_URL: upstreamUrl(),
  /** suggestion-service base URL (knowledge bases, queue mappings). */
  CONSOLE_SUGGESTION_URL: upstreamUrl(),
  /** agent-gateway base URL (live presence). */
  CONSOLE_AGENT_GATEWAY_URL: upstreamUrl(),
  /** ops-service base URL (service health, event inspector, dead-letter redrive). */
  CONSOLE_OPS_URL: upstreamUrl(),
  /** Folder of the built web bundle (`vite build` output); default `dist/apps/admin-console/web`. */
  CONSOLE_STATIC_DIR: z.string().min(1).optional(),
  /** Upstream request timeout, ms. */
  CONSOLE_PROXY_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfigSchema>;

/**
 * Reads and validates the environment.
 * @throws ConfigError naming every missing or invalid variable (the process stops at start)
 */
export function loadConsoleConfig(env: Record<string, string | undefined> = process.env): ConsoleConfig {
  return loadConfig('admin-console', ConsoleConfigSchema, env);
}
