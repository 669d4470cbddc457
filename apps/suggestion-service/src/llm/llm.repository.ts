import { Inject, Injectable } from '@nestjs/common';
import { createParser } from 'eventsource-parser';
import { z } from 'zod';
import { parseIntegration, type IntegrationConfig, type IntegrationSecrets } from '@hub/contracts';
import { forTenant, PRISMA, type PrismaClient } from '@hub/persistence';

/** A tenant's `llm` integration, parsed. */
export interface LlmIntegration {
  id: string;
  name: string;
  config: IntegrationConfig<'llm'>;
  secrets: IntegrationSecrets<'llm'>;
}

/** Chat message of the OpenAI chat-completions API. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The provider failed: HTTP status, bad stream, or timeout (`reason` is short and stable). */
export class LlmError extends Error {
  constructor(
    readonly reason: 'timeout' | 'http_error' | 'bad_response' | 'network_error',
    message: string,
    /** HTTP status of an `http_error`. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmError';
  }

  /** Worth retrying: timeout, network error, HTTP 408/409/429 or 5xx (OpenAI's documented retry cases). */
  get transient(): boolean {
    if (this.reason === 'timeout' || this.reason === 'network_error') return true;
    const s = this.status ?? 0;
    return this.reason === 'http_error' && (s === 408 || s === 409 || s === 429 || s >= 500);
  }
}

/**
 * Response of `POST /v1/embeddings` (OpenAI wire format): `{object: "list", data: [{object:
 * "embedding", index, embedding: number[]}], model, usage}`. Only what we use is required.
 */
const EmbeddingsResponseSchema = z.object({
  data: z.array(
    z.object({
      index: z.number().int().min(0),
      embedding: z.array(z.number().refine(Number.isFinite, 'not a finite number')).min(1),
    }),
  ),
  model: z.string().optional(),
});

/**
 * OpenAI-compatible provider access: chat completions with `stream: true` (server-sent events
 * `data: {choices:[{delta:{content}}]}` … `data: [DONE]`, parsed by `eventsource-parser`) and the
 * embeddings API (`POST {baseUrl}/embeddings`). `baseUrl` is the API root including `/v1`.
 * Integrations are rows of `integrations` with type `llm` (IntegrationConfigSchemas.llm).
 */
@Injectable()
export class LlmRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** The tenant's enabled `llm` integration with this id, or null. @throws ZodError on a bad stored config */
  async findIntegration(tenantId: string, id: string): Promise<LlmIntegration | null> {
    const row = await forTenant(this.prisma, tenantId).integration.findFirst({
      where: { id, tenantId, type: 'llm', enabled: true },
    });
    if (!row) return null;
    const { config, secrets } = parseIntegration('llm', row.config, row.secrets);
    return { id: row.id, name: row.name, config, secrets };
  }

  /**
   * Streams a chat completion and returns the whole text; `onDelta` sees each piece as it arrives.
   * Times out after `integration.config.timeoutMs` for the whole exchange.
   * @throws LlmError
   */
  async chat(
    integration: LlmIntegration,
    messages: ChatMessage[],
    opts: { onDelta?: (text: string) => void; maxTokens?: number; timeoutMs?: number } = {},
  ): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? integration.config.timeoutMs;
    const res = await post(
      integration,
      'chat/completions',
      {
        model: integration.config.model,
        messages,
        stream: true,
        temperature: 0.2,
        ...(opts.maxTokens ? { max_tokens: opts.maxTokens } : {}),
      },
      timeoutMs,
    );
    if (!res.body) throw new LlmError('http_error', `HTTP ${res.status} from chat/completions: `);
    let text = '';
    let done = false;
    let bad: LlmError | undefined;
    const parser = createParser({
      onEvent: (ev) => {
        if (done) return;
        if (ev.data === '[DONE]') {
          done = true;
          return;
        }
        try {
          const json = JSON.parse(ev.data) as {
            choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
            error?: { message?: string };
          };
          if (json.error) {
            bad = new LlmError('bad_response', `provider error: ${json.error.message ?? 'unknown'}`);
            return;
          }
          const piece = json.choices?.[0]?.delta?.content ?? '';
          if (piece) {
            text += piece;
            opts.onDelta?.(piece);
          }
        } catch {
          bad = new LlmError('bad_response', `not JSON: ${ev.data.slice(0, 100)}`);
        }
      },
    });
    try {
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (bad || done) break;
      }
    } catch (e) {
      throw asLlmError(e, timeoutMs);
    }
    if (bad) throw bad;
    if (!done) throw new LlmError('bad_response', 'stream ended without [DONE]');
    if (!text.trim()) throw new LlmError('bad_response', 'empty completion');
    return text.trim();
  }

  /**
   * Embeds texts with the OpenAI embeddings API: `POST {baseUrl}/embeddings` with
   * `{model: config.embeddingModel, input: string[]}`; the response's `data[].embedding` are put
   * back in input order (by `index`) and scaled to unit length (cosine similarity = dot product).
   * One request per call: callers batch (the API takes up to 2,048 inputs per request).
   * @param opts.timeoutMs whole-request limit, ms (default `config.timeoutMs`)
   * @throws LlmError — `http_error` (with `status`), `timeout`, `network_error`, or `bad_response`
   *   (no `embeddingModel` configured, malformed body, count/index mismatch, mixed dimensions)
   */
  async embed(
    integration: LlmIntegration,
    input: string[],
    opts: { timeoutMs?: number } = {},
  ): Promise<number[][]> {
    const model = integration.config.embeddingModel;
    if (!model) throw new LlmError('bad_response', 'no embeddingModel configured');
    if (!input.length) return [];
    const timeoutMs = opts.timeoutMs ?? integration.config.timeoutMs;
    const res = await post(integration, 'embeddings', { model, input }, timeoutMs);
    const json: unknown = await res.json().catch(() => {
      throw new LlmError('bad_response', 'embeddings body is not JSON');
    });
    const parsed = EmbeddingsResponseSchema.safeParse(json);
    if (!parsed.success)
      throw new LlmError(
        'bad_response',
        `embeddings: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
      );
    const byIndex: number[][] = new Array(input.length);
    for (const d of parsed.data.data) {
      if (d.index >= input.length || byIndex[d.index])
        throw new LlmError('bad_response', `embeddings: unexpected index ${d.index}`);
      byIndex[d.index] = d.embedding;
    }
    if (parsed.data.data.length !== input.length)
      throw new LlmError(
        'bad_response',
        `embeddings: ${parsed.data.data.length} vectors for ${input.length} inputs`,
      );
    const dims = byIndex[0].length;
    if (byIndex.some((v) => v.length !== dims))
      throw new LlmError('bad_response', 'embeddings: vectors of different dimensions');
    return byIndex.map(normalise);
  }
}

/**
 * `POST {baseUrl}/{path}` with `body` as JSON and the integration's API key; the whole exchange
 * (including reading the response body) is aborted after `timeoutMs`.
 * @returns the response, status 2xx
 * @throws LlmError — `http_error` (with `status`; message names `path` and the body's first 200
 *   characters), `timeout` or `network_error`
 */
async function post(i: LlmIntegration, path: string, body: unknown, timeoutMs: number): Promise<Response> {
  try {
    const res = await fetch(joinUrl(i.config.baseUrl, path), {
      method: 'POST',
      headers: headers(i),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new LlmError('http_error', `HTTP ${res.status} from ${path}: ${text.slice(0, 200)}`, res.status);
    }
    return res;
  } catch (e) {
    throw asLlmError(e, timeoutMs);
  }
}

function headers(i: LlmIntegration): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream, application/json',
  };
  if (i.secrets.apiKey) h['authorization'] = `Bearer ${i.secrets.apiKey}`;
  return h;
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}

function asLlmError(e: unknown, timeoutMs: number): LlmError {
  if (e instanceof LlmError) return e;
  const err = e as Error;
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return new LlmError('timeout', `no answer within ${timeoutMs} ms`);
  return new LlmError('network_error', err.message);
}

/** Scales a vector to unit length (cosine similarity = dot product). */
export function normalise(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return n > 0 ? v.map((x) => x / n) : v;
}
