import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import { authHeaders, createTestWorld, type TestWorld } from '@hub/testing';
import type { UploadView } from '../src/knowledge/knowledge.repository';
import { RetrieveUseCase } from '../src/retrieval/retrieve.usecase';
import { api, DATA_DIR, knowledgeRowsOf, startService, toJsonl } from './helpers';

// the real 10,882-row knowledge base is indexed twice on a shared machine: generous limits
jest.setTimeout(180000);

/** The real DSTC11 knowledge base, as bytes and as rows. */
const KNOWLEDGE = readFileSync(join(DATA_DIR, 'retrieval', 'knowledge.jsonl'));
const LINES = KNOWLEDGE.toString('utf8').split('\n').filter(Boolean);

/**
 * POSTs `body` with a Content-Length, `chunkBytes` at a time with `pauseMs` between writes (a slow
 * client), and resolves with the response once it has arrived and the whole body was written.
 */
async function slowPost(
  base: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  chunkBytes: number,
  pauseMs: number,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted field by field
): Promise<{ status: number; body: any; respondedBeforeEnd: boolean }> {
  const req = request(new URL(path, base), {
    method: 'POST',
    agent: false,
    headers: { ...headers, 'content-length': String(body.length) },
  });
  let bodyEnded = false;
  let respondedBeforeEnd = false;
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      respondedBeforeEnd = !bodyEnded;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  for (let off = 0; off < body.length && !req.destroyed; off += chunkBytes) {
    req.write(body.subarray(off, off + chunkBytes));
    await sleep(pauseMs);
  }
  bodyEnded = true;
  req.end();
  const r = await response;
  return { status: r.status, body: JSON.parse(r.text), respondedBeforeEnd };
}

describe('knowledge uploads over HTTP (progress, failure, formats; PostgreSQL)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  let retrieve: RetrieveUseCase;

  beforeAll(async () => {
    world = await createTestWorld();
    ({ app, url } = await startService(world, { ASSIST_CONSUMER_GROUP: 'kb-upload-spec' }));
    retrieve = app.get(RetrieveUseCase);
  }, 60000);
  afterAll(async () => {
    await app?.close();
    await world?.drop();
  });

  const createKb = async (tenant: string, name: string): Promise<string> => {
    const r = await api(url, 'POST', '/v1/knowledge-bases', tenant, { name });
    expect(r.status).toBe(201);
    return r.body.id;
  };
  const kbView = async (tenant: string, kbId: string) =>
    (await api(url, 'GET', `/v1/knowledge-bases/${kbId}`, tenant)).body;
  const documents = async (tenant: string, kbId: string) =>
    (await api(url, 'GET', `/v1/knowledge-bases/${kbId}/documents?limit=1000`, tenant)).body.items as {
      id: string;
      title: string;
      format: string;
      chunks: number;
    }[];
  /** The service's retrieval for a one-question conversation (what a suggestion's sources come from). */
  const ask = async (kbId: string, question: string, topK = 5, tenantId = 'acme') => {
    const r = await retrieve.execute({
      tenantId,
      knowledgeBaseId: kbId,
      window: [{ utteranceId: randomUUID(), speaker: 'customer', text: question }],
      topK,
    });
    return { passages: r.passages, confidence: r.confidence, entities: r.entities };
  };
  /**
   * Uploads a JSON Lines `body` to the KB as a slow client ({@link slowPost}: 32 KiB writes 40 ms
   * apart) under a fresh upload id, polling the upload's progress while it runs.
   * @returns the upload id, the POST's response and every 200 answer of the progress poll, in order
   */
  const watchedUpload = async (tenant: string, kbId: string, body: Buffer) => {
    const uploadId = randomUUID();
    let finished = false;
    const polling = (async () => {
      const seen: UploadView[] = [];
      while (!finished) {
        const r = await api(url, 'GET', `/v1/knowledge-bases/${kbId}/uploads/${uploadId}`, tenant);
        if (r.status === 200) seen.push(r.body);
        else expect(r.status).toBe(404); // not created yet
        await sleep(20);
      }
      return seen;
    })();
    const res = await slowPost(
      url,
      `/v1/knowledge-bases/${kbId}/documents`,
      { ...(await authHeaders(tenant)), 'content-type': 'application/x-ndjson', 'upload-id': uploadId },
      body,
      32 * 1024,
      40,
    ).finally(() => (finished = true));
    return { uploadId, res, seen: await polling };
  };

  it('reports progress while a large JSON Lines body streams in, then the committed counts of the file', async () => {
    // every row of the real file is one chunk (texts are far below the 1,200-char chunk size)
    for (const l of LINES) expect((JSON.parse(l) as { text: string }).text.length).toBeLessThan(1200);
    const total = KNOWLEDGE.length;
    const kbId = await createKb('acme', 'dstc-progress');
    // ~2.3 MB in 32 KiB writes 40 ms apart: the body takes ≥ 2.9 s to arrive
    const { uploadId, res, seen } = await watchedUpload('acme', kbId, KNOWLEDGE);

    expect(res.status).toBe(201);
    expect(res.body).toEqual({ uploadId, documents: LINES.length, chunks: LINES.length, bytes: total });
    const during = seen.filter(
      (s) => s.status === 'running' && s.processedBytes > 0 && s.processedBytes < total,
    );
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((s) => s.totalBytes === total && s.finishedAt === null)).toBe(true);
    expect(during.some((s) => s.processedDocuments > 0 && s.processedDocuments < LINES.length)).toBe(true);
    const bytes = seen.map((s) => s.processedBytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b)); // never goes backwards

    const final = (await api(url, 'GET', `/v1/knowledge-bases/${kbId}/uploads/${uploadId}`, 'acme')).body;
    expect(final).toMatchObject({
      id: uploadId,
      knowledgeBaseId: kbId,
      status: 'succeeded',
      format: 'jsonl',
      totalBytes: total,
      processedBytes: total,
      processedDocuments: LINES.length,
      chunks: LINES.length,
      error: null,
    });
    expect(final.finishedAt).not.toBeNull();
    expect(await kbView('acme', kbId)).toMatchObject({
      documentCount: LINES.length,
      chunkCount: LINES.length,
    });
    const top = (await ask(kbId, 'Can I bring my pet to A and B Guest House?')).passages[0];
    expect(top).toMatchObject({
      documentId: 'hotel/0/faq/1',
      title: 'Can I bring my pet to A and B Guest House?',
    });
  });

  it('fails a large upload with a bad line in the middle: status failed naming the line, KB answers exactly as before', async () => {
    const kbId = await createKb('acme', 'dstc-unchanged');
    const preload = toJsonl(knowledgeRowsOf(['ASHLEY HOTEL', 'PIZZA HUT CITY CENTRE']));
    const pre = await api(url, 'POST', `/v1/knowledge-bases/${kbId}/documents`, 'acme', preload, {
      'content-type': 'application/x-ndjson',
    });
    expect(pre.status).toBe(201);
    const before = await kbView('acme', kbId);
    const docsBefore = await documents('acme', kbId);
    expect(docsBefore.map((d) => d.id)).not.toContain('hotel/0/faq/1');
    const questions = [
      'Do they have free wifi at the Ashley Hotel?',
      'Can I bring my pet to A and B Guest House?', // only in the bad file (its line 2)
      'Does Pizza Hut City Centre deliver?',
    ];
    const answersBefore = [];
    for (const q of questions) answersBefore.push(await ask(kbId, q));
    expect(answersBefore[0].passages.length).toBeGreaterThan(0);

    // the whole real file with the middle row's text removed
    const badIndex = Math.floor(LINES.length / 2);
    const badLine = badIndex + 1;
    const broken = LINES.map((l, i) => {
      if (i !== badIndex) return l;
      const { text: _dropped, ...row } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(row);
    });
    const body = Buffer.from(broken.join('\n') + '\n');
    const { uploadId, res, seen } = await watchedUpload('acme', kbId, body);

    const message = `line ${badLine}: text: Invalid input: expected string, received undefined`;
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message, line: badLine, field: 'text' });
    // rows before the bad line were parsed and written (inside the upload's transaction) before it failed
    expect(seen.some((s) => s.status === 'running' && s.processedDocuments > 0)).toBe(true);
    const status = (await api(url, 'GET', `/v1/knowledge-bases/${kbId}/uploads/${uploadId}`, 'acme')).body;
    expect(status).toMatchObject({ status: 'failed', error: message, totalBytes: body.length });
    expect(status.processedDocuments).toBeGreaterThan(0);
    expect(status.processedDocuments).toBeLessThan(badLine);
    expect(status.finishedAt).not.toBeNull();

    const after = await kbView('acme', kbId);
    expect(after).toMatchObject({
      documentCount: before.documentCount,
      chunkCount: before.chunkCount,
      revision: before.revision,
    });
    expect(await documents('acme', kbId)).toEqual(docsBefore);
    for (const [i, q] of questions.entries()) expect(await ask(kbId, q)).toEqual(answersBefore[i]);
    const pets = await ask(kbId, questions[1], 50);
    expect(pets.passages.some((p) => p.documentId.startsWith('hotel/0/'))).toBe(false);
  });

  it('indexes plain text, Markdown and HTML uploads for retrieval, and a re-added document replaces its chunks', async () => {
    const kbId = await createKb('globex', 'branch-policies');
    const upload = async (type: string, query: string, text: string) =>
      api(url, 'POST', `/v1/knowledge-bases/${kbId}/documents?${query}`, 'globex', text, {
        'content-type': type,
      });

    const hours = await upload(
      'text/plain; charset=utf-8',
      'documentId=opening-hours&title=Mill%20Road%20opening%20hours',
      'Opening hours\n\nThe Mill Road branch opens at 9 am on weekdays and closes at 5:30 pm.\nIt stays closed on Sundays and bank holidays.\n',
    );
    expect(hours.status).toBe(201);
    expect(hours.body).toMatchObject({ documents: 1, chunks: 1 });
    const refunds = await upload(
      'text/markdown',
      'documentId=refunds',
      '# Refund policy\n\nRefunds are issued within **14 days** of purchase.\n\n## Exceptions\n\nGift cards and clearance items are *not* refundable.\n',
    );
    expect(refunds.status).toBe(201);
    expect(refunds.body).toMatchObject({ documents: 1, chunks: 2 });
    const shipping = await upload(
      'text/html',
      'documentId=shipping',
      '<html><head><title>Shipping times</title><script>var parcel = "tracking";</script></head>' +
        '<body><h1>Shipping</h1><p>Every parcel leaves our warehouse within <b>2 working days</b>.</p></body></html>',
    );
    expect(shipping.status).toBe(201);
    expect(shipping.body).toMatchObject({ documents: 1, chunks: 1 });
    expect(await kbView('globex', kbId)).toMatchObject({ documentCount: 3, chunkCount: 4 });

    const hoursHit = (await ask(kbId, 'What time does the Mill Road branch open on weekdays?', 5, 'globex'))
      .passages[0];
    expect(hoursHit).toMatchObject({ documentId: 'opening-hours', title: 'Mill Road opening hours' });
    expect(hoursHit.text).toContain('opens at 9 am on weekdays');
    const giftHit = (await ask(kbId, 'Are gift cards refundable?', 5, 'globex')).passages[0];
    expect(giftHit).toMatchObject({
      documentId: 'refunds',
      title: 'Refund policy — Exceptions',
      text: 'Gift cards and clearance items are not refundable.',
    });
    const refundHit = (await ask(kbId, 'How many days until refunds are issued?', 5, 'globex')).passages[0];
    expect(refundHit).toMatchObject({ documentId: 'refunds', title: 'Refund policy' });
    expect(refundHit.text).toContain('within 14 days of purchase');
    const parcelHit = (await ask(kbId, 'When does my parcel leave the warehouse?', 5, 'globex')).passages[0];
    expect(parcelHit).toMatchObject({ documentId: 'shipping', title: 'Shipping times' });
    expect(parcelHit.text).toContain('within 2 working days');
    expect(parcelHit.text).not.toContain('tracking'); // the script is not indexed

    // re-adding the same document ids replaces their chunks
    const hours2 = await upload(
      'text/plain',
      'documentId=opening-hours&title=Mill%20Road%20opening%20hours',
      'Opening hours\n\nFrom March the Mill Road branch opens at 8 am on weekdays and on Sunday mornings until noon.\n',
    );
    expect(hours2.status).toBe(201);
    const refunds2 = await upload(
      'text/markdown',
      'documentId=refunds',
      '# Refund policy\n\nRefunds, gift cards included, are issued within **30 days** of purchase.\n',
    );
    expect(refunds2).toMatchObject({ status: 201, body: { documents: 1, chunks: 1 } });
    expect(await kbView('globex', kbId)).toMatchObject({ documentCount: 3, chunkCount: 3 });
    expect((await documents('globex', kbId)).map((d) => [d.id, d.format, d.chunks])).toEqual([
      ['opening-hours', 'text', 1],
      ['refunds', 'markdown', 1],
      ['shipping', 'html', 1],
    ]);

    const all = async (q: string) => (await ask(kbId, q, 50, 'globex')).passages;
    const texts = [
      ...(await all('What time does the Mill Road branch open on weekdays?')),
      ...(await all('Are gift cards refundable?')),
      ...(await all('How many days until refunds are issued?')),
    ].map((p) => p.text);
    expect(texts.some((t) => t.includes('9 am') || t.includes('5:30 pm'))).toBe(false);
    expect(texts.some((t) => t.includes('clearance') || t.includes('14 days'))).toBe(false);
    const newHours = (await ask(kbId, 'What time does the Mill Road branch open on weekdays?', 5, 'globex'))
      .passages[0];
    expect(newHours).toMatchObject({ documentId: 'opening-hours', title: 'Mill Road opening hours' });
    expect(newHours.text).toContain('opens at 8 am on weekdays');
    const newRefunds = (await ask(kbId, 'Are gift cards refundable?', 5, 'globex')).passages[0];
    expect(newRefunds).toMatchObject({ documentId: 'refunds', title: 'Refund policy' });
    expect(newRefunds.text).toContain('within 30 days');
  });
});
