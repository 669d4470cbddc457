import { startService, type RunningService, type TestWorld } from '@hub/testing';

/** A service of this repo running as a child process in a test world (see startService in @hub/testing). */
export type ServiceProcess = RunningService;

/** Spawns `apps/<app>` with the world's env and waits until it serves (its consumers have joined by then). */
export function spawnService(
  app: 'work-item-router' | 'handoff-orchestrator',
  world: TestWorld,
  extra: Record<string, string> = {},
): Promise<ServiceProcess> {
  // the crash-safety spec makes no escalation decision: the orchestrator's models load on demand
  return startService(app, { ...world.env, LOG_LEVEL: 'info', ESCALATION_PRELOAD_MODELS: 'false', ...extra });
}

/** The work-item router as a child process (fast offer-expiry scans). */
export function spawnRouter(world: TestWorld, extra: Record<string, string> = {}): Promise<ServiceProcess> {
  return spawnService('work-item-router', world, { ROUTER_EXPIRY_POLL_MS: '100', ...extra });
}
