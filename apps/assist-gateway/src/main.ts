import 'reflect-metadata';
import { loadConfig } from '@hub/config';
import { bootstrapService, createLogger } from '@hub/observability';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AssistGatewayConfigSchema } from './config';

async function main(): Promise<void> {
  const config = loadConfig('assist-gateway', AssistGatewayConfigSchema);
  const logger = createLogger('assist-gateway', config.LOG_LEVEL);
  if (!config.ASSIST_ADMIN_API_KEY && !config.ASSIST_TENANT_API_KEYS)
    logger.warn(
      'no ASSIST_ADMIN_API_KEY / ASSIST_TENANT_API_KEYS: POST /v1/embed-tokens refuses every caller',
    );
  await bootstrapService({
    module: AppModule.forRoot(config, { logger }),
    logger,
    port: config.PORT,
    host: config.HOST,
    configure: (app) => configureApp(app, config),
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
