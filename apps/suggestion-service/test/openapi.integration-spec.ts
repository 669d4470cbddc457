import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { loadConfig } from '@hub/config';
import {
  auditOpenApiDocument,
  documentedRoutes,
  operationOf,
  registeredRoutes,
  type RouteKey,
} from '@hub/http';
import { bootstrapService, createLogger } from '@hub/observability';
import { createTestWorld, type TestWorld, openApiChecks, walkGuardedRoutes } from '@hub/testing';
import { AppModule } from '../src/app.module';
import { SuggestionConfigSchema } from '../src/config';
import { configureSuggestionHttp } from '../src/http-setup';
import { api, knowledgeRows } from './helpers';

jest.setTimeout(60_000);

const OPERATIONS: RouteKey[] = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /v1/knowledge-bases',
  'GET /v1/knowledge-bases',
  'GET /v1/knowledge-bases/{id}',
  'DELETE /v1/knowledge-bases/{id}',
  'POST /v1/knowledge-bases/{id}/documents',
  'GET /v1/knowledge-bases/{id}/documents',
  'DELETE /v1/knowledge-bases/{id}/documents/{documentId}',
  'GET /v1/knowledge-bases/{id}/uploads',
  'GET /v1/knowledge-bases/{id}/uploads/{uploadId}',
  'GET /v1/knowledge-bases/{id}/vocabulary',
  'POST /v1/knowledge-bases/{id}/search',
  'GET /v1/queue-mappings',
  'GET /v1/queue-mappings/{queue}',
  'PUT /v1/queue-mappings/{queue}',
  'DELETE /v1/queue-mappings/{queue}',
  'GET /v1/assist-settings',
  'PUT /v1/assist-settings',
  'POST /v1/interactions/{interactionId}/utterances',
];
const PUBLIC: RouteKey[] = ['GET /healthz', 'GET /readyz', 'GET /metrics'];
const T = 'openapi-docs';

describe('suggestion-service OpenAPI document (/docs-json)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  let doc: OpenAPIObject;
  const { mismatch, requestSchema } = openApiChecks(() => doc);

  beforeAll(async () => {
    world = await createTestWorld();
    const config = loadConfig('suggestion-service', SuggestionConfigSchema, { ...world.env, PORT: '0' });
    const logger = createLogger('suggestion-service', config.LOG_LEVEL);
    const started = await bootstrapService({
      module: AppModule.forRoot(config, { logger }),
      logger,
      port: 0,
      host: '127.0.0.1',
      configure: (a) => configureSuggestionHttp(a, config),
    });
    app = started.app;
    url = `http://127.0.0.1:${started.port}`;
    const res = await api(url, 'GET', '/docs-json', undefined);
    expect(res.status).toBe(200);
    doc = res.body;
  });

  afterAll(async () => {
    await app?.close();
    await world?.drop();
  });

  it('documents every route the service registers, with schemas for bodies, successes and problems', () => {
    expect(registeredRoutes(app)).toEqual([...OPERATIONS].sort());
    expect(documentedRoutes(doc)).toEqual([...OPERATIONS].sort());
    expect(auditOpenApiDocument(doc, registeredRoutes(app), { publicRoutes: PUBLIC })).toEqual([]);
    expect(doc.components?.securitySchemes?.oauth2).toMatchObject({ type: 'oauth2' });
    expect(operationOf(doc, 'POST /v1/knowledge-bases').security).toEqual([
      { apiKey: ['knowledge:write'] },
      { oauth2: ['knowledge:write'] },
    ]);
  });

  it('every guarded route: no credential → 401, wrong scope → 403, another tenant’s ids → 404', async () => {
    const W = 'walk-owner';
    const kb = await api(url, 'POST', '/v1/knowledge-bases', W, { name: 'Walk KB' });
    const uploadId = randomUUID();
    const up = await api(
      url,
      'POST',
      `/v1/knowledge-bases/${kb.body.id}/documents`,
      W,
      JSON.stringify(knowledgeRows(1)[0]),
      {
        'content-type': 'application/x-ndjson',
        'upload-id': uploadId,
      },
    );
    expect(up.status).toBe(201);
    const docs = await api(url, 'GET', `/v1/knowledge-bases/${kb.body.id}/documents`, W);
    expect(
      (await api(url, 'PUT', '/v1/queue-mappings/Walk', W, { knowledgeBaseId: kb.body.id })).status,
    ).toBe(200);
    const walk = await walkGuardedRoutes({
      baseUrl: url,
      doc,
      ownerTenant: W,
      otherTenant: 'walk-other',
      params: { id: kb.body.id, uploadId, documentId: docs.body.items[0].id, queue: 'Walk' },
      bodies: {
        'PUT /v1/queue-mappings/{queue}': { knowledgeBaseId: kb.body.id },
        'POST /v1/knowledge-bases/{id}/search': { query: 'opening hours' },
        'POST /v1/knowledge-bases/{id}/documents': {
          contentType: 'application/x-ndjson',
          raw: JSON.stringify(knowledgeRows(1)[0]),
        },
      },
      // the interaction id and queue key name the caller's own namespace: another tenant writing them
      // creates its own (PUT with the owner's knowledge base is refused as 400 by the foreign-KB check)
      skipCrossTenant: ['POST /v1/interactions/{interactionId}/utterances', 'PUT /v1/queue-mappings/{queue}'],
    });
    expect(walk.problems).toEqual([]);
    expect(walk.unguarded.sort()).toEqual([...PUBLIC].sort());
    expect((await api(url, 'GET', `/v1/knowledge-bases/${kb.body.id}`, W)).status).toBe(200);
    expect((await api(url, 'GET', '/v1/queue-mappings/Walk', W)).body.knowledgeBaseId).toBe(kb.body.id);
  });

  it('request bodies come from the validating zod schemas (required fields named)', () => {
    expect(requestSchema('POST /v1/knowledge-bases').required).toEqual(['name']);
    expect(requestSchema('PUT /v1/queue-mappings/{queue}').required).toEqual(['knowledgeBaseId']);
    expect(requestSchema('PUT /v1/assist-settings').required ?? []).toEqual([]);
    expect(requestSchema('POST /v1/interactions/{interactionId}/utterances').required).toEqual([
      'speaker',
      'text',
      'provider',
    ]);
    const upload = operationOf(doc, 'POST /v1/knowledge-bases/{id}/documents');
    expect(Object.keys((upload.requestBody as { content: object }).content)).toEqual(
      expect.arrayContaining(['application/x-ndjson', 'text/markdown', 'text/html', 'text/plain']),
    );
    expect(requestSchema('POST /v1/knowledge-bases/{id}/documents', 'application/x-ndjson').required).toEqual(
      ['id', 'title', 'text'],
    );
    expect(Object.keys(upload.responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '502',
    ]);
  });

  it('real responses match the documented schemas (success, 400 naming the field, 404)', async () => {
    const kb = await api(url, 'POST', '/v1/knowledge-bases', T, { name: 'Docs KB' });
    expect(kb.status).toBe(201);
    expect(mismatch('POST /v1/knowledge-bases', 201, kb.body)).toBeNull();
    const uploadId = randomUUID();
    const ndjson = knowledgeRows(3)
      .map((r) => JSON.stringify(r))
      .join('\n');
    const up = await api(url, 'POST', `/v1/knowledge-bases/${kb.body.id}/documents`, T, ndjson, {
      'content-type': 'application/x-ndjson',
      'upload-id': uploadId,
    });
    expect(up.status).toBe(201);
    expect(mismatch('POST /v1/knowledge-bases/{id}/documents', 201, up.body)).toBeNull();
    const checks: [RouteKey, string][] = [
      ['GET /v1/knowledge-bases', '/v1/knowledge-bases'],
      ['GET /v1/knowledge-bases/{id}', `/v1/knowledge-bases/${kb.body.id}`],
      ['GET /v1/knowledge-bases/{id}/documents', `/v1/knowledge-bases/${kb.body.id}/documents`],
      ['GET /v1/knowledge-bases/{id}/uploads', `/v1/knowledge-bases/${kb.body.id}/uploads`],
      [
        'GET /v1/knowledge-bases/{id}/uploads/{uploadId}',
        `/v1/knowledge-bases/${kb.body.id}/uploads/${uploadId}`,
      ],
      ['GET /v1/knowledge-bases/{id}/vocabulary', `/v1/knowledge-bases/${kb.body.id}/vocabulary`],
    ];
    for (const [route, path] of checks) {
      const r = await api(url, 'GET', path, T);
      expect([route, r.status]).toEqual([route, 200]);
      expect([route, mismatch(route, 200, r.body)]).toEqual([route, null]);
    }
    const mapping = await api(url, 'PUT', '/v1/queue-mappings/Support', T, { knowledgeBaseId: kb.body.id });
    expect(mapping.status).toBe(200);
    expect(mismatch('PUT /v1/queue-mappings/{queue}', 200, mapping.body)).toBeNull();
    const list = await api(url, 'GET', '/v1/queue-mappings', T);
    expect(mismatch('GET /v1/queue-mappings', 200, list.body)).toBeNull();
    const settings = await api(url, 'PUT', '/v1/assist-settings', T, { defaultKnowledgeBaseId: kb.body.id });
    expect(mismatch('PUT /v1/assist-settings', 200, settings.body)).toBeNull();
    const utterance = await api(url, 'POST', '/v1/interactions/int-docs/utterances', T, {
      speaker: 'customer',
      text: 'Where is my order?',
      provider: 'widget',
    });
    expect(utterance.status).toBe(202);
    expect(mismatch('POST /v1/interactions/{interactionId}/utterances', 202, utterance.body)).toBeNull();

    const foreignKb = await api(url, 'PUT', '/v1/queue-mappings/Billing', T, {
      knowledgeBaseId: randomUUID(),
    });
    expect(foreignKb.status).toBe(400);
    expect(foreignKb.body.errors).toEqual([{ field: 'knowledgeBaseId', message: expect.any(String) }]);
    expect(mismatch('PUT /v1/queue-mappings/{queue}', 400, foreignKb.body)).toBeNull();
    const badRow = await api(
      url,
      'POST',
      `/v1/knowledge-bases/${kb.body.id}/documents`,
      T,
      '{"id":"x","title":"no text"}',
      { 'content-type': 'application/x-ndjson' },
    );
    expect(badRow.status).toBe(400);
    expect(badRow.body).toMatchObject({ line: 1, field: 'text', errors: [{ field: 'text' }] });
    expect(mismatch('POST /v1/knowledge-bases/{id}/documents', 400, badRow.body)).toBeNull();
    const noTenant = await api(url, 'GET', '/v1/assist-settings', undefined);
    expect(noTenant.status).toBe(401);
    expect(mismatch('GET /v1/assist-settings', 401, noTenant.body, 'application/json')).toBeNull();
    const missing = await api(url, 'GET', `/v1/knowledge-bases/${randomUUID()}`, T);
    expect(missing.status).toBe(404);
    expect(mismatch('GET /v1/knowledge-bases/{id}', 404, missing.body)).toBeNull();
  });
});
