import type { INestApplication } from '@nestjs/common';
import type { AssistGatewayConfig } from './config';
import { RedisIoAdapter } from './stream/redis-io.adapter';

/** Applies the app-wide setup shared by main.ts and the tests (Socket.IO with the Redis adapter). */
export function configureApp(app: INestApplication, config: AssistGatewayConfig): void {
  app.useWebSocketAdapter(new RedisIoAdapter(app, config.REDIS_URL, config.REDIS_NAMESPACE));
}
