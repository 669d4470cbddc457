import { readFileSync } from 'node:fs';
import { runService } from '@hub/observability';
import { AppModule } from './app.module';
import { ConnectorCcaiConfigSchema } from './config';
import { configureHttp } from './http-setup';

/**
 * Starts connector-ccai. With CCAI_TLS_CERT_FILE/CCAI_TLS_KEY_FILE it serves HTTPS itself (Pub/Sub
 * push endpoints must be HTTPS); otherwise plain HTTP behind a TLS-terminating proxy / ingress.
 */
runService('connector-ccai', ConnectorCcaiConfigSchema, (config, logger) => ({
  module: AppModule.forRoot(config, { logger }),
  configure: (app) => configureHttp(app, config),
  httpsOptions:
    config.CCAI_TLS_CERT_FILE && config.CCAI_TLS_KEY_FILE
      ? { cert: readFileSync(config.CCAI_TLS_CERT_FILE), key: readFileSync(config.CCAI_TLS_KEY_FILE) }
      : undefined,
}));
