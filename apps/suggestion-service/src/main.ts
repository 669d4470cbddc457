import { runService } from '@hub/observability';
import { AppModule } from './app.module';
import { SuggestionConfigSchema } from './config';

/** Entry point: `node --require @swc-node/register apps/suggestion-service/src/main.ts`. */
runService('suggestion-service', SuggestionConfigSchema, (config, logger) => ({
  module: AppModule.forRoot(config, { logger }),
}));
