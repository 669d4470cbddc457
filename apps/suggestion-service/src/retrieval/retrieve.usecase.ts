import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { denseConfidence, retrievalConfidence } from '../domain/confidence';
import {
  buildConversationQuery,
  DEFAULT_QUERY_WEIGHTS,
  denseQueryText,
  type ContextUtterance,
  type QueryWeights,
} from '../domain/conversation-query';
import { EntityIndex } from '../domain/entity-index';
import type { Passage } from '../domain/extractive-answer';
import { wordTokens } from '../domain/text';
import { KnowledgeBaseChanges } from '../knowledge/knowledge-base-changes';
import { ASSIST_METRICS, type AssistMetrics } from '../metrics';
import { DenseRetriever, type DensePlan } from './dense-retriever';
import { LexicalIndexCache, QueryLexemes, type LexicalIndex } from './lexical-index';
import {
  cacheKey,
  DEFAULT_RANKING,
  fromCacheKey,
  RetrievalRepository,
  type KbRetrievalState,
  type RankingParams,
  type SearchHit,
} from './retrieval.repository';

/** Input of {@link RetrieveUseCase}. */
export interface RetrieveCommand {
  /** The tenant retrieving: only its knowledge bases are visible (row-level security). */
  tenantId: string;
  knowledgeBaseId: string;
  /** Final utterances of the interaction, oldest first; the last customer one is the question. */
  window: readonly ContextUtterance[];
  /** Passages to return. */
  topK: number;
  /** Overrides for evaluation / tuning. */
  weights?: QueryWeights;
  ranking?: RankingParams;
}

/** How the passages were ranked. */
export interface RetrievalMode {
  /** `hybrid`: BM25F and dense ranks fused (RRF); `lexical`: BM25F only. */
  mode: 'lexical' | 'hybrid';
  /** Set when the KB has an embedding provider but dense ranking was not possible (`code: detail`). */
  denseFallbackReason?: string;
  /** Time to embed the query (hybrid only), ms. */
  embeddingMs?: number;
}

/** Ranked passages with the query that produced them and a confidence in [0, 1]. */
export interface RetrievalResult {
  passages: Passage[];
  entities: string[];
  question: string;
  confidence: number;
  /** Wall time of the retrieval, ms. */
  retrievalMs: number;
  ranking: RetrievalMode;
}

/** Tunables of the in-memory lexical ranking ({@link LexicalIndex}). */
export interface LexicalRetrievalOptions {
  /** Memory budget of the lexical indexes of all knowledge bases, bytes; 0 = rank in PostgreSQL only. */
  maxIndexBytes: number;
  /**
   * How long a retrieval waits for a KB's index to load, ms (0: rank that query in PostgreSQL while the
   * index loads — the service; offline evaluation waits).
   */
  loadWaitMs: number;
}
export const LEXICAL_RETRIEVAL_OPTIONS = Symbol('LEXICAL_RETRIEVAL_OPTIONS');
export const DEFAULT_LEXICAL_RETRIEVAL: LexicalRetrievalOptions = {
  maxIndexBytes: 256 * 1024 * 1024,
  loadWaitMs: 0,
};
/** Offline tools (evaluation): every query ranks in memory, the first waits for the index to load. */
export const OFFLINE_LEXICAL_RETRIEVAL: LexicalRetrievalOptions = {
  maxIndexBytes: 1024 * 1024 * 1024,
  loadWaitMs: 600_000,
};

/** After a failed lexical index load, how long PostgreSQL ranks before the next load attempt, ms. */
const LOAD_RETRY_MS = 10_000;

/** How long a cached KB state (revision, embedding settings) is trusted before it is read again, ms. */
const REVISION_CHECK_MS = 2000;

/**
 * Retrieval for a conversation: builds the query from the context window (entity of the most
 * recent mention + decayed turn weights, see {@link buildConversationQuery}), ranks chunks and
 * computes the retrieval confidence. Ranking runs on the KB's in-memory {@link LexicalIndex} (loaded
 * on first use per KB revision, query texts stemmed by PostgreSQL and remembered); while it loads, or
 * when it would exceed its memory budget, PostgreSQL ranks ({@link RetrievalRepository.search}) —
 * counted in `suggestion_lexical_searches_total{engine, reason}`. The entity index of each knowledge
 * base is cached in memory and rebuilt when the KB's revision changes.
 *
 * Hybrid ranking: when the KB has an embedding provider and a {@link DenseRetriever} is wired, the
 * last customer turns are embedded and the nearest chunks (restricted to the named entities, if
 * any) join the candidates; PostgreSQL fuses the BM25F rank and the dense rank with reciprocal rank
 * fusion. When dense ranking is not possible the result is lexical and says why
 * (`ranking.denseFallbackReason`).
 */
@Injectable()
export class RetrieveUseCase {
  private readonly indexes = new Map<string, { revision: number; index: EntityIndex }>();
  private readonly states = new Map<string, { checkedAt: number; state: KbRetrievalState | null }>();
  private readonly lexicalIndexes: LexicalIndexCache | null;
  private readonly lexemes: QueryLexemes;
  private readonly lexicalOpts: LexicalRetrievalOptions;
  /** Per KB: when its last index load failed (no new attempt for {@link LOAD_RETRY_MS}). */
  private readonly lexicalFailedAt = new Map<string, number>();

  /**
   * @param dense   absent in tools that rank lexically only (e.g. `eval:retrieval`)
   * @param lexical in-memory ranking budget (default {@link DEFAULT_LEXICAL_RETRIEVAL})
   * @param metrics absent in offline tools
   * @param logger  absent in offline tools
   * @param changes KB changes made by this process: the next retrieval reads the KB's revision again
   */
  constructor(
    private readonly repo: RetrievalRepository,
    @Optional() private readonly dense?: DenseRetriever,
    @Optional() @Inject(LEXICAL_RETRIEVAL_OPTIONS) lexical?: LexicalRetrievalOptions,
    @Optional() @Inject(ASSIST_METRICS) private readonly metrics?: AssistMetrics,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
    @Optional() changes?: KnowledgeBaseChanges,
  ) {
    changes?.onChange((tenantId, kbId) => this.states.delete(cacheKey(tenantId, kbId)));
    this.lexicalOpts = lexical ?? DEFAULT_LEXICAL_RETRIEVAL;
    this.lexicalIndexes =
      this.lexicalOpts.maxIndexBytes > 0
        ? new LexicalIndexCache((key) => {
            const { tenantId, kbId } = fromCacheKey(key);
            return repo.lexicalIndex(tenantId, kbId);
          }, this.lexicalOpts.maxIndexBytes)
        : null;
    this.lexemes = new QueryLexemes((texts) => repo.stem(texts));
  }

  async execute(cmd: RetrieveCommand): Promise<RetrievalResult> {
    const t0 = performance.now();
    const state = await this.kbState(cmd.tenantId, cmd.knowledgeBaseId);
    const params = cmd.ranking ?? DEFAULT_RANKING;
    // the query embedding (network) runs while the entity index is read and the query is built
    const queryText = denseQueryText(cmd.window, params.denseTurns);
    const planned: Promise<DensePlan> =
      state && this.dense && queryText
        ? this.dense.prepare({ ...state, id: cmd.knowledgeBaseId }, queryText)
        : Promise.resolve({ kind: 'off' });
    const index = state
      ? await this.entityIndex(cmd.tenantId, cmd.knowledgeBaseId, state.revision)
      : undefined;
    const query = buildConversationQuery(cmd.window, index, cmd.weights ?? DEFAULT_QUERY_WEIGHTS);
    const plan = await planned;
    const ranking: RetrievalMode =
      plan.kind === 'ready'
        ? { mode: 'hybrid', embeddingMs: Math.round(plan.embeddingMs * 10) / 10 }
        : plan.kind === 'fallback'
          ? { mode: 'lexical', denseFallbackReason: plan.reason }
          : { mode: 'lexical' };
    if (!state || (!query.texts.length && !query.entities.length)) {
      return {
        passages: [],
        entities: [],
        question: query.question,
        confidence: 0,
        retrievalMs: performance.now() - t0,
        ranking,
      };
    }
    const memory = await this.lexicalIndex(cmd.tenantId, cmd.knowledgeBaseId, state.revision);
    const lexemes = memory ? await this.lexemes.of(query.texts) : [];
    const denseFor = (entities: string[]) =>
      plan.kind === 'ready'
        ? plan.index.search(
            plan.vector,
            params.denseCandidates,
            entities.length ? new Set(entities) : undefined,
          )
        : null;
    const search = async (entities: string[]) =>
      memory
        ? memory.search({ lexemes, entities, limit: cmd.topK, params, dense: denseFor(entities) })
        : this.repo.search({
            tenantId: cmd.tenantId,
            kbId: cmd.knowledgeBaseId,
            texts: query.texts,
            entities,
            limit: cmd.topK,
            params,
            dense: denseFor(entities),
          });
    const { hits, maxPossible } = await search(query.entities);
    if (query.entities.length && hits.length < cmd.topK && (query.texts.length || plan.kind === 'ready')) {
      // the entity has fewer chunks than wanted: fill up with the best matches elsewhere
      const seen = new Set(hits.map((h) => h.chunkId));
      const more = await search([]);
      for (const h of more.hits) if (hits.length < cmd.topK && !seen.has(h.chunkId)) hits.push(h);
    }
    return {
      passages: hits.map((h) => ({
        chunkId: h.chunkId,
        documentId: h.documentId,
        title: h.title,
        text: h.text,
        score: plan.kind === 'ready' ? Number(h.score.toPrecision(4)) : Math.round(h.score * 1000) / 1000,
      })),
      entities: query.entities,
      question: query.question,
      confidence: confidenceOf(hits, maxPossible),
      retrievalMs: performance.now() - t0,
      ranking,
    };
  }

  /**
   * The tenant's KB retrieval state (cached for {@link REVISION_CHECK_MS}, per tenant and KB); null when
   * the tenant has no such KB.
   */
  private async kbState(tenantId: string, kbId: string): Promise<KbRetrievalState | null> {
    const key = cacheKey(tenantId, kbId);
    const cached = this.states.get(key);
    const now = Date.now();
    if (cached && now - cached.checkedAt < REVISION_CHECK_MS) return cached.state;
    const state = await this.repo.kbState(tenantId, kbId);
    this.states.set(key, { checkedAt: now, state });
    if (!state) this.indexes.delete(key);
    return state;
  }

  /**
   * The KB's in-memory lexical index at `revision`, or null when PostgreSQL ranks this query (disabled,
   * still loading, over the budget, or the load failed — logged by the metric's reason).
   */
  private async lexicalIndex(tenantId: string, kbId: string, revision: number): Promise<LexicalIndex | null> {
    if (!this.lexicalIndexes) {
      this.metrics?.lexicalSearches.inc({ engine: 'sql', reason: 'disabled' });
      return null;
    }
    const key = cacheKey(tenantId, kbId);
    if (Date.now() - (this.lexicalFailedAt.get(key) ?? -Infinity) < LOAD_RETRY_MS) {
      this.metrics?.lexicalSearches.inc({ engine: 'sql', reason: 'error' });
      return null;
    }
    const got = await this.lexicalIndexes
      .get(key, revision, performance.now() + this.lexicalOpts.loadWaitMs)
      .catch((e: unknown) => {
        this.lexicalFailedAt.set(key, Date.now());
        this.logger?.warn(
          { knowledgeBaseId: kbId, err: (e as Error).message },
          'lexical index load failed; PostgreSQL ranks for now',
        );
        return 'error' as const;
      });
    if (typeof got === 'string') {
      this.metrics?.lexicalSearches.inc({ engine: 'sql', reason: got });
      return null;
    }
    this.metrics?.lexicalSearches.inc({ engine: 'memory', reason: 'none' });
    return got;
  }

  /** The KB's entity index at `revision` (cached per tenant and KB); undefined when the KB names no entities. */
  private async entityIndex(
    tenantId: string,
    kbId: string,
    revision: number,
  ): Promise<EntityIndex | undefined> {
    const key = cacheKey(tenantId, kbId);
    const cached = this.indexes.get(key);
    if (cached && cached.revision === revision) return cached.index.size ? cached.index : undefined;
    const data = await this.repo.entityIndexData(tenantId, kbId, wordTokens);
    const index = new EntityIndex(data.names, data.docFreq, data.docCount);
    this.indexes.set(key, { revision, index });
    return index.size ? index : undefined;
  }
}

/**
 * Confidence of a ranking: {@link retrievalConfidence} on the BM25F scores of the first two hits
 * (identical to the lexical-only ranking's), or, when the first hit was a dense candidate, at least
 * {@link denseConfidence} of its cosine (a passage found by meaning alone shares no query words).
 */
function confidenceOf(hits: SearchHit[], maxPossible: number): number {
  if (!hits.length) return 0;
  const lexical = retrievalConfidence(hits[0].lexical, hits[1]?.lexical ?? 0, maxPossible, hits[0].inEntity);
  return Math.max(lexical, denseConfidence(hits[0].cosine));
}
