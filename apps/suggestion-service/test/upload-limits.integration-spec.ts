import type { INestApplication } from '@nestjs/common';
import { authHeaders, createTestWorld, type TestWorld } from '@hub/testing';
import { api, startService, toJsonl } from './helpers';

/** FAQ rows in the shape of the DSTC11 knowledge base (a limits test: the content does not matter). */
function faqRows(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `hotel/${i}/faq/1`,
    entity: `GUEST HOUSE ${i}`,
    title: `Is there free parking at guest house ${i}?`,
    text: `Yes, guest house ${i} offers free parking on site for every guest, no reservation needed.`,
  }));
}

jest.setTimeout(60_000);

const T = 'acme';
const CAP = 4096;

/** POSTs `chunks` as a chunked (no Content-Length) streamed body. */
async function streamed(url: string, headers: Record<string, string>, chunks: Buffer[]) {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const ch of chunks) c.enqueue(ch);
      c.close();
    },
  });
  const res = await fetch(url, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('knowledge-base uploads: byte cap counted while streaming (413), content must be text (415)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  let kbId: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    world = await createTestWorld();
    ({ app, url } = await startService(world, {
      ASSIST_MAX_UPLOAD_BYTES: String(CAP),
      HTTP_JSON_LIMIT_BYTES: '2048',
    }));
    headers = await authHeaders(T);
    const kb = await api(url, 'POST', '/v1/knowledge-bases', undefined, { name: 'limits' }, headers);
    expect(kb.status).toBe(201);
    kbId = kb.body.id;
  });

  afterAll(async () => {
    await app?.close();
    await world?.drop();
  });

  const documentCount = async () =>
    (await api(url, 'GET', `/v1/knowledge-bases/${kbId}`, undefined, undefined, headers)).body.documentCount;

  it('a streamed JSON Lines upload (no Content-Length) past ASSIST_MAX_UPLOAD_BYTES is 413 naming the limit; nothing stored', async () => {
    const rows = toJsonl(faqRows(60));
    const bytes = Buffer.from(rows);
    expect(bytes.length).toBeGreaterThan(CAP);
    const chunks = [];
    for (let i = 0; i < bytes.length; i += 1000) chunks.push(bytes.subarray(i, i + 1000));
    const r = await streamed(
      `${url}/v1/knowledge-bases/${kbId}/documents`,
      { ...headers, 'content-type': 'application/x-ndjson' },
      chunks,
    );
    expect(r.status).toBe(413);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 413, limitBytes: CAP, errors: [{ field: 'body' }] });
    expect(String(r.body['detail'])).toBe(
      `body: larger than the limit of ${CAP} bytes (ASSIST_MAX_UPLOAD_BYTES)`,
    );
    expect(await documentCount()).toBe(0);
  });

  it('a declared Content-Length above the cap is refused before the body is read', async () => {
    const body = Buffer.alloc(CAP + 1, 'a');
    const r = await api(url, 'POST', `/v1/knowledge-bases/${kbId}/documents`, undefined, body.toString(), {
      ...headers,
      'content-type': 'application/x-ndjson',
    });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ limitBytes: CAP });
  });

  it('binary content is 415 naming body, whatever its declared type', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]);
    const asJsonl = await streamed(
      `${url}/v1/knowledge-bases/${kbId}/documents`,
      { ...headers, 'content-type': 'application/x-ndjson' },
      [png],
    );
    expect(asJsonl.status).toBe(415);
    expect(asJsonl.type).toMatch(/^application\/problem\+json/);
    expect(asJsonl.body).toMatchObject({
      errors: [{ field: 'body', message: 'body: content is image/png, not text' }],
    });
    const latin1 = await streamed(
      `${url}/v1/knowledge-bases/${kbId}/documents?documentId=faq-1`,
      { ...headers, 'content-type': 'text/plain' },
      [Buffer.from('Caf\xe9 opening hours', 'latin1')],
    );
    expect(latin1.status).toBe(415);
    expect(String(latin1.body['detail'])).toBe('body: content is not valid UTF-8');
    expect(await documentCount()).toBe(0);
  });

  it('an upload within the cap is stored', async () => {
    const rows = toJsonl(faqRows(3));
    expect(Buffer.byteLength(rows)).toBeLessThan(CAP);
    const r = await api(url, 'POST', `/v1/knowledge-bases/${kbId}/documents`, undefined, rows, {
      ...headers,
      'content-type': 'application/x-ndjson',
    });
    expect(r.status).toBe(201);
    expect(await documentCount()).toBe(3);
  });

  it('a JSON body over HTTP_JSON_LIMIT_BYTES is 413 naming the limit', async () => {
    const r = await api(
      url,
      'POST',
      '/v1/knowledge-bases',
      undefined,
      { name: 'x', description: 'y'.repeat(3000) },
      headers,
    );
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ limitBytes: 2048, errors: [{ field: 'body' }] });
  });
});
