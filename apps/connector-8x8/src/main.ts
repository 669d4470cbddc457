import { protectHttp } from '@hub/http';
import { runService } from '@hub/observability';
import { AppModule } from './app.module';
import { Connector8x8ConfigSchema } from './config';

/** Starts connector-8x8: validated config → Nest app (readers start on bootstrap) → HTTP (health, metrics, /v1/readers). */
runService('connector-8x8', Connector8x8ConfigSchema, (config, logger) => ({
  module: AppModule.forRoot(config, { logger }),
  configure: async (app) => {
    await protectHttp(app, {
      service: 'connector-8x8',
      config,
      redis: { url: config.REDIS_URL, namespace: config.REDIS_NAMESPACE },
      intakeRoutes: [],
    });
  },
}));
