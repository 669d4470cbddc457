import { loadConfig } from '@hub/config';
import { bootstrapService, createLogger } from '@hub/observability';
import { AppModule } from './app.module';
import { Connector8x8ConfigSchema } from './config';

/** Starts connector-8x8: validated config → Nest app (readers start on bootstrap) → HTTP (health, metrics, /v1/readers). */
async function main(): Promise<void> {
  const config = loadConfig('connector-8x8', Connector8x8ConfigSchema);
  const logger = createLogger('connector-8x8', config.LOG_LEVEL);
  await bootstrapService({
    module: AppModule.forRoot(config, { logger }),
    logger,
    port: config.PORT,
    host: config.HOST,
  });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
