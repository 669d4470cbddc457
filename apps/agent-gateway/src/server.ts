import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { protectHttp } from '@hub/http';
import { bootstrapService } from '@hub/observability';
import { AppModule } from './app.module';
import type { GatewayConfig } from './config';
import { setupGatewayOpenApi } from './openapi';
import { gatewayDomainProblem } from './common/domain-errors.problem';

/** Folder of the Agent Desktop page (plain HTML + ES modules, no build step). */
export const DESKTOP_DIR = join(__dirname, 'desktop', 'public');

/**
 * Security headers of the Agent Desktop (helmet): a strict Content-Security-Policy — scripts, styles,
 * fonts and fetch/WebSocket connections from this origin only (plus ASSIST_GATEWAY_URL's origin, http(s) and
 * ws(s), for the Agent Assist panel), no inline code (the page has none), no
 * plugins, `base-uri 'none'` — with `frame-ancestors` from DESKTOP_FRAME_ANCESTORS (X-Frame-Options DENY
 * when that is `'none'`), `Referrer-Policy: no-referrer`, `nosniff`, HSTS and the other helmet defaults.
 */
export function desktopSecurityHeaders(
  config: Pick<GatewayConfig, 'DESKTOP_FRAME_ANCESTORS'> & Partial<Pick<GatewayConfig, 'ASSIST_GATEWAY_URL'>>,
) {
  const ancestors = config.DESKTOP_FRAME_ANCESTORS;
  // the Agent Assist panel's Socket.IO connection to assist-gateway (WebSocket transport)
  const assist = config.ASSIST_GATEWAY_URL ? new URL(config.ASSIST_GATEWAY_URL) : null;
  const assistSources = assist
    ? [assist.origin, `${assist.protocol === 'https:' ? 'wss' : 'ws'}://${assist.host}`]
    : [];
  const framable = !(ancestors.length === 1 && ancestors[0] === "'none'");
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", ...assistSources],
        manifestSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ancestors,
      },
    },
    xFrameOptions: framable ? false : { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

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
        problems: [gatewayDomainProblem],
      });
      app.useWebSocketAdapter(new IoAdapter(app));
      app.use(
        '/desktop',
        desktopSecurityHeaders(config),
        express.static(DESKTOP_DIR, { index: 'index.html', maxAge: 0 }),
      );
      setupGatewayOpenApi(app);
    },
  });
}
