import { runService } from '@hub/observability';
import { AppModule } from './app.module';
import { SuggestionConfigSchema } from './config';
import { configureSuggestionHttp } from './http-setup';

/** Entry point: `node --require @swc-node/register apps/suggestion-service/src/main.ts` (OpenAPI at `/docs`). */
runService('suggestion-service', SuggestionConfigSchema, (config, logger) => ({
  module: AppModule.forRoot(config, { logger }),
  configure: (app) => configureSuggestionHttp(app, config),
}));
