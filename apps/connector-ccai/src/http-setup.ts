import type { INestApplication } from '@nestjs/common';
import type { OperationObject } from '@nestjs/swagger';
import { raw } from 'express';
import { z } from 'zod';
import { ProblemSchema, protectHttp, responseSchemaOf, schemaRef, setupOpenApi } from '@hub/http';
import { ADMIN_SECURITY } from './admin/admin.controller';
import type { ConnectorCcaiConfig } from './config';
import { PUBSUB_HEADERS, WrappedPushBodySchema } from './domain/push-request';
import type { PushAccepted } from './push/usecases/receive-push.usecase';

/** Security scheme of Pub/Sub pushes: the OIDC ID token Pub/Sub attaches (`Authorization: Bearer`). */
const PUSH_SECURITY = 'pubsubOidc';

const problem = (description: string) => ({
  description,
  content: { 'application/json': { schema: schemaRef('Problem', ProblemSchema, 'output') } },
});

/**
 * Documentation of `POST /v1/pubsub/push` (Google Cloud Pub/Sub push delivery; its controller carries
 * no decorators): the wrapped JSON body, or unwrapped data with `x-goog-pubsub-*` headers, and the
 * status codes Pub/Sub acts on (2xx ack, 4xx/5xx redeliver → dead letter).
 */
const pushOperation: Partial<OperationObject> = {
  summary: 'Pub/Sub push delivery of CCAI conversation / Agent Assist events',
  description:
    'Wrapped (`application/json`, Pub/Sub push format) or unwrapped (raw data; metadata in `x-goog-pubsub-*` ' +
    'headers). Verified by the OIDC token Pub/Sub attaches (audience and service account of the integration).',
  tags: ['pubsub'],
  security: [{ [PUSH_SECURITY]: [] }],
  parameters: Object.values(PUBSUB_HEADERS).map((name) => ({
    name,
    in: 'header' as const,
    required: false,
    description: 'Unwrapped deliveries only',
    schema: { type: 'string' as const },
  })),
  requestBody: {
    required: true,
    content: {
      'application/json': { schema: schemaRef('PubSubPushBody', WrappedPushBodySchema, 'input') },
      '*/*': { schema: { type: 'string', format: 'binary', description: 'Unwrapped message data' } },
    },
  },
  responses: {
    '200': {
      description: 'Acknowledged: published, duplicate or ignored',
      content: {
        'application/json': {
          schema: schemaRef(
            'PushAccepted',
            responseSchemaOf<PushAccepted>()(
              z.object({
                status: z.enum(['published', 'duplicate', 'ignored']),
                messageId: z.string(),
                events: z.number().int().describe('Hub events published (0 when duplicate or ignored)'),
              }),
            ),
            'output',
          ),
        },
      },
    },
    '400': problem('Malformed delivery or event (permanent: dead letter after max delivery attempts)'),
    '401': problem('Missing or invalid OIDC token'),
    '403': problem('Token not issued for this subscription’s audience / service account'),
    '404': problem('Subscription not mapped to an enabled ccai integration'),
    '503': problem('Not written durably; Pub/Sub redelivers'),
  },
};

/**
 * HTTP set-up shared by main.ts and tests: the push path gets the body as raw bytes (unwrapped pushes
 * carry arbitrary data with any content type; wrapped ones are parsed by the use case), registered
 * before Nest's own JSON parser; the OpenAPI document at `/docs` and `/docs-json`.
 */
export async function configureHttp(app: INestApplication, config: ConnectorCcaiConfig): Promise<void> {
  app.use('/v1/pubsub/push', raw({ type: () => true, limit: config.CCAI_MAX_BODY_BYTES }));
  await protectHttp(app, {
    service: 'connector-ccai',
    config,
    redis: { url: config.REDIS_URL, namespace: config.REDIS_NAMESPACE },
    intakeRoutes: [],
  });
  setupOpenApi(app, {
    title: 'Engagement Hub — connector-ccai',
    description:
      'Google CCAI / Agent Assist events from Pub/Sub push subscriptions into the hub, and the admin API that ' +
      'creates a tenant’s push subscription.',
    securitySchemes: {
      [ADMIN_SECURITY]: { type: 'http', scheme: 'bearer', description: 'CCAI_ADMIN_TOKEN' },
      [PUSH_SECURITY]: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'Google-signed OIDC ID token of the push subscription’s service account',
      },
    },
    operations: { '/v1/pubsub/push': { post: pushOperation } },
  });
}
