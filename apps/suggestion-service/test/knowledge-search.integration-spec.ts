import type { INestApplication } from '@nestjs/common';
import { createTestWorld, type TestWorld } from '@hub/testing';
import { api, knowledgeRowsOf, startService, toJsonl } from './helpers';

describe('POST /v1/knowledge-bases/{id}/search (the retrieval the escalation decision uses)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  let kb: string;

  beforeAll(async () => {
    world = await createTestWorld();
    ({ app, url } = await startService(world, {
      ASSIST_CONSUMER_GROUP: 'search-spec',
      ASSIST_RETRIEVAL_CONFIDENCE_THRESHOLD: '0.4',
    }));
    kb = (await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'guest houses' })).body.id;
    const up = await api(
      url,
      'POST',
      `/v1/knowledge-bases/${kb}/documents`,
      'acme',
      toJsonl(knowledgeRowsOf(['A AND B GUEST HOUSE'])),
      { 'content-type': 'application/x-ndjson' },
    );
    expect(up.status).toBe(201);
  }, 60000);
  afterAll(async () => {
    await app?.close();
    await world?.drop();
  });

  it('ranks chunks with scores and returns the confidence with the configured threshold', async () => {
    const res = await api(url, 'POST', `/v1/knowledge-bases/${kb}/search`, 'acme', {
      query: 'Can I bring my pet to A and B Guest House?',
    });
    expect(res.status).toBe(200);
    expect(res.body.threshold).toBe(0.4);
    expect(res.body.chunks[0].title).toBe('Can I bring my pet to A and B Guest House?');
    expect(res.body.chunks[0].score).toBeGreaterThan(res.body.chunks[1].score);
    expect(res.body.confidence).toBeGreaterThanOrEqual(0.4);
    expect(res.body.confident).toBe(true);
    expect(res.body.chunks.length).toBeLessThanOrEqual(5);
  });

  it('a conversation (turns) works like agent assist; a question sharing no term scores 0', async () => {
    const turns = await api(url, 'POST', `/v1/knowledge-bases/${kb}/search`, 'acme', {
      turns: [
        { speaker: 'customer', text: 'We are staying at A and B Guest House.' },
        { speaker: 'agent', text: 'How can I help?' },
        { speaker: 'customer', text: 'Is there parking for guests?' },
      ],
      topK: 2,
    });
    expect(turns.body.chunks).toHaveLength(2);
    expect(turns.body.chunks[0].text).toMatch(/parking/i);
    const none = await api(url, 'POST', `/v1/knowledge-bases/${kb}/search`, 'acme', {
      query: 'how do i reset my router password',
    });
    expect(none.body).toMatchObject({ confidence: 0, confident: false, chunks: [] });
  });

  it('400 naming the field, 404 for another tenant’s knowledge base (403: the OpenAPI route walker)', async () => {
    const bad = await api(url, 'POST', `/v1/knowledge-bases/${kb}/search`, 'acme', { topK: 99 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['query', 'topK']);
    expect(
      (await api(url, 'POST', `/v1/knowledge-bases/${kb}/search`, 'globex', { query: 'pets' })).status,
    ).toBe(404);
  });
});
