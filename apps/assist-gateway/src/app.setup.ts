import type { INestApplication } from '@nestjs/common';
import type { OperationObject } from '@nestjs/swagger';
import { protectHttp, setupOpenApi } from '@hub/http';
import type { AssistGatewayConfig } from './config';
import { RedisIoAdapter } from './stream/redis-io.adapter';
import { ISSUER_SECURITY } from './tokens/embed-tokens.controller';

/** Documentation of a static widget asset (its controller serves files and carries no decorators). */
const asset = (summary: string, type: string): { get: Partial<OperationObject> } => ({
  get: {
    summary,
    tags: ['widget'],
    security: [],
    responses: { '200': { description: summary, content: { [type]: { schema: { type: 'string' } } } } },
  },
});

/**
 * Applies the app-wide setup shared by main.ts and the tests: abuse/overload protection (`protectHttp`:
 * rate limits, body caps), Socket.IO with the Redis adapter, and the
 * OpenAPI document at `/docs` and `/docs-json`.
 */
export async function configureApp(app: INestApplication, config: AssistGatewayConfig): Promise<void> {
  await protectHttp(app, {
    service: 'assist-gateway',
    config,
    redis: { url: config.REDIS_URL, namespace: config.REDIS_NAMESPACE },
    intakeRoutes: [],
  });
  app.useWebSocketAdapter(new RedisIoAdapter(app, config.REDIS_URL, config.REDIS_NAMESPACE));
  setupOpenApi(app, {
    title: 'Engagement Hub — assist gateway',
    description:
      'Embed tokens for the agent-assist widget, the widget page, the Genesys Cloud sign-in and the Salesforce / Google token exchanges. Suggestions ' +
      'stream to widgets over Socket.IO (namespace `/assist`), not here.',
    securitySchemes: {
      [ISSUER_SECURITY]: {
        type: 'http',
        scheme: 'bearer',
        description: 'ASSIST_ADMIN_API_KEY (any tenant) or a tenant key from ASSIST_TENANT_API_KEYS',
      },
    },
    operations: {
      '/widget': asset('The widget page (token in the URL fragment; CSP frame-ancestors)', 'text/html'),
      '/widget/widget.js': asset('Widget script', 'application/javascript'),
      '/widget/widget.css': asset('Widget styles', 'text/css'),
      '/widget/socket.io.min.js': asset('Socket.IO client', 'application/javascript'),
      '/widget/vendors/{file}': {
        get: {
          ...asset(
            'A vendor desktop adapter script (five9.js, eight-by-eight.js, salesforce.js)',
            'application/javascript',
          ).get,
          parameters: [
            {
              name: 'file',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^[a-z0-9-]+\\.js$' },
            },
          ],
          responses: {
            '200': {
              description: 'The adapter script',
              content: { 'application/javascript': { schema: { type: 'string' } } },
            },
            '404': {
              description: 'No such adapter (RFC 9457 problem)',
              content: {
                'application/problem+json': {
                  schema: {
                    type: 'object',
                    properties: {
                      type: { type: 'string' },
                      title: { type: 'string' },
                      status: { type: 'integer' },
                      detail: { type: 'string' },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  });
}
