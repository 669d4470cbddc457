import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createTestWorld, authHeaders, type TestWorld } from '@hub/testing';
import { RetrieveUseCase } from '../src/retrieval/retrieve.usecase';
import { RetrievalRepository } from '../src/retrieval/retrieval.repository';
import { knowledgeRows, startService, toJsonl } from './helpers';

/**
 * Row-level security in retrieval: the service connects as `hub_app`, so a knowledge base id of another
 * tenant reaches none of its chunks, documents or term statistics — even through the repository's raw
 * ranking SQL, which filters by knowledge base only.
 */
describe('retrieval tenant isolation (row-level security)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  let kbId: string;

  const call = async (
    method: string,
    path: string,
    tenant: string,
    body?: string,
    type = 'application/json',
  ) => {
    const res = await fetch(url + path, {
      method,
      headers: { ...(await authHeaders(tenant)), 'content-type': type },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const ask = (tenantId: string, question: string) =>
    app.get(RetrieveUseCase).execute({
      tenantId,
      knowledgeBaseId: kbId,
      window: [{ utteranceId: randomUUID(), speaker: 'customer', text: question }],
      topK: 5,
    });

  beforeAll(async () => {
    world = await createTestWorld();
    ({ app, url } = await startService(world, { ASSIST_CONSUMER_GROUP: 'rls-spec' }));
    const kb = await call('POST', '/v1/knowledge-bases', 'acme', JSON.stringify({ name: 'hotels' }));
    expect(kb.status).toBe(201);
    kbId = kb.body.id;
    const up = await call(
      'POST',
      `/v1/knowledge-bases/${kbId}/documents`,
      'acme',
      toJsonl(knowledgeRows(40)),
      'application/x-ndjson',
    );
    expect(up.status).toBeLessThan(300);
  }, 60000);
  afterAll(async () => {
    await app?.close();
    await world?.drop();
  });

  it("retrieval as another tenant with the knowledge base's id finds nothing; as the owner it finds the passage", async () => {
    const question = 'Can I bring my pet to A and B Guest House?';
    const mine = await ask('acme', question);
    expect(mine.passages[0]?.title).toBe(question);
    const theirs = await ask('globex', question);
    expect(theirs.passages).toEqual([]);
    expect(theirs.confidence).toBe(0);
  });

  it('the repository itself (raw SQL filtered by knowledge base only) returns nothing of another tenant', async () => {
    const repo = app.get(RetrievalRepository);
    expect(await repo.kbState('globex', kbId)).toBeNull();
    const search = (tenantId: string) =>
      repo.search({
        tenantId,
        kbId,
        texts: [{ text: 'pets allowed guest house', weight: 1 }],
        entities: [],
        limit: 5,
      });
    expect((await search('acme')).hits.length).toBeGreaterThan(0);
    expect(await search('globex')).toEqual({ hits: [], maxPossible: 0 });
    const entities = await repo.entityIndexData('globex', kbId, (n) => n.split(' '));
    expect(entities).toMatchObject({ names: [], docCount: 0 });
    expect((await repo.denseVectors('globex', kbId)).size).toBe(0);
  });
});
