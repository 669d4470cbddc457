import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { protectHttp } from '@hub/http';
import { bootstrapService, createLogger } from '@hub/observability';
import { PG_POOL } from '@hub/persistence';
import { AppModule, SERVICE_NAME } from './app.module';
import type { HandoffOrchestratorConfig } from './config';
import { setupOpenApi } from './http/openapi';
import { orchestratorProblem } from './http/problem.mapper';

/**
 * Starts the service (HTTP on `PORT`, Kafka consumers, outbox relay, timers, callbacks).
 * Used by main.ts and by tests that run the service in-process.
 * @returns the Nest app and the bound port (PORT=0 picks a free one)
 */
export async function startHandoffOrchestrator(
  config: HandoffOrchestratorConfig,
  logger: Logger = createLogger(SERVICE_NAME, config.LOG_LEVEL),
): Promise<{ app: INestApplication; port: number }> {
  return bootstrapService({
    module: AppModule.forRoot(config, { logger }),
    logger,
    port: config.PORT,
    host: config.HOST,
    // Signed contact-center webhooks (POST /v1/ccaas/webhooks/:integrationId) verify the raw body.
    rawBody: true,
    configure: async (app) => {
      const pool = app.get<Pool>(PG_POOL, { strict: false });
      await protectHttp(app, {
        service: SERVICE_NAME,
        config,
        redis: { url: config.REDIS_URL, namespace: config.REDIS_NAMESPACE },
        intakeRoutes: ['POST /v1/handoffs'],
        problems: [orchestratorProblem],
        probes: [
          {
            name: 'db_pool_waiting',
            value: () => pool.waitingCount,
            max: config.OVERLOAD_MAX_DB_POOL_WAITING,
          },
        ],
      });
      if (config.OPENAPI_ENABLED) setupOpenApi(app);
    },
  });
}
