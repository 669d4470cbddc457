import { loadConfig } from '@hub/config';
import { bootstrapService, createLogger } from '@hub/observability';
import { AppModule } from './app.module';
import { SuggestionConfigSchema } from './config';

/** Entry point: `node --require @swc-node/register apps/suggestion-service/src/main.ts`. */
async function main() {
  const config = loadConfig('suggestion-service', SuggestionConfigSchema);
  const logger = createLogger('suggestion-service', config.LOG_LEVEL);
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
