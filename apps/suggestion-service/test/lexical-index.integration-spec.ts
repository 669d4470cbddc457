import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestWorld, type TestWorld } from '@hub/testing';
import { entityKey } from '../src/domain/text';
import { QueryLexemes } from '../src/retrieval/lexical-index';
import {
  DEFAULT_RANKING,
  RetrievalRepository,
  type SearchResult,
} from '../src/retrieval/retrieval.repository';
import { RetrieveUseCase } from '../src/retrieval/retrieve.usecase';
import { api, DATA_DIR, knowledgeRows, startService, toJsonl } from './helpers';

/**
 * The in-memory lexical index ranks as PostgreSQL does: on 2,000 real knowledge-base rows and the customer turns
 * of 30 real dialogues, the SQL search with a prefilter wide enough to keep every match and the index's search
 * return the same chunks in the same order with the same BM25F and fused scores — entity-less, with entities,
 * and with dense candidates. The service ranks in memory once the index is loaded, and reloads it when the
 * knowledge base changes.
 */
describe('in-memory lexical index (same ranking as the SQL search)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  let kbId: string;
  const rows = knowledgeRows(2000);
  const queries: string[] = readFileSync(join(DATA_DIR, 'retrieval', 'dev.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, 30)
    .flatMap((l) =>
      (JSON.parse(l) as { turns: { speaker: string; text: string }[] }).turns
        .filter((t) => t.speaker === 'customer')
        .map((t) => t.text),
    );

  beforeAll(async () => {
    world = await createTestWorld();
    ({ app, url } = await startService(world, { ASSIST_CONSUMER_GROUP: 'lexical-index-spec' }));
    const kb = await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'hotels' });
    expect(kb.status).toBe(201);
    kbId = kb.body.id;
    const up = await api(url, 'POST', `/v1/knowledge-bases/${kbId}/documents`, 'acme', toJsonl(rows), {
      'content-type': 'application/x-ndjson',
    });
    expect(up.status).toBeLessThan(300);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await world?.drop();
  });

  /** Same hits in the same order, scores equal up to float summation order. */
  const expectSameRanking = (mem: SearchResult, sql: SearchResult) => {
    expect(mem.hits.map((h) => h.chunkId)).toEqual(sql.hits.map((h) => h.chunkId));
    mem.hits.forEach((h, i) => {
      const s = sql.hits[i];
      expect(h.score).toBeCloseTo(s.score, 9);
      expect(h.lexical).toBeCloseTo(s.lexical, 9);
      expect(h.inEntity).toBe(s.inEntity);
      expect(h.cosine).toBe(s.cosine);
      expect([h.documentId, h.title, h.text, h.entityKey]).toEqual([
        s.documentId,
        s.title,
        s.text,
        s.entityKey,
      ]);
    });
    expect(mem.maxPossible).toBeCloseTo(sql.maxPossible, 9);
  };

  it('returns what PostgreSQL returns for 100+ real customer turns, with and without entities and dense candidates', async () => {
    const repo = app.get(RetrievalRepository);
    const index = await repo.lexicalIndex('acme', kbId);
    expect(index.size).toBe(rows.length);
    const lexemes = new QueryLexemes((t) => repo.stem(t));
    const entities = [...new Set(rows.map((r) => entityKey(r.entity)))];
    const chunkIds = (
      await repo.search({
        tenantId: 'acme',
        kbId,
        texts: [{ text: 'hotel', weight: 1 }],
        entities: [],
        limit: 50,
      })
    ).hits.map((h) => h.chunkId);
    expect(queries.length).toBeGreaterThan(100);
    let compared = 0;
    for (const [i, question] of queries.entries()) {
      // the query as the service builds it: the question plus a lighter earlier turn
      const texts = [
        { text: question, weight: 1 },
        { text: queries[(i + 1) % queries.length], weight: 0.3 },
      ];
      const ents = i % 3 === 1 ? [entities[i % entities.length]] : [];
      const dense =
        i % 3 === 2
          ? chunkIds.slice(i % 10, (i % 10) + 20).map((chunkId, k) => ({ chunkId, cosine: 0.9 - k / 100 }))
          : null;
      const sql = await repo.search({
        tenantId: 'acme',
        kbId,
        texts,
        entities: ents,
        limit: 10,
        dense,
        candidates: 1_000_000, // no ts_rank cut: every match is scored, as in memory
      });
      const mem = index.search({
        lexemes: await lexemes.of(texts),
        entities: ents,
        limit: 10,
        params: DEFAULT_RANKING,
        dense,
      });
      expectSameRanking(mem, sql);
      if (sql.hits.length) compared += 1;
    }
    expect(compared).toBeGreaterThan(100);
  }, 120_000);

  it('the repository loads no index of another tenant (row-level security)', async () => {
    await expect(app.get(RetrievalRepository).lexicalIndex('globex', kbId)).rejects.toThrow(/not found/);
  });

  it('the service ranks in memory once the index is loaded and sees a new upload after the revision check', async () => {
    const retrieve = app.get(RetrieveUseCase);
    const ask = (text: string) =>
      retrieve.execute({
        tenantId: 'acme',
        knowledgeBaseId: kbId,
        window: [{ utteranceId: randomUUID(), speaker: 'customer', text }],
        topK: 5,
      });
    const memorySearches = async () => {
      const m = await fetch(`${url}/metrics`).then((r) => r.text());
      const line = m
        .split('\n')
        .find((l) => l.startsWith('suggestion_lexical_searches_total{engine="memory"'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await memorySearches();
    // the first query may rank in PostgreSQL while the index loads; later ones rank in memory
    const deadline = Date.now() + 20_000;
    while ((await memorySearches()) === before && Date.now() < deadline) {
      await ask('Can I bring my pet?');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await memorySearches()).toBeGreaterThan(before);

    const added = {
      id: 'new/1',
      entity: 'ZYGOTE INN',
      title: 'Is there a xylophone in the lobby?',
      text: 'Yes, a xylophone.',
    };
    const up = await api(url, 'POST', `/v1/knowledge-bases/${kbId}/documents`, 'acme', toJsonl([added]), {
      'content-type': 'application/x-ndjson',
    });
    expect(up.status).toBeLessThan(300);
    let found = false;
    const until = Date.now() + 20_000;
    while (!found && Date.now() < until) {
      const r = await ask('xylophone lobby');
      found = r.passages[0]?.documentId === 'new/1';
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toBe(true);
    // and the reloaded index (not only the SQL fallback) finds it
    const atMemory = await memorySearches();
    let fromMemory = false;
    const until2 = Date.now() + 20_000;
    while (!fromMemory && Date.now() < until2) {
      const r = await ask('xylophone lobby');
      fromMemory = r.passages[0]?.documentId === 'new/1' && (await memorySearches()) > atMemory;
      if (!fromMemory) await new Promise((r) => setTimeout(r, 200));
    }
    expect(fromMemory).toBe(true);
  }, 90_000);
});
