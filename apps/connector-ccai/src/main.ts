import { readFileSync } from 'node:fs';
import { loadConfig } from '@hub/config';
import { bootstrapService, createLogger } from '@hub/observability';
import { AppModule } from './app.module';
import { ConnectorCcaiConfigSchema } from './config';
import { configureHttp } from './http-setup';

/**
 * Starts connector-ccai. With CCAI_TLS_CERT_FILE/CCAI_TLS_KEY_FILE it serves HTTPS itself (Pub/Sub
 * push endpoints must be HTTPS); otherwise plain HTTP behind a TLS-terminating proxy / ingress.
 */
async function main(): Promise<void> {
  const config = loadConfig('connector-ccai', ConnectorCcaiConfigSchema);
  const logger = createLogger('connector-ccai', config.LOG_LEVEL);
  const tls =
    config.CCAI_TLS_CERT_FILE && config.CCAI_TLS_KEY_FILE
      ? { cert: readFileSync(config.CCAI_TLS_CERT_FILE), key: readFileSync(config.CCAI_TLS_KEY_FILE) }
      : undefined;
  await bootstrapService({
    module: AppModule.forRoot(config, { logger }),
    logger,
    port: config.PORT,
    host: config.HOST,
    configure: (app) => configureHttp(app, config),
    httpsOptions: tls,
  });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
