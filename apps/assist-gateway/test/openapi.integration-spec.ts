import type { OpenAPIObject } from '@nestjs/swagger';
import {
  auditOpenApiDocument,
  dereferenced,
  documentedRoutes,
  operationOf,
  registeredRoutes,
  type RouteKey,
} from '@hub/http';
import { createTestWorld, type TestWorld, openApiChecks } from '@hub/testing';
import { ACME_KEY, ADMIN_KEY, startGateway, type RunningGateway } from './support/harness';

jest.setTimeout(60_000);

const OPERATIONS: RouteKey[] = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /v1/embed-tokens',
  'GET /.well-known/jwks.json',
  'GET /v1/auth/genesys/start',
  'GET /v1/auth/genesys/callback',
  'POST /v1/auth/salesforce/token-exchange',
  'POST /v1/auth/google/token-exchange',
  'GET /widget',
  'GET /widget/widget.js',
  'GET /widget/widget.css',
  'GET /widget/socket.io.min.js',
  'GET /widget/vendors/{file}',
];
const PUBLIC = OPERATIONS.filter((o) => o !== 'POST /v1/embed-tokens');

describe('assist-gateway OpenAPI document (/docs-json)', () => {
  let world: TestWorld;
  let gw: RunningGateway;
  let doc: OpenAPIObject;
  const { mismatch } = openApiChecks(() => doc);
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${gw.url}${path}`, { redirect: 'manual', ...init });
    const text = await res.text();
    return {
      status: res.status,
      body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    };
  };
  const mint = (key: string | null, body: unknown) =>
    call('/v1/embed-tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    world = await createTestWorld();
    gw = await startGateway(world);
    const res = await call('/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
  });

  afterAll(async () => {
    await gw?.app.close();
    await world?.drop();
  });

  it('documents every route the gateway registers, with schemas for bodies, successes and problems', () => {
    expect(registeredRoutes(gw.app)).toEqual([...OPERATIONS].sort());
    expect(documentedRoutes(doc)).toEqual([...OPERATIONS].sort());
    expect(auditOpenApiDocument(doc, registeredRoutes(gw.app), { publicRoutes: PUBLIC })).toEqual([]);
    expect(doc.components?.securitySchemes?.issuerKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const page = operationOf(doc, 'GET /widget').responses['200'] as { content: Record<string, unknown> };
    expect(Object.keys(page.content)).toEqual(['text/html']);
  });

  it('request body of POST /v1/embed-tokens comes from the validating zod schema', () => {
    const op = operationOf(doc, 'POST /v1/embed-tokens');
    const body = dereferenced(
      doc,
      (op.requestBody as { content: Record<string, { schema: unknown }> }).content['application/json'].schema,
    );
    expect(body.required).toEqual(['tenantId', 'provider']);
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(op.responses).sort()).toEqual(['201', '400', '401', '403']);
    expect(operationOf(doc, 'GET /v1/auth/genesys/start').parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'tenant', in: 'query', required: true }),
        expect.objectContaining({ name: 'conversationId', in: 'query', required: true }),
      ]),
    );
  });

  it('real responses match the documented schemas (201, 400, 401, 403, 404, 302/401 of the sign-in)', async () => {
    const ok = await mint(ADMIN_KEY, {
      tenantId: 'acme',
      agentId: 'agent-1',
      provider: 'hub',
      interactionId: 'int-1',
    });
    expect(ok.status).toBe(201);
    expect(mismatch('POST /v1/embed-tokens', 201, ok.body)).toBeNull();
    expect(mismatch('POST /v1/embed-tokens', 201, { ...ok.body, jti: 7 })).not.toBeNull();
    const bad = await mint(ADMIN_KEY, { tenantId: 'acme', provider: 'fax' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('provider');
    expect(mismatch('POST /v1/embed-tokens', 400, bad.body)).toBeNull();
    const anonymous = await mint(null, { tenantId: 'acme', provider: 'hub' });
    expect(anonymous.status).toBe(401);
    expect(mismatch('POST /v1/embed-tokens', 401, anonymous.body)).toBeNull();
    const otherTenant = await mint(ACME_KEY, {
      tenantId: 'globex',
      agentId: 'a',
      provider: 'hub',
      interactionId: 'i',
    });
    expect(otherTenant.status).toBe(403);
    expect(mismatch('POST /v1/embed-tokens', 403, otherTenant.body)).toBeNull();
    const jwks = await call('/.well-known/jwks.json');
    expect(mismatch('GET /.well-known/jwks.json', 200, jwks.body)).toBeNull();

    const badStart = await call('/v1/auth/genesys/start?tenant=acme');
    expect(badStart.status).toBe(400);
    expect(badStart.body.errors[0].field).toBe('conversationId');
    expect(mismatch('GET /v1/auth/genesys/start', 400, badStart.body)).toBeNull();
    const notConfigured = await call('/v1/auth/genesys/start?tenant=acme&conversationId=c-1');
    expect(notConfigured.status).toBe(404);
    expect(mismatch('GET /v1/auth/genesys/start', 404, notConfigured.body)).toBeNull();
    const badCallback = await call('/v1/auth/genesys/callback?code=x&state=unknown');
    expect(badCallback.status).toBe(401);
    expect(mismatch('GET /v1/auth/genesys/callback', 401, badCallback.body)).toBeNull();
  });
});
