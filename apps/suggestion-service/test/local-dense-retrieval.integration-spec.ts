/**
 * @jest-environment ../../../libs/embeddings/test/onnx-jest-environment.js
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import { createTestWorld, waitFor, WORKSPACE_ROOT, type TestWorld } from '@hub/testing';
import { DEFAULT_LOCAL_EMBEDDING_MODEL } from '../src/config';
import { api, knowledgeRows, startService, toJsonl } from './helpers';

/** A small retail FAQ whose wording shares no word with the paraphrased questions below. */
const FAQ = [
  {
    id: 'refunds',
    title: 'Refund policy',
    text: 'Unused items can be returned within 30 days of purchase for a full refund to the original payment card.',
  },
  {
    id: 'delivery',
    title: 'Delivery times',
    text: 'Orders ship within two business days. Express delivery reaches most addresses the next day.',
  },
  {
    id: 'lockers',
    title: 'Parcel lockers',
    text: 'Every store has parcel lockers where online orders wait for seven days.',
  },
  {
    id: 'password',
    title: 'Resetting your password',
    text: 'Choose Forgot password on the sign-in page and follow the link we email you.',
  },
  {
    id: 'hours',
    title: 'Opening hours',
    text: 'Stores open from nine to six on weekdays and from ten to four on Saturdays.',
  },
  {
    id: 'warranty',
    title: 'Warranty',
    text: 'Electrical appliances carry a two year warranty covering manufacturing faults.',
  },
  {
    id: 'giftcards',
    title: 'Gift cards',
    text: 'Gift cards are valid for three years and can be used in stores and online.',
  },
  {
    id: 'loyalty',
    title: 'Loyalty points',
    text: 'Members earn one point per pound spent and redeem points at checkout.',
  },
];

/** Paraphrases: no lexeme in common with their gold document (checked by PostgreSQL below). */
const PARAPHRASES: [question: string, gold: string][] = [
  ['I cannot remember my login, what now?', 'password'],
  ['When are you closed at the weekend?', 'hours'],
];

// model load + real ONNX inference on a shared, loaded 2-core machine
jest.setTimeout(240_000);

/** Rows uploaded in one go to a service whose database closes transactions idle for more than a second. */
const LARGE_UPLOAD_ROWS = 300;

describe(`local dense retrieval (${DEFAULT_LOCAL_EMBEDDING_MODEL} in process → hybrid ranking in PostgreSQL)`, () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  let prisma: PrismaClient;
  let denseKb: string;
  let lexical: { app: INestApplication; url: string };
  let lexicalKb: string;

  const upload = (base: string, kb: string, rows: unknown[], headers: Record<string, string> = {}) =>
    api(base, 'POST', `/v1/knowledge-bases/${kb}/documents`, 'acme', toJsonl(rows), {
      'content-type': 'application/x-ndjson',
      ...headers,
    });
  const search = (base: string, kb: string, query: string) =>
    api(base, 'POST', `/v1/knowledge-bases/${kb}/search`, 'acme', { query, topK: 3 });
  const sharedLexemes = async (kb: string, documentId: string, text: string) =>
    (
      await prisma.$queryRawUnsafe<{ shared: string[] }[]>(
        `SELECT ARRAY(SELECT unnest(tsvector_to_array(to_tsvector('english', $3)))
                      INTERSECT SELECT unnest(tsvector_to_array(c.tsv))) AS shared
         FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id
         WHERE c.knowledge_base_id = $1::uuid AND d.external_id = $2`,
        kb,
        documentId,
        text,
      )
    )[0].shared;

  beforeAll(async () => {
    world = await createTestWorld();
    prisma = createPrismaClient(world.databaseUrl, 2);
    ({ app, url } = await startService(world, {
      ASSIST_LOCAL_EMBEDDING_MODEL: DEFAULT_LOCAL_EMBEDDING_MODEL,
      ASSIST_EMBEDDING_BATCH_SIZE: '32',
      ASSIST_QUERY_EMBEDDING_TIMEOUT_MS: '20000',
      // a transaction idle for more than 1 s is closed by the server: an upload that embeds its rows inside its
      // transaction without a longer limit of its own fails (the crash of the 2026-12-02 evaluation)
      DATABASE_IDLE_IN_TX_TIMEOUT_MS: '1000',
    }));
    lexical = await startService(world, { ASSIST_RETRIEVAL: 'lexical' });
    denseKb = (await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'faq-local' })).body.id;
    lexicalKb = (await api(lexical.url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'faq-lexical' })).body
      .id;
  });

  afterAll(async () => {
    await app?.close();
    await lexical?.app.close();
    await prisma?.$disconnect();
    await world?.drop();
  });

  it('embeds every chunk at upload with the local model and records it on the knowledge base', async () => {
    const r = await upload(url, denseKb, FAQ);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ documents: 8, chunks: 8 });
    const kb = (await api(url, 'GET', `/v1/knowledge-bases/${denseKb}`, 'acme')).body;
    expect(kb.embeddingModel).toBe(`local:${DEFAULT_LOCAL_EMBEDDING_MODEL}`);
    const stored = await prisma.$queryRawUnsafe<{ n: number; dims: number; norm: number }[]>(
      `SELECT count(*)::int AS n, min(cardinality(embedding))::int AS dims,
              min((SELECT sqrt(sum(x::float8 * x::float8)) FROM unnest(embedding) x))::float8 AS norm
       FROM kb_chunks WHERE knowledge_base_id = $1::uuid AND embedding IS NOT NULL`,
      denseKb,
    );
    expect(stored[0]).toEqual({ n: 8, dims: 384, norm: expect.closeTo(1, 4) });
    expect((await upload(lexical.url, lexicalKb, FAQ)).status).toBe(201);
    const none = await prisma.$queryRawUnsafe<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM kb_chunks WHERE knowledge_base_id = $1::uuid AND embedding IS NOT NULL',
      lexicalKb,
    );
    expect(none[0].n).toBe(0);
  });

  it.each(PARAPHRASES)(
    'finds the chunk for "%s" (no word in common) by meaning; the lexical service finds nothing',
    async (question, gold) => {
      expect(await sharedLexemes(denseKb, gold, question)).toEqual([]);
      const hybrid = await search(url, denseKb, question);
      expect(hybrid.status).toBe(200);
      expect(hybrid.body.mode).toBe('hybrid');
      expect(hybrid.body.chunks[0].documentId).toBe(gold);
      const lex = await search(lexical.url, lexicalKb, question);
      expect(lex.body.mode).toBe('lexical');
      expect(lex.body.chunks.map((c: { documentId: string }) => c.documentId)).not.toContain(gold);
    },
  );

  it('keeps the lexical hits in the fused ranking', async () => {
    // exact words of the lockers document: lexical rank 1, so fusion keeps it first
    const question = 'parcel lockers for online orders';
    const lex = await search(lexical.url, lexicalKb, question);
    expect(lex.status).toBe(200);
    expect(lex.body.chunks[0].documentId).toBe('lockers');
    const hybrid = await search(url, denseKb, question);
    expect(hybrid.body.mode).toBe('hybrid');
    expect(hybrid.body.chunks[0].documentId).toBe('lockers');
    // a word only the warranty document has, in a question phrased otherwise: still found
    const rare = await search(url, denseKb, 'is my kettle covered against manufacturing faults?');
    expect(rare.body.chunks.map((c: { documentId: string }) => c.documentId)).toContain('warranty');
  });

  it('does not start when hybrid retrieval is configured and the model files are missing, naming them', async () => {
    const dir = `/tmp/no-models-${randomUUID()}`;
    // the service as a deployment starts it (Nest exits the process when a provider fails)
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--require', '@swc-node/register', 'apps/suggestion-service/src/main.ts'],
        {
          cwd: WORKSPACE_ROOT,
          env: {
            PATH: process.env['PATH'] ?? '',
            HOME: process.env['HOME'] ?? '',
            ...world.env,
            PORT: '0',
            ASSIST_RETRIEVAL: 'hybrid',
            HUB_MODELS_DIR: dir,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`suggestion-service did not exit within 120 s: ${stderr.slice(-2000)}`));
      }, 120_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `${dir}/${DEFAULT_LOCAL_EMBEDDING_MODEL}/model.onnx, ${dir}/${DEFAULT_LOCAL_EMBEDDING_MODEL}/tokenizer.json not found: run \`bash tools/models/fetch-models.sh\` first`,
    );
  });

  it(`uploads ${LARGE_UPLOAD_ROWS} real rows while the database closes transactions idle for 1 s, with truthful progress`, async () => {
    const kb = (await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'hotels-local' })).body.id;
    const rows = knowledgeRows(LARGE_UPLOAD_ROWS);
    const uploadId = randomUUID();
    const seen: number[] = [];
    let done = false;
    const polling = (async () => {
      while (!done) {
        const p = await api(url, 'GET', `/v1/knowledge-bases/${kb}/uploads/${uploadId}`, 'acme');
        if (p.status === 200) seen.push(p.body.processedDocuments);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const t0 = performance.now();
    const r = await upload(url, kb, rows, { 'upload-id': uploadId });
    done = true;
    await polling;
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ documents: LARGE_UPLOAD_ROWS, chunks: LARGE_UPLOAD_ROWS });
    // embedding 300 chunks takes seconds: the upload transaction outlived the 1 s idle limit
    expect(performance.now() - t0).toBeGreaterThan(1000);
    const final = await waitFor(
      async () => {
        const p = (await api(url, 'GET', `/v1/knowledge-bases/${kb}/uploads/${uploadId}`, 'acme')).body;
        return p.status === 'succeeded' ? p : undefined;
      },
      { timeoutMs: 10_000, what: 'upload succeeded' },
    );
    expect(final).toMatchObject({ processedDocuments: LARGE_UPLOAD_ROWS, chunks: LARGE_UPLOAD_ROWS });
    // progress only grows, and was reported while the rows were being embedded (batches of 32 chunks)
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(seen.some((n) => n > 0 && n < LARGE_UPLOAD_ROWS)).toBe(true);
    const vectors = await prisma.$queryRawUnsafe<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM kb_chunks WHERE knowledge_base_id = $1::uuid AND embedding IS NOT NULL',
      kb,
    );
    expect(vectors[0].n).toBe(LARGE_UPLOAD_ROWS);
    // and its chunks are found by meaning: a hotel's parking answer for a question without its words
    const hit = await api(url, 'POST', `/v1/knowledge-bases/${kb}/search`, 'acme', {
      turns: [{ speaker: 'customer', text: 'Can I leave my car at A and B Guest House?' }],
      topK: 5,
    });
    expect(hit.status).toBe(200);
    expect(hit.body.mode).toBe('hybrid');
    expect(hit.body.chunks.slice(0, 5).map((c: { title: string }) => c.title)).toEqual(
      expect.arrayContaining([expect.stringMatching(/parking/i)]),
    );
  });
});
