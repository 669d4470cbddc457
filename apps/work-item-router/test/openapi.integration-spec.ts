import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import {
  auditOpenApiDocument,
  documentedRoutes,
  operationOf,
  registeredRoutes,
  type RouteKey,
} from '@hub/http';
import { waitFor, openApiChecks } from '@hub/testing';
import { RouterTestBus, startInProcess } from './support/harness';

const OPERATIONS: RouteKey[] = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /v1/tenants',
  'POST /v1/queues',
  'GET /v1/queues',
  'GET /v1/queues/{id}',
  'PATCH /v1/queues/{id}',
  'POST /v1/agents',
  'GET /v1/agents',
  'GET /v1/agents/{id}',
  'PATCH /v1/agents/{id}',
  'PUT /v1/agents/{id}/presence',
  'GET /v1/work-items',
  'GET /v1/work-items/{id}',
];
/** No `X-Tenant-Id`: operations routes, and tenant creation (the admin backend behind the API gateway). */
const PUBLIC: RouteKey[] = ['GET /healthz', 'GET /readyz', 'GET /metrics', 'POST /v1/tenants'];

describe('work-item-router OpenAPI document (/docs-json)', () => {
  let bus: RouterTestBus;
  let app: INestApplication;
  let doc: OpenAPIObject;
  const T = 'openapi-docs';
  const { mismatch, requestSchema } = openApiChecks(() => doc);
  const requiredOf = (route: RouteKey) => requestSchema(route).required ?? [];

  beforeAll(async () => {
    bus = await RouterTestBus.create();
    ({ app, base: bus.base } = await startInProcess(bus));
    const r = await bus.http<OpenAPIObject>('GET', '/docs-json');
    expect(r.status).toBe(200);
    doc = r.body;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await bus?.close();
  });

  it('documents every route the service registers, with schemas for bodies, successes and problems', () => {
    expect(registeredRoutes(app)).toEqual([...OPERATIONS].sort());
    expect(documentedRoutes(doc)).toEqual([...OPERATIONS].sort());
    expect(auditOpenApiDocument(doc, registeredRoutes(app), { publicRoutes: PUBLIC })).toEqual([]);
    expect(doc.components?.securitySchemes?.tenant).toMatchObject({ in: 'header', name: 'X-Tenant-Id' });
  });

  it('request bodies come from the validating zod schemas (required fields named)', () => {
    expect(requiredOf('POST /v1/tenants')).toEqual(['id', 'name']);
    expect(requiredOf('POST /v1/queues')).toEqual(['name']);
    expect(requiredOf('POST /v1/agents')).toEqual(['id', 'displayName']);
    expect(requiredOf('PUT /v1/agents/{id}/presence')).toEqual(['presence']);
    expect(requiredOf('PATCH /v1/agents/{id}')).toEqual([]);
    const statuses = (r: RouteKey) => Object.keys(operationOf(doc, r).responses).sort();
    expect(statuses('POST /v1/agents')).toEqual(['201', '400', '404', '409', '422']);
    expect(statuses('GET /v1/work-items/{id}')).toEqual(['200', '400', '404']);
  });

  it('real responses match the documented schemas (success, 400, 404, 422)', async () => {
    const tenant = await bus.http('POST', '/v1/tenants', { body: { id: T, name: 'Docs' } });
    expect(mismatch('POST /v1/tenants', 201, tenant.body)).toBeNull();
    const queue = await bus.http('POST', '/v1/queues', { tenant: T, body: { name: 'Support' } });
    expect(mismatch('POST /v1/queues', 201, queue.body)).toBeNull();
    const queueId = String(queue.body.id);
    const agent = await bus.http('POST', '/v1/agents', {
      tenant: T,
      body: { id: 'docs-agent', displayName: 'Docs', queueIds: [queueId], capacity: { chat: 2 } },
    });
    expect(mismatch('POST /v1/agents', 201, agent.body)).toBeNull();
    const online = await bus.http('PUT', '/v1/agents/docs-agent/presence', {
      tenant: T,
      body: { presence: 'online' },
    });
    expect(mismatch('PUT /v1/agents/{id}/presence', 200, online.body)).toBeNull();

    const item = await bus.createItem(T, { routing: { queue_id: queueId } });
    const detail = await waitFor(
      async () => {
        const r = await bus.http('GET', `/v1/work-items/${item.workItemId}`, { tenant: T });
        return r.status === 200 && (r.body.offers as unknown[]).length ? r.body : undefined;
      },
      { what: 'offered work item' },
    );
    expect(mismatch('GET /v1/work-items/{id}', 200, detail)).toBeNull();
    expect(mismatch('GET /v1/work-items/{id}', 200, { ...detail, offers: 'none' })).not.toBeNull();
    const list = await bus.http('GET', '/v1/work-items', { tenant: T });
    expect(mismatch('GET /v1/work-items', 200, list.body)).toBeNull();

    const bad = await bus.http<{ errors: { field: string }[] }>('POST', '/v1/agents', {
      tenant: T,
      body: { id: 'x', displayName: '' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.field)).toContain('displayName');
    expect(mismatch('POST /v1/agents', 400, bad.body)).toBeNull();
    const unknownQueue = await bus.http('POST', '/v1/agents', {
      tenant: T,
      body: { id: 'a-2', displayName: 'Two', queueIds: [randomUUID()] },
    });
    expect(unknownQueue.status).toBe(422);
    expect(mismatch('POST /v1/agents', 422, unknownQueue.body)).toBeNull();
    const missing = await bus.http('GET', `/v1/queues/${randomUUID()}`, { tenant: T });
    expect(missing.status).toBe(404);
    expect(mismatch('GET /v1/queues/{id}', 404, missing.body)).toBeNull();
  });
});
