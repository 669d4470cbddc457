import { loadConfig } from '@hub/config';
import { bootstrapService, createLogger } from '@hub/observability';
import { AppModule } from './app.module';
import { AudioHookConfigSchema } from './config';

/** Starts connector-audiohook: validated config → Nest app → HTTP (health, metrics) + AudioHook WebSocket endpoint. */
async function main(): Promise<void> {
  const config = loadConfig('connector-audiohook', AudioHookConfigSchema);
  const logger = createLogger('connector-audiohook', config.LOG_LEVEL);
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
