import { Counter, type Registry } from 'prom-client';

export const ASSIST_METRICS = Symbol('ASSIST_METRICS');

/** Prometheus metrics of suggestion-service (names prefixed `suggestion_`). */
export class AssistMetrics {
  /** Embeddings API calls by phase (`ingest` chunk batches, `query` conversation queries) and outcome. */
  readonly embeddingRequests: Counter<'phase' | 'outcome'>;
  /** Retrievals by ranking mode and, for lexical ones of a KB with an embedding provider, the reason code. */
  readonly retrievals: Counter<'mode' | 'reason'>;
  /** Lexical rankings by engine (`memory` index, `sql`) and why PostgreSQL ranked (`loading`, `too_large`, `error`, `disabled`). */
  readonly lexicalSearches: Counter<'engine' | 'reason'>;

  constructor(registry: Registry) {
    this.embeddingRequests = new Counter({
      name: 'suggestion_embedding_requests_total',
      help: 'Embeddings API requests by phase (ingest, query) and outcome (ok, timeout, http_error, network_error, bad_response).',
      labelNames: ['phase', 'outcome'],
      registers: [registry],
    });
    this.retrievals = new Counter({
      name: 'suggestion_retrievals_total',
      help: 'Retrievals by mode (hybrid = lexical + dense fused, lexical) and dense fallback reason (none when the KB has no embedding provider or dense was used).',
      labelNames: ['mode', 'reason'],
      registers: [registry],
    });
    this.lexicalSearches = new Counter({
      name: 'suggestion_lexical_searches_total',
      help: 'Lexical rankings by engine (memory = in-process index, sql = PostgreSQL) and the reason PostgreSQL ranked (none, loading, too_large, error, disabled).',
      labelNames: ['engine', 'reason'],
      registers: [registry],
    });
  }
}
