import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import express from 'express';
import type { Logger } from 'pino';
import { protectHttp } from '@hub/http';
import { bootstrapService } from '@hub/observability';
import { AppModule } from './app.module';
import type { GatewayConfig } from './config';
import { setupGatewayOpenApi } from './openapi';

/** Folder of the Agent Desktop page (plain HTML + ES modules, no build step). */
export const DESKTOP_DIR = join(__dirname, 'desktop', 'public');

/**
 * Starts the gateway: HTTP (REST, `/desktop/`, health, OpenAPI at `/docs` and `/docs-json`) and
 * Socket.IO (`/agents`) on one port.
 * @returns the app and the bound port (PORT=0 picks a free one)
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger,
): Promise<{ app: INestApplication; port: number }> {
  return bootstrapService({
    module: AppModule.forRoot(config, { logger }),
    logger,
    port: config.PORT,
    host: config.HOST,
    configure: async (app) => {
      await protectHttp(app, {
        service: 'agent-gateway',
        config,
        redis: { url: config.REDIS_URL, namespace: config.REDIS_NAMESPACE },
        intakeRoutes: [],
      });
      app.useWebSocketAdapter(new IoAdapter(app));
      app.use('/desktop', express.static(DESKTOP_DIR, { index: 'index.html', maxAge: 0 }));
      setupGatewayOpenApi(app);
    },
  });
}
