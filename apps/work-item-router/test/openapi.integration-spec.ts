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
import { waitFor, openApiChecks, walkGuardedRoutes } from '@hub/testing';
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
  'GET /v1/queues/{id}/business-hours',
  'PUT /v1/queues/{id}/business-hours',
  'DELETE /v1/queues/{id}/business-hours',
  'GET /v1/queues/{id}/availability',
  'POST /v1/agents',
  'GET /v1/agents',
  'GET /v1/agents/{id}',
  'PATCH /v1/agents/{id}',
  'PUT /v1/agents/{id}/presence',
  'GET /v1/work-items',
  'GET /v1/work-items/{id}',
  'GET /v1/work-items/{id}/position',
  'POST /v1/api-keys',
  'GET /v1/api-keys',
  'GET /v1/api-keys/{id}',
  'POST /v1/api-keys/{id}/rotate',
  'DELETE /v1/api-keys/{id}',
];
/** No credential: the operations routes only (tenant creation needs the platform admin). */
const PUBLIC: RouteKey[] = ['GET /healthz', 'GET /readyz', 'GET /metrics'];

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
    expect(doc.components?.securitySchemes?.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(operationOf(doc, 'POST /v1/tenants').security).toEqual([
      { apiKey: ['platform:admin'] },
      { oauth2: ['platform:admin'] },
    ]);
    expect(operationOf(doc, 'GET /v1/queues').security).toEqual([
      { apiKey: ['routing:read'] },
      { oauth2: ['routing:read'] },
    ]);
  });

  it('every guarded route: no credential → 401, wrong scope → 403, another tenant’s ids → 404', async () => {
    const W = 'walk-owner';
    await bus.tenant(W);
    const queue = await bus.http('POST', '/v1/queues', { tenant: W, body: { name: 'Walk' } });
    const agent = await bus.http('POST', '/v1/agents', {
      tenant: W,
      body: { id: 'walk-agent', displayName: 'Walk', queueIds: [queue.body.id] },
    });
    expect(agent.status).toBe(201);
    const item = await bus.createItem(W, { routing: { queue_id: String(queue.body.id) } });
    const key = await bus.http('POST', '/v1/api-keys', {
      tenant: W,
      body: { name: 'walk', scopes: ['routing:read'] },
    });
    expect(key.status).toBe(201);
    const walk = await walkGuardedRoutes({
      baseUrl: bus.base,
      doc,
      ownerTenant: W,
      otherTenant: 'walk-other',
      params: {
        'GET /v1/queues/{id}': { id: String(queue.body.id) },
        'PATCH /v1/queues/{id}': { id: String(queue.body.id) },
        'GET /v1/queues/{id}/business-hours': { id: String(queue.body.id) },
        'PUT /v1/queues/{id}/business-hours': { id: String(queue.body.id) },
        'DELETE /v1/queues/{id}/business-hours': { id: String(queue.body.id) },
        'GET /v1/queues/{id}/availability': { id: String(queue.body.id) },
        'GET /v1/work-items/{id}/position': { id: item.workItemId },
        'GET /v1/agents/{id}': { id: 'walk-agent' },
        'PATCH /v1/agents/{id}': { id: 'walk-agent' },
        'PUT /v1/agents/{id}/presence': { id: 'walk-agent' },
        'GET /v1/work-items/{id}': { id: item.workItemId },
        id: String(key.body.id),
      },
      bodies: {
        'PATCH /v1/queues/{id}': { name: 'Renamed' },
        'PUT /v1/queues/{id}/business-hours': { timeZone: 'Europe/Berlin', weekly: [] },
        'PATCH /v1/agents/{id}': { displayName: 'Renamed' },
        'PUT /v1/agents/{id}/presence': { presence: 'online' },
        'POST /v1/api-keys/{id}/rotate': { graceSeconds: 60 },
      },
    });
    expect(walk.problems).toEqual([]);
    expect(walk.unguarded.sort()).toEqual([...PUBLIC].sort());
    // isolation, not breakage: the owner still reads and its key is still active
    expect((await bus.http('GET', `/v1/agents/walk-agent`, { tenant: W })).body.presence).toBe('offline');
    const still = await bus.http('GET', `/v1/api-keys/${key.body.id}`, { tenant: W });
    expect(still.body).toMatchObject({ revokedAt: null, replacedBy: null });
  });

  it('request bodies come from the validating zod schemas (required fields named)', () => {
    expect(requiredOf('POST /v1/tenants')).toEqual(['id', 'name']);
    expect(requiredOf('POST /v1/queues')).toEqual(['name']);
    expect(requiredOf('POST /v1/agents')).toEqual(['id', 'displayName']);
    expect(requiredOf('PUT /v1/agents/{id}/presence')).toEqual(['presence']);
    expect(requiredOf('PATCH /v1/agents/{id}')).toEqual([]);
    const statuses = (r: RouteKey) => Object.keys(operationOf(doc, r).responses).sort();
    expect(statuses('POST /v1/agents')).toEqual(['201', '400', '401', '403', '404', '409', '422']);
    expect(statuses('GET /v1/work-items/{id}')).toEqual(['200', '400', '401', '403', '404']);
  });

  it('real responses match the documented schemas (success, 400, 404, 422)', async () => {
    const tenant = await bus.http('POST', '/v1/tenants', { admin: true, body: { id: T, name: 'Docs' } });
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
    const hoursBody = { timeZone: 'America/New_York', weekly: [{ day: 5, start: '22:00', end: '02:00' }] };
    const hours = await bus.http('PUT', `/v1/queues/${queueId}/business-hours`, {
      tenant: T,
      body: hoursBody,
    });
    expect(mismatch('PUT /v1/queues/{id}/business-hours', 200, hours.body)).toBeNull();
    const badHours = await bus.http('PUT', `/v1/queues/${queueId}/business-hours`, {
      tenant: T,
      body: { ...hoursBody, timeZone: 'Nowhere/Else' },
    });
    expect(badHours.status).toBe(400);
    expect(mismatch('PUT /v1/queues/{id}/business-hours', 400, badHours.body)).toBeNull();
    const availability = await bus.http('GET', `/v1/queues/${queueId}/availability`, { tenant: T });
    expect(mismatch('GET /v1/queues/{id}/availability', 200, availability.body)).toBeNull();
    const position = await bus.http('GET', `/v1/work-items/${item.workItemId}/position`, { tenant: T });
    expect(mismatch('GET /v1/work-items/{id}/position', 200, position.body)).toBeNull();
    const missing = await bus.http('GET', `/v1/queues/${randomUUID()}`, { tenant: T });
    expect(missing.status).toBe(404);
    expect(mismatch('GET /v1/queues/{id}', 404, missing.body)).toBeNull();
  });
});
