import { runService } from '@hub/observability';
import { AppModule } from './app.module';
import { OpsConfigSchema } from './config';
import { configureOpsHttp } from './http-setup';

/** Entry point: `node --require @swc-node/register apps/ops-service/src/main.ts` (OpenAPI at `/docs`). */
runService('ops-service', OpsConfigSchema, (config, logger) => ({
  module: AppModule.forRoot(config, { logger }),
  configure: (app) => configureOpsHttp(app, config),
}));
