import type { INestApplication } from '@nestjs/common';
import { protectHttp, setupOpenApi } from '@hub/http';
import { bootstrapService, createLogger } from '@hub/observability';
import { AppModule, SERVICE_NAME } from './app.module';
import type { RouterConfig } from './config';
import { permanentErrorProblem } from './http/permanent-error.problem';

/**
 * Starts the router: HTTP (admin API, /docs, /healthz, /readyz, /metrics), the command consumer,
 * the offer-expiry scheduler and the outbox relay.
 * @returns the Nest app and its bound port (PORT=0 picks a free one)
 */
export async function startRouter(config: RouterConfig): Promise<{ app: INestApplication; port: number }> {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  return bootstrapService({
    module: AppModule.forRoot(config, logger),
    logger,
    port: config.PORT,
    host: config.HOST,
    configure: async (app) => {
      await protectHttp(app, {
        service: SERVICE_NAME,
        config,
        redis: { url: config.REDIS_URL, namespace: config.REDIS_NAMESPACE },
        intakeRoutes: [],
        problems: [permanentErrorProblem],
      });
      if (config.OPENAPI_ENABLED)
        setupOpenApi(app, {
          title: 'Engagement Hub — work-item router',
          description:
            'Tenants, queues, agents (presence, capacity, auto-accept) and work items of a tenant (from the credential), and the tenant’s API keys.',
        });
    },
  });
}
