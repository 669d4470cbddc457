import { randomUUID } from 'node:crypto';
import type { OpenAPIObject } from '@nestjs/swagger';
import {
  auditOpenApiDocument,
  dereferenced,
  documentedRoutes,
  operationOf,
  registeredRoutes,
  type RouteKey,
} from '@hub/http';
import { createTestWorld, hubScopesOf, type TestWorld, openApiChecks, walkGuardedRoutes } from '@hub/testing';
import { handoffBody, http, seedQueue, startService, type RunningService } from './support/harness';

jest.setTimeout(60_000);

const T = 'openapi-docs';
const OPERATIONS: RouteKey[] = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /v1/handoffs',
  'GET /v1/handoffs/{id}',
  'POST /v1/handoffs/{id}/withdraw',
  'POST /v1/integrations',
  'GET /v1/integrations',
  'GET /v1/integrations/{id}',
  'PATCH /v1/integrations/{id}',
  'GET /v1/webhook-secret',
  'POST /v1/webhook-secret',
  'DELETE /v1/integrations/{id}',
  'POST /v1/integrations/{id}/test',
  'GET /v1/integrations/{id}/queues',
  'GET /v1/integrations/{id}/flows',
  'GET /v1/integrations/{id}/handoffs/{handoffId}/contact-attributes',
  'POST /v1/integrations/{id}/setup',
  'POST /v1/ccaas/webhooks/{integrationId}',
  'POST /v1/escalation/decisions',
  'GET /v1/escalation/decisions/{id}',
  'PATCH /v1/escalation/decisions/{id}',
  'GET /v1/escalation/tools',
  'POST /v1/escalation/conversation-totals',
  'GET /v1/escalation/config',
  'PUT /v1/escalation/config',
  'GET /v1/reports/handoffs',
  'POST /v1/forms/templates',
  'GET /v1/forms/templates',
  'GET /v1/forms/templates/{id}',
  'PUT /v1/forms/templates/{id}',
  'DELETE /v1/forms/templates/{id}',
  'POST /v1/forms/links',
  'GET /forms/{token}',
  'POST /forms/{token}',
  'PUT /v1/callbacks/teams/{queueId}',
  'GET /v1/callbacks/teams/{queueId}',
  'POST /v1/callbacks/slots',
  'POST /v1/callbacks',
  'GET /v1/callbacks/{id}',
  'PATCH /v1/callbacks/{id}',
  'POST /v1/sms/twilio/{integrationId}/status',
];
/**
 * Routes without a hub credential: probes, and the contact-center webhook (authenticated by the vendor's
 * signature; refused with 401 — tested in the ccaas-*.e2e-spec.ts).
 */
const PUBLIC: RouteKey[] = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /v1/ccaas/webhooks/{integrationId}',
  // the secure form page: the signed link is the credential (forms.integration-spec.ts: 401/404/410)
  'GET /forms/{token}',
  'POST /forms/{token}',
  // Twilio's delivery-status callbacks: X-Twilio-Signature is the credential (callback-sms.integration-spec.ts: 401)
  'POST /v1/sms/twilio/{integrationId}/status',
];
const DETECTORS = [
  'human_request',
  'complaint',
  'frustration',
  'legal_advice',
  'medical_advice',
  'financial_advice',
];

describe('handoff-orchestrator OpenAPI document (/docs-json)', () => {
  let world: TestWorld;
  let svc: RunningService;
  let doc: OpenAPIObject;
  const { mismatch, requestSchema } = openApiChecks(() => doc);

  beforeAll(async () => {
    world = await createTestWorld();
    svc = await startService(world);
    const res = await http(svc.url, 'GET', '/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
  });

  afterAll(async () => {
    await svc?.close();
    await world?.drop();
  });

  it('documents every route the service registers, with schemas for bodies, successes and problems', () => {
    expect(registeredRoutes(svc.app)).toEqual([...OPERATIONS].sort());
    expect(documentedRoutes(doc)).toEqual([...OPERATIONS].sort());
    expect(auditOpenApiDocument(doc, registeredRoutes(svc.app), { publicRoutes: PUBLIC })).toEqual([]);
  });

  it('declares the hub credential schemes (API key, OAuth client credentials) with scopes on every API route', () => {
    expect(doc.components?.securitySchemes?.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components?.securitySchemes?.oauth2).toMatchObject({ type: 'oauth2' });
    expect(doc.components?.securitySchemes?.tenant).toBeUndefined();
    expect(operationOf(doc, 'POST /v1/handoffs').security).toEqual([
      { apiKey: ['handoffs:write'] },
      { oauth2: ['handoffs:write'] },
    ]);
    for (const r of OPERATIONS.filter((o) => !PUBLIC.includes(o)))
      expect([r, hubScopesOf(operationOf(doc, r))?.length]).toEqual([r, 1]);
  });

  it('every guarded route: no credential → 401, wrong scope → 403, another tenant’s ids → 404', async () => {
    const queue = await seedQueue(world, T, 'Walk');
    const integration = await http(svc.url, 'POST', '/v1/integrations', {
      tenant: T,
      body: { type: 'internal', name: 'Walk', config: { defaultQueueId: queue } },
    });
    const handoff = await http(svc.url, 'POST', '/v1/handoffs', {
      tenant: T,
      body: handoffBody(integration.body.id),
    });
    expect(handoff.status).toBe(201);
    // a decision of T (rules only: no model needed), for the {id} routes of /v1/escalation/decisions
    await http(svc.url, 'PUT', '/v1/escalation/config', {
      tenant: T,
      body: { detectors: Object.fromEntries(DETECTORS.map((d) => [d, { enabled: false }])) },
    });
    const decision = await http(svc.url, 'POST', '/v1/escalation/decisions', {
      tenant: T,
      body: {
        conversationId: 'walk',
        transcript: [{ role: 'user', text: 'hi', timestamp: '2026-12-02T10:00:00Z' }],
      },
    });
    expect(decision.status).toBe(201);
    const template = await http(svc.url, 'POST', '/v1/forms/templates', {
      tenant: T,
      body: {
        name: 'walk',
        title: 'Walk',
        webhookUrl: 'https://hooks.example.com/forms',
        fields: [{ name: 'a', label: 'A', type: 'text' }],
      },
    });
    expect(template.status).toBe(201);
    // a callback team and booking of T, for the /v1/callbacks routes
    const team = {
      zone: 'UTC',
      weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '24:00' })),
      minNoticeMin: 0,
    };
    expect(
      (await http(svc.url, 'PUT', `/v1/callbacks/teams/${queue}`, { tenant: T, body: team })).status,
    ).toBe(200);
    const slotsBody = { queueId: queue, customerId: 'walk', channel: 'voice' };
    const slots = await http(svc.url, 'POST', '/v1/callbacks/slots', { tenant: T, body: slotsBody });
    const bookBody = { ...slotsBody, startsAt: slots.body.slots[2].start };
    const callback = await http(svc.url, 'POST', '/v1/callbacks', { tenant: T, body: bookBody });
    expect(callback.status).toBe(201);
    const walk = await walkGuardedRoutes({
      baseUrl: svc.url,
      doc,
      ownerTenant: T,
      otherTenant: 'openapi-other',
      params: {
        'GET /v1/handoffs/{id}': { id: handoff.body.id },
        'POST /v1/handoffs/{id}/withdraw': { id: handoff.body.id },
        'GET /v1/escalation/decisions/{id}': { id: decision.body.decisionId },
        'PATCH /v1/escalation/decisions/{id}': { id: decision.body.decisionId },
        'GET /v1/forms/templates/{id}': { id: template.body.id },
        'PUT /v1/forms/templates/{id}': { id: template.body.id },
        'DELETE /v1/forms/templates/{id}': { id: template.body.id },
        'PUT /v1/callbacks/teams/{queueId}': { queueId: queue },
        'GET /v1/callbacks/teams/{queueId}': { queueId: queue },
        'GET /v1/callbacks/{id}': { id: callback.body.id },
        'PATCH /v1/callbacks/{id}': { id: callback.body.id },
        id: integration.body.id,
        handoffId: handoff.body.id,
      },
      bodies: {
        'POST /v1/handoffs/{id}/withdraw': {},
        'PATCH /v1/integrations/{id}': { name: 'Renamed' },
        'POST /v1/integrations/{id}/setup': { publicBaseUrl: 'https://hub.example.com' },
        'PATCH /v1/escalation/decisions/{id}': { pathPicked: 'none' },
        'PUT /v1/forms/templates/{id}': {
          name: 'walk',
          title: 'Walk',
          webhookUrl: 'https://hooks.example.com/forms',
          fields: [{ name: 'a', label: 'A', type: 'text' }],
        },
        'POST /v1/forms/links': { template_id: template.body.id },
        'PUT /v1/callbacks/teams/{queueId}': team,
        'POST /v1/callbacks/slots': slotsBody,
        'POST /v1/callbacks': { ...bookBody, startsAt: slots.body.slots[0].start },
        'PATCH /v1/callbacks/{id}': { action: 'cancel' },
      },
    });
    expect(walk.problems).toEqual([]);
    expect(walk.unguarded.sort()).toEqual([...PUBLIC].sort());
    expect(walk.guarded).toHaveLength(OPERATIONS.length - PUBLIC.length);
    // the owner still sees its resources (the 404s above are isolation, not breakage)
    expect((await http(svc.url, 'GET', `/v1/handoffs/${handoff.body.id}`, { tenant: T })).status).toBe(200);
    expect(
      (await http(svc.url, 'GET', `/v1/integrations/${integration.body.id}`, { tenant: T })).body.name,
    ).toBe('Walk');
  });

  it('request bodies come from the validating zod schemas (required fields named)', () => {
    const handoff = requestSchema('POST /v1/handoffs');
    expect(handoff.required).toEqual(['integrationId', 'botSessionId', 'conversationId', 'channel']);
    expect(Object.keys(handoff.properties ?? {})).toEqual(
      expect.arrayContaining(['transcript', 'routing', 'timeoutSeconds', 'callbackUrl']),
    );
    expect(requestSchema('POST /v1/integrations').required).toEqual(['type', 'name']);
    expect(requestSchema('POST /v1/integrations/{id}/setup').required).toEqual(['publicBaseUrl']);
    // the contact-center webhook documents what vendors post (Amazon Connect contact events among them)
    expect(
      JSON.stringify(
        (operationOf(doc, 'POST /v1/ccaas/webhooks/{integrationId}') as unknown as Record<string, unknown>)[
          'x-vendor-deliveries'
        ],
      ),
    ).toContain('Amazon Connect Contact Event');
    expect(requestSchema('PATCH /v1/integrations/{id}').required ?? []).toEqual([]);
    expect(operationOf(doc, 'POST /v1/handoffs').parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
    );
  });

  it('documents 400 with field-named errors and the 404/409/422 each route can answer', () => {
    const statuses = (r: RouteKey) => Object.keys(operationOf(doc, r).responses).sort();
    expect(statuses('POST /v1/handoffs')).toEqual(['200', '201', '400', '401', '403', '404', '422']);
    expect(statuses('POST /v1/handoffs/{id}/withdraw')).toEqual(['202', '400', '401', '403', '404', '409']);
    expect(statuses('PATCH /v1/integrations/{id}')).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '422',
    ]);
    const problem = dereferenced(doc, { $ref: '#/components/schemas/ValidationProblem' });
    expect(problem.required).toEqual(expect.arrayContaining(['statusCode', 'message', 'errors']));
  });

  it('real responses match the documented schemas (success, 400, 404)', async () => {
    const queue = await seedQueue(world, T, 'Support');
    const integration = await http(svc.url, 'POST', '/v1/integrations', {
      tenant: T,
      body: { type: 'internal', name: 'Docs', config: { defaultQueueId: queue } },
    });
    expect(integration.status).toBe(201);
    expect(mismatch('POST /v1/integrations', 201, integration.body)).toBeNull();
    const list = await http(svc.url, 'GET', '/v1/integrations', { tenant: T });
    expect(mismatch('GET /v1/integrations', 200, list.body)).toBeNull();

    const created = await http(svc.url, 'POST', '/v1/handoffs', {
      tenant: T,
      body: handoffBody(integration.body.id),
    });
    expect(created.status).toBe(201);
    expect(mismatch('POST /v1/handoffs', 201, created.body)).toBeNull();
    const got = await http(svc.url, 'GET', `/v1/handoffs/${created.body.id}`, { tenant: T });
    expect(got.body.transitions.length).toBeGreaterThan(0);
    expect(mismatch('GET /v1/handoffs/{id}', 200, got.body)).toBeNull();
    // a response of the wrong shape does not pass: the check above is not vacuous
    expect(mismatch('GET /v1/handoffs/{id}', 200, { ...got.body, createdAt: 42 })).not.toBeNull();

    const bad = await http(svc.url, 'POST', '/v1/handoffs', {
      tenant: T,
      body: { ...handoffBody(integration.body.id), channel: 'fax' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('channel');
    expect(mismatch('POST /v1/handoffs', 400, bad.body)).toBeNull();
    const tools = await http(svc.url, 'GET', '/v1/escalation/tools', { tenant: T });
    expect(mismatch('GET /v1/escalation/tools', 200, tools.body)).toBeNull();
    const config = await http(svc.url, 'GET', '/v1/escalation/config', { tenant: T });
    expect(mismatch('GET /v1/escalation/config', 200, config.body)).toBeNull();
    const report = await http(
      svc.url,
      'GET',
      '/v1/reports/handoffs?from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z&groupBy=day',
      { tenant: T },
    );
    expect(mismatch('GET /v1/reports/handoffs', 200, report.body)).toBeNull();
    const badConfig = await http(svc.url, 'PUT', '/v1/escalation/config', {
      tenant: T,
      body: { retrieval: { threshold: 7 } },
    });
    expect(badConfig.body.errors[0].field).toBe('retrieval.threshold');
    expect(mismatch('PUT /v1/escalation/config', 400, badConfig.body)).toBeNull();
    const missing = await http(svc.url, 'GET', `/v1/integrations/${randomUUID()}`, { tenant: T });
    expect(missing.status).toBe(404);
    expect(mismatch('GET /v1/integrations/{id}', 404, missing.body)).toBeNull();
  });
});
