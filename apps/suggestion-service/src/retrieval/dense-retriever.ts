import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { LlmError, LlmRepository, type LlmIntegration } from '../llm/llm.repository';
import { ASSIST_METRICS, AssistMetrics } from '../metrics';
import { DenseIndexCache, type DenseIndex } from './dense-index';
import { LOCAL_EMBEDDING_MODEL, localEmbeddingModelId, type LocalRetrievalModel } from './local-embeddings';
import { cacheKey, fromCacheKey, RetrievalRepository, type KbRetrievalState } from './retrieval.repository';

/** Tunables of {@link DenseRetriever}. */
export interface DenseRetrievalOptions {
  /** Upper bound for embedding the query and waiting for a KB's vectors, ms (also capped by the integration's `timeoutMs`). */
  queryTimeoutMs: number;
  /** Memory budget of the in-memory dense indexes of all knowledge bases, bytes. */
  maxIndexBytes: number;
}
export const DENSE_RETRIEVAL_OPTIONS = Symbol('DENSE_RETRIEVAL_OPTIONS');

/** Outcome of {@link DenseRetriever.prepare}. */
export type DensePlan =
  /** The knowledge base has no embedding provider: lexical ranking, nothing to report. */
  | { kind: 'off' }
  /** Query vector and index are ready. */
  | { kind: 'ready'; vector: number[]; index: DenseIndex; embeddingMs: number }
  /** The KB has an embedding provider but dense ranking is not possible now; `reason` = `code: detail`. */
  | { kind: 'fallback'; reason: string };

/** How long a looked-up embedding integration is reused, ms. */
const INTEGRATION_TTL_MS = 2000;

/**
 * The dense half of hybrid retrieval: for a knowledge base with `embedding_integration_id`, embeds
 * the conversation query through the tenant's OpenAI-compatible integration (`POST /embeddings`)
 * while the KB's vectors are loaded into (or found in) the in-memory {@link DenseIndexCache}, both
 * bounded by one deadline. Never throws: any failure (provider timeout or error, integration gone,
 * embedding model changed since the vectors were stored, index still loading or over the memory
 * budget) is a `fallback` with a reason, logged and counted in `suggestion_retrievals_total`.
 *
 * A KB without an embedding integration is ranked with the in-process model ({@link LOCAL_EMBEDDING_MODEL},
 * `ASSIST_LOCAL_EMBEDDING_MODEL`) when one is configured and its vectors were made by it at upload
 * (`embeddingModel` = `local:<model id>`); the query is embedded in process, no network.
 */
@Injectable()
export class DenseRetriever {
  private readonly indexes: DenseIndexCache;
  private readonly integrations = new Map<string, { at: number; integration: LlmIntegration | null }>();

  constructor(
    repo: RetrievalRepository,
    private readonly llm: LlmRepository,
    @Inject(DENSE_RETRIEVAL_OPTIONS) private readonly opts: DenseRetrievalOptions,
    @Inject(ASSIST_METRICS) private readonly metrics: AssistMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(LOCAL_EMBEDDING_MODEL) private readonly local?: LocalRetrievalModel,
  ) {
    // keyed by tenant and KB (cacheKey): the vectors are loaded inside the KB's tenant
    this.indexes = new DenseIndexCache((key) => {
      const { tenantId, kbId } = fromCacheKey(key);
      return repo.denseVectors(tenantId, kbId);
    }, opts.maxIndexBytes);
  }

  /**
   * Query vector and dense index for one retrieval.
   * @param kb the knowledge base (id + state)
   * @param queryText text to embed ({@link denseQueryText})
   */
  async prepare(kb: KbRetrievalState & { id: string }, queryText: string): Promise<DensePlan> {
    if (!kb.embeddingIntegrationId && this.local && kb.embeddingModel) {
      const plan = await this.planLocal(kb, this.local, queryText);
      if (plan.kind === 'fallback') {
        this.metrics.retrievals.inc({ mode: 'lexical', reason: plan.reason.split(':')[0] });
        this.logger.warn(
          { knowledgeBaseId: kb.id, reason: plan.reason },
          'dense retrieval unavailable; lexical ranking',
        );
      } else this.metrics.retrievals.inc({ mode: 'hybrid', reason: 'none' });
      return plan;
    }
    if (!kb.embeddingIntegrationId) {
      this.metrics.retrievals.inc({ mode: 'lexical', reason: 'none' });
      return { kind: 'off' };
    }
    const plan = await this.plan(kb, kb.embeddingIntegrationId, queryText);
    if (plan.kind === 'fallback') {
      this.metrics.retrievals.inc({ mode: 'lexical', reason: plan.reason.split(':')[0] });
      this.logger.warn(
        { knowledgeBaseId: kb.id, reason: plan.reason },
        'dense retrieval unavailable; lexical ranking',
      );
    }
    return plan;
  }

  private async plan(
    kb: KbRetrievalState & { id: string },
    integrationId: string,
    queryText: string,
  ): Promise<DensePlan> {
    const t0 = performance.now();
    const integration = await this.integration(kb.tenantId, integrationId);
    const model = integration?.config.embeddingModel;
    if (!integration || !model)
      return {
        kind: 'fallback',
        reason: `embedding_unavailable: integration ${integrationId} not found, disabled or without embeddingModel`,
      };
    if (kb.embeddingModel && kb.embeddingModel !== model)
      return {
        kind: 'fallback',
        reason: `embedding_model_changed: stored vectors are ${kb.embeddingModel}, integration now ${model}`,
      };
    if (!queryText.trim()) return { kind: 'fallback', reason: 'embedding_no_query: no customer text' };
    const timeoutMs = Math.min(this.opts.queryTimeoutMs, integration.config.timeoutMs);
    const deadline = t0 + timeoutMs;
    const embedding = this.llm.embed(integration, [queryText], { timeoutMs }).then(
      (v) => {
        this.metrics.embeddingRequests.inc({ phase: 'query', outcome: 'ok' });
        return { vector: v[0], ms: performance.now() - t0 };
      },
      (e: unknown) => {
        const le = e instanceof LlmError ? e : new LlmError('network_error', (e as Error).message);
        this.metrics.embeddingRequests.inc({ phase: 'query', outcome: le.reason });
        return le;
      },
    );
    const index = this.indexes
      .get(cacheKey(kb.tenantId, kb.id), kb.revision, deadline)
      .catch((e: unknown) => e as Error);
    const [emb, idx] = await Promise.all([embedding, index]);
    if (emb instanceof LlmError)
      return { kind: 'fallback', reason: `embedding_${emb.reason}: ${emb.message}`.slice(0, 300) };
    if (idx instanceof Error)
      return { kind: 'fallback', reason: `dense_index_error: ${idx.message}`.slice(0, 300) };
    if (idx === 'loading')
      return { kind: 'fallback', reason: `dense_index_loading: vectors not loaded within ${timeoutMs} ms` };
    if (idx === 'too_large')
      return { kind: 'fallback', reason: 'dense_index_too_large: vectors exceed ASSIST_DENSE_INDEX_MAX_MB' };
    if (idx.size && idx.dims !== emb.vector.length)
      return {
        kind: 'fallback',
        reason: `embedding_dimensions_mismatch: query ${emb.vector.length}, stored ${idx.dims}`,
      };
    this.metrics.retrievals.inc({ mode: 'hybrid', reason: 'none' });
    return { kind: 'ready', vector: emb.vector, index: idx, embeddingMs: emb.ms };
  }

  /**
   * Dense plan with the in-process model, for a KB without an embedding integration whose vectors were made by a
   * local model at upload (`embeddingModel` = `local:<id>`); same deadline and fallbacks as the integration path.
   */
  private async planLocal(
    kb: KbRetrievalState & { id: string },
    model: LocalRetrievalModel,
    queryText: string,
  ): Promise<DensePlan> {
    const t0 = performance.now();
    const id = localEmbeddingModelId(model);
    if (kb.embeddingModel !== id)
      return {
        kind: 'fallback',
        reason: `embedding_model_changed: stored vectors are ${kb.embeddingModel}, local model now ${id}`,
      };
    if (!queryText.trim()) return { kind: 'fallback', reason: 'embedding_no_query: no customer text' };
    const deadline = t0 + this.opts.queryTimeoutMs;
    const [emb, idx] = await Promise.all([
      model.embedQuery(queryText).then(
        (vector) => {
          this.metrics.embeddingRequests.inc({ phase: 'query', outcome: 'ok' });
          return { vector, ms: performance.now() - t0 };
        },
        (e: unknown) => {
          this.metrics.embeddingRequests.inc({ phase: 'query', outcome: 'model_error' });
          return e instanceof Error ? e : new Error(String(e));
        },
      ),
      this.indexes.get(cacheKey(kb.tenantId, kb.id), kb.revision, deadline).catch((e: unknown) => e as Error),
    ]);
    if (emb instanceof Error)
      return { kind: 'fallback', reason: `embedding_model_error: ${emb.message}`.slice(0, 300) };
    if (idx instanceof Error)
      return { kind: 'fallback', reason: `dense_index_error: ${idx.message}`.slice(0, 300) };
    if (idx === 'loading')
      return {
        kind: 'fallback',
        reason: `dense_index_loading: vectors not loaded within ${this.opts.queryTimeoutMs} ms`,
      };
    if (idx === 'too_large')
      return { kind: 'fallback', reason: 'dense_index_too_large: vectors exceed ASSIST_DENSE_INDEX_MAX_MB' };
    if (idx.size && idx.dims !== emb.vector.length)
      return {
        kind: 'fallback',
        reason: `embedding_dimensions_mismatch: query ${emb.vector.length}, stored ${idx.dims}`,
      };
    return { kind: 'ready', vector: emb.vector, index: idx, embeddingMs: emb.ms };
  }

  /** The tenant's enabled llm integration (cached briefly); null when missing, disabled or invalid. */
  private async integration(tenantId: string, id: string): Promise<LlmIntegration | null> {
    const key = `${tenantId}\u0000${id}`;
    const cached = this.integrations.get(key);
    if (cached && Date.now() - cached.at < INTEGRATION_TTL_MS) return cached.integration;
    const integration = await this.llm.findIntegration(tenantId, id).catch((e: unknown) => {
      this.logger.warn({ integrationId: id, err: (e as Error).message }, 'embedding integration unreadable');
      return null;
    });
    this.integrations.set(key, { at: Date.now(), integration });
    return integration;
  }
}
