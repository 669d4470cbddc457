import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { CONSOLE_UPSTREAMS, type ConsoleConfig, type UpstreamKey } from './config';

/** Default location of the built web bundle (`nx run admin-console:build` → `vite build`). */
export const DEFAULT_STATIC_DIR = resolve(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'dist',
  'apps',
  'admin-console',
  'web',
);

/** Request headers forwarded to a service; everything else (cookies, …) is dropped. */
const FORWARDED_HEADERS = new Set([
  'authorization',
  'x-tenant-id',
  'content-type',
  'content-length',
  'accept',
  'idempotency-key',
  'if-match',
  // the suggestion service's client-chosen id of a document upload, to poll its progress
  'upload-id',
]);

/**
 * The console's HTTP app: the single-page bundle under `/` and a reverse proxy `/api/<service>/v1/…` →
 * `<service URL>/v1/…` for the services in {@link CONSOLE_UPSTREAMS} — one origin, so the page's CSP is
 * `connect-src 'self'` and no service needs CORS. Only `/v1/` paths are proxied (no `/metrics`, `/docs`);
 * the caller's `Authorization` / `X-Tenant-Id` go through unchanged (the services authenticate, the console
 * holds no credential of its own). Unknown service → 404 problem+json; unreachable service → 502.
 * @throws Error when the static folder has no `index.html` (the bundle was not built)
 */
export function createConsoleApp(config: ConsoleConfig): Express {
  const staticDir = config.CONSOLE_STATIC_DIR ?? DEFAULT_STATIC_DIR;
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(`admin-console: no index.html in ${staticDir} — run \`npx nx run admin-console:build\``);
  }
  const app = express();
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'none'"],
          'script-src': ["'self'"],
          // Mantine writes CSS variables and style attributes at runtime (no script is inline)
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'"],
          'connect-src': ["'self'"],
          'base-uri': ["'none'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => void res.json({ status: 'ok' }));

  for (const key of Object.keys(CONSOLE_UPSTREAMS) as UpstreamKey[]) {
    const target = config[CONSOLE_UPSTREAMS[key]];
    app.use(
      `/api/${key}/v1`,
      createProxyMiddleware({
        target: new URL('/v1', target).toString(),
        changeOrigin: true,
        proxyTimeout: config.CONSOLE_PROXY_TIMEOUT_MS,
        timeout: config.CONSOLE_PROXY_TIMEOUT_MS,
        xfwd: false,
        on: {
          proxyReq: (proxyReq) => {
            for (const name of proxyReq.getHeaderNames()) {
              if (!FORWARDED_HEADERS.has(name.toLowerCase()) && name.toLowerCase() !== 'host') {
                proxyReq.removeHeader(name);
              }
            }
          },
          error: (_err, _req, res) => {
            if ('writeHead' in res && !res.headersSent) {
              res.writeHead(502, { 'content-type': 'application/problem+json' });
              res.end(
                JSON.stringify({
                  type: 'about:blank',
                  title: 'Bad Gateway',
                  status: 502,
                  detail: `${key} is not reachable`,
                }),
              );
            }
          },
        },
      }),
    );
  }
  app.use('/api', (req, res) => {
    res
      .status(404)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Not Found', status: 404, detail: `no API at ${req.originalUrl}` });
  });
  app.use(express.static(staticDir, { index: 'index.html', maxAge: '1h' }));
  // client-side routes (/integrations, /report, …) all answer the app shell
  app.get(/^\/(?!api\/).*/, (_req, res) => res.sendFile(join(staticDir, 'index.html')));
  return app;
}

/** Starts the console on `config.HOST:config.PORT`; resolves with the listening server. */
export function startConsole(config: ConsoleConfig): Promise<Server> {
  const app = createConsoleApp(config);
  return new Promise((resolvePromise, reject) => {
    const server = app.listen(config.PORT, config.HOST, (err?: Error) =>
      err ? reject(err) : resolvePromise(server),
    );
  });
}
