import { runService } from '@hub/observability';
import { AppModule } from './app.module';
import { AudioHookConfigSchema } from './config';

/** Starts connector-audiohook: validated config → Nest app → HTTP (health, metrics) + AudioHook WebSocket endpoint. */
runService('connector-audiohook', AudioHookConfigSchema, (config, logger) => ({
  module: AppModule.forRoot(config, { logger }),
}));
