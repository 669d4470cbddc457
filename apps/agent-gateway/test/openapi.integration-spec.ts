import type { OpenAPIObject } from '@nestjs/swagger';
import {
  auditOpenApiDocument,
  documentedRoutes,
  operationOf,
  registeredRoutes,
  type RouteKey,
} from '@hub/http';
import { fetchOpenApiDocument, openApiChecks } from '@hub/testing';
import { seedWorkItem, startHarness, type GatewayHarness } from './support/gateway-harness';

jest.setTimeout(60_000);

const OPERATIONS: RouteKey[] = [
  'GET /',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /v1/agent/me',
  'GET /v1/agent/work-items',
  'GET /v1/agent/work-items/{id}',
  'GET /v1/agent/work-items/{id}/messages',
  'POST /v1/agent/work-items/{id}/transfer',
  'POST /v1/agent/work-items/{id}/complete',
  'POST /v1/agent/work-items/{id}/assist-session',
  'GET /v1/agent/queues',
  'POST /v1/agent/work-items/{id}/files',
  'GET /v1/files/{id}',
];
const PUBLIC: RouteKey[] = ['GET /', 'GET /healthz', 'GET /readyz', 'GET /metrics'];

describe('agent-gateway OpenAPI document (/docs-json)', () => {
  let h: GatewayHarness;
  let doc: OpenAPIObject;
  const { mismatch, requestSchema } = openApiChecks(() => doc);

  beforeAll(async () => {
    h = await startHarness();
    doc = await fetchOpenApiDocument(h.baseUrl);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('documents every route the gateway registers, with schemas for bodies, successes and problems', async () => {
    expect(registeredRoutes(h.app)).toEqual([...OPERATIONS].sort());
    expect(documentedRoutes(doc)).toEqual([...OPERATIONS].sort());
    expect(auditOpenApiDocument(doc, registeredRoutes(h.app), { publicRoutes: PUBLIC })).toEqual([]);
    expect((await fetch(`${h.baseUrl}/docs`)).status).toBe(200);
  });

  it('declares the agent bearer token, and the signed link as the alternative for downloads', () => {
    expect(doc.components?.securitySchemes).toMatchObject({
      agent: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      fileLink: { type: 'apiKey', in: 'query', name: 'token' },
    });
    expect(operationOf(doc, 'GET /v1/agent/work-items').security).toEqual([{ agent: [] }]);
    expect(operationOf(doc, 'GET /v1/files/{id}').security).toEqual(
      expect.arrayContaining([{ agent: [] }, { fileLink: [] }]),
    );
    expect(Object.keys(operationOf(doc, 'POST /v1/agent/work-items/{id}/transfer').responses).sort()).toEqual(
      ['202', '400', '401', '404', '409'],
    );
  });

  it('request bodies come from the validating zod schemas (required fields named)', () => {
    expect(requestSchema('POST /v1/agent/work-items/{id}/transfer').required).toEqual(['toQueueId']);
    expect(requestSchema('POST /v1/agent/work-items/{id}/complete').required ?? []).toEqual([]);
    expect(requestSchema('POST /v1/agent/work-items/{id}/files', 'multipart/form-data').required).toEqual([
      'file',
    ]);
  });

  it('real responses match the documented schemas (success, 400 naming the field, 401, 404)', async () => {
    const w = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-docs', state: 'offered' });
    const auth = { authorization: `Bearer ${await h.token('acme', 'agent-docs')}` };
    const get = async (path: string) => {
      const res = await fetch(`${h.baseUrl}${path}`, { headers: auth });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const me = await get('/v1/agent/me');
    expect(mismatch('GET /v1/agent/me', 200, me.body)).toBeNull();
    const inbox = await get('/v1/agent/work-items');
    expect((inbox.body.offers as unknown[]).length).toBe(1);
    expect(mismatch('GET /v1/agent/work-items', 200, inbox.body)).toBeNull();
    const detail = await get(`/v1/agent/work-items/${w.workItemId}`);
    expect(detail.status).toBe(200);
    expect(mismatch('GET /v1/agent/work-items/{id}', 200, detail.body)).toBeNull();
    expect(mismatch('GET /v1/agent/work-items/{id}', 200, { ...detail.body, offer: 'x' })).not.toBeNull();
    const timeline = await get(`/v1/agent/work-items/${w.workItemId}/messages`);
    expect((timeline.body.timeline as unknown[]).length).toBeGreaterThan(0);
    expect(mismatch('GET /v1/agent/work-items/{id}/messages', 200, timeline.body)).toBeNull();
    const queues = await get('/v1/agent/queues');
    expect(mismatch('GET /v1/agent/queues', 200, queues.body)).toBeNull();

    const badId = await get('/v1/agent/work-items/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.body.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
    expect(mismatch('GET /v1/agent/work-items/{id}', 400, badId.body)).toBeNull();
    const badBody = await fetch(`${h.baseUrl}/v1/agent/work-items/${w.workItemId}/transfer`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ toQueueId: 'nope' }),
    });
    expect(badBody.status).toBe(400);
    const problem = (await badBody.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toEqual(['toQueueId']);
    expect(mismatch('POST /v1/agent/work-items/{id}/transfer', 400, problem)).toBeNull();
    const noFile = await fetch(`${h.baseUrl}/v1/agent/work-items/${w.workItemId}/files`, {
      method: 'POST',
      headers: auth,
      body: new FormData(),
    });
    expect(noFile.status).toBe(400);
    const noFileBody = await noFile.json();
    expect(noFileBody.errors[0].field).toBe('file');
    expect(mismatch('POST /v1/agent/work-items/{id}/files', 400, noFileBody)).toBeNull();

    // Agent Assist not configured on this harness: 503 problem (the 201/404/409 are checked in assist-session.integration-spec)
    const assistOff = await fetch(`${h.baseUrl}/v1/agent/work-items/${w.workItemId}/assist-session`, {
      method: 'POST',
      headers: auth,
    });
    expect(assistOff.status).toBe(503);
    expect(mismatch('POST /v1/agent/work-items/{id}/assist-session', 503, await assistOff.json())).toBeNull();

    const anonymous = await fetch(`${h.baseUrl}/v1/agent/me`);
    expect(anonymous.status).toBe(401);
    expect(mismatch('GET /v1/agent/me', 401, await anonymous.json())).toBeNull();
    const notVisible = await get(
      `/v1/agent/work-items/${w.workItemId.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`,
    );
    expect(notVisible.status).toBe(404);
    expect(mismatch('GET /v1/agent/work-items/{id}', 404, notVisible.body)).toBeNull();
  });
});
