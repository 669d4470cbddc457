import type { INestApplication } from '@nestjs/common';
import { raw } from 'express';
import type { ConnectorCcaiConfig } from './config';

/**
 * HTTP set-up shared by main.ts and tests: the push path gets the body as raw bytes (unwrapped pushes
 * carry arbitrary data with any content type; wrapped ones are parsed by the use case), registered
 * before Nest's own JSON parser.
 */
export function configureHttp(app: INestApplication, config: ConnectorCcaiConfig): void {
  app.use('/v1/pubsub/push', raw({ type: () => true, limit: config.CCAI_MAX_BODY_BYTES }));
}
