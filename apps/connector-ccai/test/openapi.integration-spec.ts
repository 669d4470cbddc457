import { withIntegrationStore } from '@hub/integrations';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import {
  auditOpenApiDocument,
  dereferenced,
  documentedRoutes,
  operationOf,
  registeredRoutes,
  type RouteKey,
} from '@hub/http';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import { createTestWorld, fetchOpenApiDocument, type TestWorld, openApiChecks } from '@hub/testing';
import type { PubSubAdmin } from '../src/admin/pubsub-admin.repository';
import { CCAI, createCcaiIntegration, pushBody, startCcaiApp } from './support/ccai-fixtures';
import { createTestSigner, type TestSigner } from './support/oidc-test-keys';

jest.setTimeout(60_000);

const ADMIN_TOKEN = 'admin-token-openapi-0123456789-abcdefgh';
const OPERATIONS: RouteKey[] = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /v1/admin/ccai/subscriptions',
  'POST /v1/pubsub/push',
];
const PUBLIC: RouteKey[] = ['GET /healthz', 'GET /readyz', 'GET /metrics'];

describe('connector-ccai OpenAPI document (/docs-json)', () => {
  let world: TestWorld;
  let prisma: PrismaClient;
  let app: INestApplication;
  let base: string;
  let signer: TestSigner;
  let doc: OpenAPIObject;
  let integrationId: string;
  const fakeAdmin: PubSubAdmin = {
    createPushSubscription: async (req) => ({
      name: `projects/${req.projectId}/subscriptions/${req.subscriptionId}`,
    }),
  };
  const { mismatch } = openApiChecks(() => doc);
  const post = async (path: string, body: unknown, auth?: string) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    world = await createTestWorld();
    signer = await createTestSigner();
    prisma = createPrismaClient(world.databaseUrl, 2);
    integrationId = await createCcaiIntegration(world, {
      serviceAccountKeyJson: JSON.stringify({
        type: 'service_account',
        client_email: CCAI.pushServiceAccount,
      }),
    });
    ({ app, base } = await startCcaiApp(world, {
      jwksFile: signer.jwksFile,
      adminToken: ADMIN_TOKEN,
      pubSubAdmin: fakeAdmin,
    }));
    doc = await fetchOpenApiDocument(base);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await prisma?.$disconnect();
    await world?.drop();
  });

  it('documents every route the connector registers, with schemas for bodies, successes and problems', () => {
    expect(registeredRoutes(app)).toEqual([...OPERATIONS].sort());
    expect(documentedRoutes(doc)).toEqual([...OPERATIONS].sort());
    expect(auditOpenApiDocument(doc, registeredRoutes(app), { publicRoutes: PUBLIC })).toEqual([]);
    expect(doc.components?.securitySchemes).toMatchObject({
      adminToken: { type: 'http', scheme: 'bearer' },
      pubsubOidc: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    expect(operationOf(doc, 'POST /v1/admin/ccai/subscriptions').security).toEqual([{ adminToken: [] }]);
    expect(operationOf(doc, 'POST /v1/pubsub/push').security).toEqual([{ pubsubOidc: [] }]);
  });

  it('request bodies come from the validating zod schemas (required fields named)', () => {
    const admin = operationOf(doc, 'POST /v1/admin/ccai/subscriptions');
    const body = dereferenced(
      doc,
      (admin.requestBody as { content: Record<string, { schema: unknown }> }).content['application/json']
        .schema,
    );
    expect(body.required).toEqual(['integrationId', 'topic', 'pushEndpoint']);
    expect(Object.keys(admin.responses).sort()).toEqual(['201', '400', '401', '403', '404']);
    const push = dereferenced(
      doc,
      (
        operationOf(doc, 'POST /v1/pubsub/push').requestBody as {
          content: Record<string, { schema: unknown }>;
        }
      ).content['application/json'].schema,
    );
    expect(push.required).toEqual(['message', 'subscription']);
  });

  it('real responses match the documented schemas (admin 201/400/401/403/404, push 200/401)', async () => {
    const path = '/v1/admin/ccai/subscriptions';
    const route: RouteKey = 'POST /v1/admin/ccai/subscriptions';
    const body = { integrationId, topic: 'agent-assist-events', pushEndpoint: CCAI.audience };
    const created = await post(path, body, `Bearer ${ADMIN_TOKEN}`);
    expect(created.status).toBe(201);
    expect(mismatch(route, 201, created.body)).toBeNull();
    const bad = await post(path, { ...body, pushEndpoint: 'http://plain' }, `Bearer ${ADMIN_TOKEN}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'pushEndpoint', message: expect.any(String) }]);
    expect(mismatch(route, 400, bad.body)).toBeNull();
    expect(mismatch(route, 401, (await post(path, body)).body)).toBeNull();
    const wrong = await post(path, body, 'Bearer nope');
    expect(wrong.status).toBe(403);
    expect(mismatch(route, 403, wrong.body)).toBeNull();
    const unknown = await post(path, { ...body, integrationId: randomUUID() }, `Bearer ${ADMIN_TOKEN}`);
    expect(unknown.status).toBe(404);
    expect(mismatch(route, 404, unknown.body)).toBeNull();

    const token = await signer.token({
      aud: CCAI.audience,
      email: CCAI.pushServiceAccount,
      email_verified: true,
    });
    const event = {
      conversation: 'projects/globex-prj/locations/global/conversations/conv-docs',
      type: 'NEW_MESSAGE',
      newMessagePayload: {
        name: 'projects/globex-prj/locations/global/conversations/conv-docs/messages/m-1',
        content: 'Where is my parcel?',
        languageCode: 'en-US',
        participant: 'projects/globex-prj/locations/global/conversations/conv-docs/participants/p-END_USER',
        participantRole: 'END_USER',
      },
    };
    const pushed = await post('/v1/pubsub/push', pushBody(event, 'msg-docs-1'), `Bearer ${token}`);
    expect(pushed.status).toBe(200);
    expect(mismatch('POST /v1/pubsub/push', 200, pushed.body)).toBeNull();
    const unsigned = await post('/v1/pubsub/push', pushBody(event, 'msg-docs-2'));
    expect(unsigned.status).toBe(401);
    expect(mismatch('POST /v1/pubsub/push', 401, unsigned.body)).toBeNull();
    // the integration without its service account key: 400 naming integrationId
    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.update(CCAI.tenant, integrationId, { secrets: {} }),
    );
    const noCredentials = await post(path, body, `Bearer ${ADMIN_TOKEN}`);
    expect(noCredentials.status).toBe(400);
    expect(noCredentials.body.errors).toEqual([{ field: 'integrationId', message: expect.any(String) }]);
    expect(mismatch(route, 400, noCredentials.body)).toBeNull();
  });
});
