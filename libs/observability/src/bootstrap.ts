import { NestFactory } from '@nestjs/core';
import type { INestApplication, Type, DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { PinoNestLogger } from './logger';

/** Options for {@link bootstrapService}. */
export interface BootstrapOptions {
  /** Root module (usually `AppModule.forRoot(config)`). */
  module: Type<unknown> | DynamicModule;
  logger: Logger;
  /** TCP port; 0 picks a free one. */
  port: number;
  host: string;
  /** Called before listen (global pipes, Swagger, Socket.IO adapter …). */
  configure?: (app: INestApplication) => void | Promise<void>;
  /** Serve HTTPS (TLS 1.2+, Node defaults) with this PEM certificate chain and private key instead of HTTP. */
  httpsOptions?: { cert: string | Buffer; key: string | Buffer };
  /** Keep each request's raw body as `req.rawBody` (Buffer) beside the parsed one: signed webhooks. */
  rawBody?: boolean;
}

/**
 * Creates a NestJS HTTP application with the pino logger, shutdown hooks (SIGTERM/SIGINT → consumers
 * commit, outbox relay stops, connections close) and starts listening.
 * @returns the app and the bound port
 */
export async function bootstrapService(
  opts: BootstrapOptions,
): Promise<{ app: INestApplication; port: number }> {
  const app = await NestFactory.create(opts.module, {
    logger: new PinoNestLogger(opts.logger),
    bufferLogs: true,
    ...(opts.httpsOptions ? { httpsOptions: opts.httpsOptions } : {}),
    ...(opts.rawBody ? { rawBody: true } : {}),
  });
  app.enableShutdownHooks();
  await opts.configure?.(app);
  await app.listen(opts.port, opts.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  opts.logger.info({ port, host: opts.host, tls: !!opts.httpsOptions }, 'listening');
  return { app, port };
}
