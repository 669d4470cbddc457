import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request received by {@link FakeOpenAi}. */
export interface ReceivedChat {
  path: string;
  authorization?: string;
  body: { model: string; stream: boolean; messages: { role: string; content: string }[] };
}

/** A `POST /v1/embeddings` request received by {@link FakeOpenAi}, with the status it was answered with. */
export interface ReceivedEmbeddings {
  authorization?: string;
  body: { model: string; input: string | string[] };
  status: number;
}

/** Dimensions of the fake embedding vectors. */
export const FAKE_EMBEDDING_DIMS = 256;

/**
 * Synonym table of the fake embedding model: words that share a concept get the same vector
 * component, so texts that say the same thing in different words are close although they share no
 * lexeme ("money back" ~ "refund"). Every other word is its own concept.
 */
export const FAKE_SYNONYMS: Record<string, string> = {
  money: 'refund',
  refund: 'refund',
  refunds: 'refund',
  refunded: 'refund',
  reimburse: 'refund',
  returned: 'refund',
  parcel: 'delivery',
  package: 'delivery',
  arrive: 'delivery',
  arrives: 'delivery',
  ship: 'delivery',
  shipping: 'delivery',
  delivery: 'delivery',
  deliver: 'delivery',
};

const FAKE_STOPWORDS = new Set(
  'a an and are at be can do does for from how i in is it my of on or our the to we what when where will with you your'.split(
    ' ',
  ),
);

/**
 * Deterministic, meaningful fake embedding: a bag of concepts (words mapped through
 * {@link FAKE_SYNONYMS}, stop words dropped), each concept hashed (FNV-1a) to one of
 * {@link FAKE_EMBEDDING_DIMS} components, L2-normalised like OpenAI's vectors.
 */
export function fakeEmbedding(text: string): number[] {
  const v = new Array<number>(FAKE_EMBEDDING_DIMS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    if (FAKE_STOPWORDS.has(word)) continue;
    const concept = FAKE_SYNONYMS[word] ?? word;
    let h = 0x811c9dc5;
    for (let i = 0; i < concept.length; i++) h = Math.imul(h ^ concept.charCodeAt(i), 0x01000193) >>> 0;
    v[h % FAKE_EMBEDDING_DIMS] += 1;
  }
  const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  return v.map((x) => x / n);
}

/**
 * Local OpenAI-compatible server speaking the real chat-completions wire format: with
 * `stream: true` it answers `text/event-stream` with `data: {"id":…,"object":"chat.completion.chunk",
 * "choices":[{"index":0,"delta":{"content":…},"finish_reason":null}]}` events and `data: [DONE]`.
 * `mode` switches to a stalled answer (timeout) or an HTTP 500 error body. `chunkDelayMs` spaces the
 * content chunks (a slowly generated answer); with `failAfterChunks` the server sends that many
 * content chunks and then drops the connection (a provider failing mid-stream, no `[DONE]`).
 * `POST /v1/embeddings` answers the OpenAI embeddings format — request `{model, input: string |
 * string[]}`, response `{object: "list", data: [{object: "embedding", index, embedding}], model,
 * usage: {prompt_tokens, total_tokens}}` — with {@link fakeEmbedding} vectors; `embeddingsMode`
 * stalls, answers HTTP 500, or answers HTTP 429 (rate limit) to the next `failNextEmbeddings` requests.
 */
export class FakeOpenAi {
  readonly received: ReceivedChat[] = [];
  readonly embeddings: ReceivedEmbeddings[] = [];
  mode: 'ok' | 'stall' | 'error' = 'ok';
  embeddingsMode: 'ok' | 'stall' | 'error' = 'ok';
  /** Requests still to answer with HTTP 429 before `embeddingsMode` applies. */
  failNextEmbeddings = 0;
  reply = 'Yes — the guest house has free parking on site.';
  /** Pause before each content chunk, ms (0: all at once). */
  chunkDelayMs = 0;
  /** Drop the connection after this many content chunks (null: complete the answer). */
  failAfterChunks: number | null = null;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    let raw = '';
    for await (const c of req) raw += c;
    if (req.url === '/v1/embeddings' && req.method === 'POST') {
      this.handleEmbeddings(req, res, JSON.parse(raw));
      return;
    }
    if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(raw);
    this.received.push({ path: req.url, authorization: req.headers.authorization, body });
    if (this.mode === 'error') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'The server had an error', type: 'server_error' } }));
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    if (this.mode === 'stall') {
      res.write(': keep-alive\n\n'); // headers and a comment, then nothing (the client must time out)
      return;
    }
    const id = 'chatcmpl-test';
    const chunk = (delta: Record<string, string>, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1700000000, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    let sent = 0;
    for (const word of this.reply.split(/(?<= )/)) {
      if (this.failAfterChunks !== null && sent >= this.failAfterChunks) {
        res.destroy(); // mid-stream failure: the connection is gone, no finish_reason, no [DONE]
        return;
      }
      if (this.chunkDelayMs) await new Promise((r) => setTimeout(r, this.chunkDelayMs));
      if (res.destroyed) return;
      res.write(chunk({ content: word }, null));
      sent += 1;
    }
    res.write(chunk({}, 'stop'));
    res.end('data: [DONE]\n\n');
  }

  private handleEmbeddings(
    req: IncomingMessage,
    res: import('node:http').ServerResponse,
    body: ReceivedEmbeddings['body'],
  ) {
    const record = (status: number) =>
      this.embeddings.push({ authorization: req.headers.authorization, body, status });
    if (this.failNextEmbeddings > 0) {
      this.failNextEmbeddings -= 1;
      record(429);
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end(
        JSON.stringify({
          error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
        }),
      );
      return;
    }
    if (this.embeddingsMode === 'stall') {
      record(0);
      return; // never answers: the client must time out
    }
    if (this.embeddingsMode === 'error') {
      record(500);
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'The server had an error', type: 'server_error' } }));
      return;
    }
    record(200);
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const tokens = inputs.reduce((a, t) => a + t.split(/\s+/).length, 0);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text) })),
        model: body.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      }),
    );
  }
}
