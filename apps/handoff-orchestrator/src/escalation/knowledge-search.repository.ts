import { z } from 'zod';
import { forwardedHeaders, type ForwardedCaller } from './forwarded-caller';

/** The retrieval result the decision needs: the best chunks' scores and the confidence with its threshold. */
export interface KnowledgeSearchResult {
  confidence: number;
  threshold: number;
  chunks: { chunkId: string; score: number; title: string | null }[];
}

/** A search that could not be made (no service configured, timeout, refused credential, unknown KB …). */
export class KnowledgeSearchUnavailable extends Error {
  constructor(
    /** `not_configured | timeout | http_<status> | unreachable | bad_response` */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'KnowledgeSearchUnavailable';
  }
}

/** Port: retrieval on a tenant's knowledge base (the suggestion service's own ranking and confidence). */
export abstract class KnowledgeSearchPort {
  /**
   * Searches `knowledgeBaseId` with the conversation so far (oldest first).
   * @param credential the caller's `Authorization` header value, forwarded (the search is the caller's, scoped
   *                   by its tenant; it needs `knowledge:read`)
   * @throws KnowledgeSearchUnavailable when no answer came within the timeout or the answer was not a result
   */
  abstract search(
    knowledgeBaseId: string,
    turns: { speaker: 'customer' | 'agent'; text: string }[],
    caller: ForwardedCaller,
  ): Promise<KnowledgeSearchResult>;
}

/** Options of {@link SuggestionServiceKnowledgeSearch}. */
export interface KnowledgeSearchOptions {
  /** Base URL of the suggestion service (ESCALATION_SUGGESTION_URL); undefined = not configured. */
  baseUrl?: string;
  /** Upper bound on one call, ms (ESCALATION_RETRIEVAL_TIMEOUT_MS). */
  timeoutMs: number;
}

const ResultSchema = z.object({
  confidence: z.number().min(0).max(1),
  threshold: z.number().min(0).max(1),
  chunks: z.array(z.object({ chunkId: z.string(), score: z.number(), title: z.string().nullable() })),
});

/**
 * {@link KnowledgeSearchPort} over the suggestion service's `POST /v1/knowledge-bases/{id}/search`
 * (apps/suggestion-service): one POST with the caller's credential, aborted after `timeoutMs`. The URL is the
 * operator's configuration (an internal service), not tenant input, so it does not go through the outbound URL
 * policy for tenant-supplied URLs. No retry: a decision is interactive, and a missing signal is reported, not
 * waited for.
 */
export class SuggestionServiceKnowledgeSearch extends KnowledgeSearchPort {
  constructor(private readonly options: KnowledgeSearchOptions) {
    super();
  }

  async search(
    knowledgeBaseId: string,
    turns: { speaker: 'customer' | 'agent'; text: string }[],
    caller: ForwardedCaller,
  ): Promise<KnowledgeSearchResult> {
    if (!this.options.baseUrl) {
      throw new KnowledgeSearchUnavailable('not_configured', 'ESCALATION_SUGGESTION_URL is not set');
    }
    const url = new URL(
      `v1/knowledge-bases/${encodeURIComponent(knowledgeBaseId)}/search`,
      this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`,
    );
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...forwardedHeaders(caller) },
        body: JSON.stringify({ turns: turns.slice(-50), topK: 3 }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      const timeout = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
      throw new KnowledgeSearchUnavailable(
        timeout ? 'timeout' : 'unreachable',
        timeout ? `no answer within ${this.options.timeoutMs} ms` : 'suggestion service unreachable',
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new KnowledgeSearchUnavailable(`http_${res.status}`, `suggestion service answered ${res.status}`);
    }
    const parsed = ResultSchema.safeParse(await res.json().catch(() => null));
    if (!parsed.success) throw new KnowledgeSearchUnavailable('bad_response', 'not a search result');
    return parsed.data;
  }
}
