import { protectHttp } from '@hub/http';
import { runService } from '@hub/observability';
import { AppModule } from './app.module';
import { SUGGESTION_INTAKE_ROUTE, SuggestionConfigSchema } from './config';
import { setupSuggestionOpenApi } from './openapi';

/** Entry point: `node --require @swc-node/register apps/suggestion-service/src/main.ts` (OpenAPI at `/docs`). */
runService('suggestion-service', SuggestionConfigSchema, (config, logger) => ({
  module: AppModule.forRoot(config, { logger }),
  configure: async (app) => {
    await protectHttp(app, {
      service: 'suggestion-service',
      config,
      redis: { url: config.REDIS_URL, namespace: config.REDIS_NAMESPACE },
      intakeRoutes: [SUGGESTION_INTAKE_ROUTE],
    });
    setupSuggestionOpenApi(app);
  },
}));
