import { Inject, Injectable } from '@nestjs/common';
import { createParser } from 'eventsource-parser';
import { parseIntegration, type IntegrationConfig, type IntegrationSecrets } from '@hub/contracts';
import { PRISMA, type PrismaClient } from '@hub/persistence';

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
  ) {
    super(message);
    this.name = 'LlmError';
  }
}

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
    const row = await this.prisma.integration.findFirst({
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
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(joinUrl(integration.config.baseUrl, 'chat/completions'), {
        method: 'POST',
        headers: headers(integration),
        body: JSON.stringify({
          model: integration.config.model,
          messages,
          stream: true,
          temperature: 0.2,
          ...(opts.maxTokens ? { max_tokens: opts.maxTokens } : {}),
        }),
        signal,
      });
    } catch (e) {
      throw asLlmError(e, timeoutMs);
    }
    if (!res.ok || !res.body) {
      const body = await res.text().catch(() => '');
      throw new LlmError('http_error', `HTTP ${res.status} from chat/completions: ${body.slice(0, 200)}`);
    }
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
   * Embeds texts (`POST /embeddings`, model `config.embeddingModel`), returning unit-length vectors
   * in input order. @throws LlmError (also when no embedding model is configured)
   */
  async embed(integration: LlmIntegration, input: string[]): Promise<number[][]> {
    if (!integration.config.embeddingModel)
      throw new LlmError('bad_response', 'no embeddingModel configured');
    const timeoutMs = integration.config.timeoutMs;
    let res: Response;
    try {
      res = await fetch(joinUrl(integration.config.baseUrl, 'embeddings'), {
        method: 'POST',
        headers: headers(integration),
        body: JSON.stringify({ model: integration.config.embeddingModel, input }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw asLlmError(e, timeoutMs);
    }
    if (!res.ok) throw new LlmError('http_error', `HTTP ${res.status} from embeddings`);
    const json = (await res.json()) as { data?: { index: number; embedding: number[] }[] };
    if (!json.data || json.data.length !== input.length)
      throw new LlmError('bad_response', 'embeddings count mismatch');
    return [...json.data].sort((a, b) => a.index - b.index).map((d) => normalise(d.embedding));
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
