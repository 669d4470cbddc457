import type { INestApplication } from '@nestjs/common';
import { createTestWorld, type TestWorld } from '@hub/testing';
import { api, knowledgeRows, knowledgeRowsOf, startService, toJsonl } from './helpers';

describe('knowledge bases (PostgreSQL)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    world = await createTestWorld();
    ({ app, url } = await startService(world, { ASSIST_CONSUMER_GROUP: 'kb-spec' }));
  }, 60000);
  afterAll(async () => {
    await app?.close();
    await world?.drop();
  });

  const upload = (
    kbId: string,
    tenant: string,
    body: string,
    type = 'application/x-ndjson',
    query = '',
    headers = {},
  ) =>
    api(url, 'POST', `/v1/knowledge-bases/${kbId}/documents${query}`, tenant, body, {
      'content-type': type,
      ...headers,
    });

  it('creates, lists and isolates knowledge bases by tenant', async () => {
    const created = await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'hotels' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'hotels', documentCount: 0 });
    expect((await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'hotels' })).status).toBe(409);
    const bad = await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('name:');
    const anonymous = await api(url, 'POST', '/v1/knowledge-bases', undefined, { name: 'x' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.message).toContain('Authorization');

    const list = await api(url, 'GET', '/v1/knowledge-bases', 'acme');
    expect(list.body.items.map((k: { id: string }) => k.id)).toContain(created.body.id);
    expect((await api(url, 'GET', `/v1/knowledge-bases/${created.body.id}`, 'globex')).status).toBe(404);
    expect((await api(url, 'GET', '/v1/knowledge-bases', 'globex')).body.items).toEqual([]);
    expect((await upload(created.body.id, 'globex', toJsonl(knowledgeRows(2)))).status).toBe(404);
    expect((await api(url, 'DELETE', `/v1/knowledge-bases/${created.body.id}`, 'globex')).status).toBe(404);
    expect((await api(url, 'DELETE', `/v1/knowledge-bases/${created.body.id}`, 'acme')).status).toBe(204);
    expect((await api(url, 'GET', `/v1/knowledge-bases/${created.body.id}`, 'acme')).status).toBe(404);
  });

  it('ingests JSON Lines with progress, replaces re-added documents, and rejects a bad file without changing the KB', async () => {
    const kb = (await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'cambridge' })).body;
    const rows = knowledgeRows(300);
    const uploadId = '6f1d3c2a-8a8b-4c1e-9a57-3c2f0e7f4b11';
    const ok = await upload(kb.id, 'acme', toJsonl(rows), 'application/x-ndjson', '', {
      'upload-id': uploadId,
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ uploadId, documents: 300, chunks: 300 });
    const progress = await api(url, 'GET', `/v1/knowledge-bases/${kb.id}/uploads/${uploadId}`, 'acme');
    expect(progress.body).toMatchObject({ status: 'succeeded', processedDocuments: 300 });
    expect(progress.body.processedBytes).toBe(Buffer.byteLength(toJsonl(rows)));

    // re-adding a document replaces its chunks
    const changed = { ...rows[0], text: 'Completely rewritten answer about parking meters.' };
    expect((await upload(kb.id, 'acme', toJsonl([changed]))).status).toBe(201);
    const docs = await api(url, 'GET', `/v1/knowledge-bases/${kb.id}/documents?limit=1000`, 'acme');
    expect(docs.body.items).toHaveLength(300);
    expect(docs.body.items.find((d: { id: string }) => d.id === rows[0].id).chunks).toBe(1);
    const after = (await api(url, 'GET', `/v1/knowledge-bases/${kb.id}`, 'acme')).body;
    expect(after).toMatchObject({ documentCount: 300, chunkCount: 300 });

    // a bad line (missing text) anywhere → 400 naming line and field; nothing of the file is stored
    const badRows = [...knowledgeRows(320).slice(300), { id: 'x-1', title: 'no text' }];
    const bad = await upload(kb.id, 'acme', toJsonl(badRows));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('line 21: text: Invalid input: expected string, received undefined');
    expect(bad.body).toMatchObject({ line: 21, field: 'text' });
    const invalidJson = await upload(kb.id, 'acme', '{"id":"a","title":"t","text":"x"}\n{oops\n');
    expect(invalidJson.status).toBe(400);
    expect(invalidJson.body.message).toMatch(/^line 2: invalid JSON/);
    const same = (await api(url, 'GET', `/v1/knowledge-bases/${kb.id}`, 'acme')).body;
    expect(same).toMatchObject({ documentCount: 300, chunkCount: 300, revision: after.revision });
    expect((await upload(kb.id, 'acme', 'hello', 'application/pdf')).status).toBe(415);
  });

  it('lists the entity names as the tenant vocabulary, most documented first, per tenant', async () => {
    const kb = (await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'vocabulary' })).body;
    const rows = [
      ...knowledgeRowsOf(['GOLDEN WOK', 'LIMEHOUSE']),
      { id: 'policy-1', title: 'Cancellation policy', text: 'No entity on this one.' },
    ];
    expect((await upload(kb.id, 'acme', toJsonl(rows))).status).toBe(201);
    const count = (e: string) => rows.filter((r) => 'entity' in r && r.entity === e).length;
    const res = await api(url, 'GET', `/v1/knowledge-bases/${kb.id}/vocabulary`, 'acme');
    expect(res.status).toBe(200);
    const expected = [
      { name: 'GOLDEN WOK', documents: count('GOLDEN WOK') },
      { name: 'LIMEHOUSE', documents: count('LIMEHOUSE') },
    ].sort((a, b) => b.documents - a.documents || a.name.localeCompare(b.name));
    expect(res.body.items).toEqual(expected);
    const one = await api(url, 'GET', `/v1/knowledge-bases/${kb.id}/vocabulary?limit=1`, 'acme');
    expect(one.body.items).toEqual(expected.slice(0, 1));
    const bad = await api(url, 'GET', `/v1/knowledge-bases/${kb.id}/vocabulary?limit=0`, 'acme');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('limit');
    expect((await api(url, 'GET', `/v1/knowledge-bases/${kb.id}/vocabulary`, 'globex')).status).toBe(404);
  });

  it('ingests Markdown sections and HTML documents', async () => {
    const kb = (await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'policies' })).body;
    const md =
      '# Refund policy\n\nRefunds are issued within **14 days**.\n\n## Exceptions\n\nGift cards are *not* refundable.\n';
    const r1 = await upload(kb.id, 'acme', md, 'text/markdown', '?documentId=refunds');
    expect(r1.status).toBe(201);
    expect(r1.body).toMatchObject({ documents: 1, chunks: 2 });
    const html =
      '<html><head><title>Shipping</title><script>var x=1</script></head><body><h1>Shipping</h1><p>Orders ship in <b>2 days</b>.</p></body></html>';
    const r2 = await upload(kb.id, 'acme', html, 'text/html', '?documentId=shipping');
    expect(r2.status).toBe(201);
    const docs = (await api(url, 'GET', `/v1/knowledge-bases/${kb.id}/documents`, 'acme')).body.items;
    expect(docs.map((d: { id: string; title: string; format: string }) => [d.id, d.title, d.format])).toEqual(
      [
        ['refunds', 'Refund policy', 'markdown'],
        ['shipping', 'Shipping', 'html'],
      ],
    );
    const noId = await upload(kb.id, 'acme', md, 'text/markdown');
    expect(noId.status).toBe(400);
    expect(noId.body.message).toContain('documentId');
  });
});
