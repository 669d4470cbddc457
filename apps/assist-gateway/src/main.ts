import 'reflect-metadata';
import { runService } from '@hub/observability';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AssistGatewayConfigSchema } from './config';

runService('assist-gateway', AssistGatewayConfigSchema, (config, logger) => {
  if (!config.ASSIST_ADMIN_API_KEY && !config.ASSIST_TENANT_API_KEYS)
    logger.warn(
      'no ASSIST_ADMIN_API_KEY / ASSIST_TENANT_API_KEYS: POST /v1/embed-tokens refuses every caller',
    );
  return { module: AppModule.forRoot(config, { logger }), configure: (app) => configureApp(app, config) };
});
