import { Injectable } from '@nestjs/common';
import { retrievalConfidence } from '../domain/confidence';
import {
  buildConversationQuery,
  DEFAULT_QUERY_WEIGHTS,
  type ContextUtterance,
  type QueryWeights,
} from '../domain/conversation-query';
import { EntityIndex } from '../domain/entity-index';
import type { Passage } from '../domain/extractive-answer';
import { wordTokens } from '../domain/text';
import { DEFAULT_RANKING, RetrievalRepository, type RankingParams } from './retrieval.repository';

/** Input of {@link RetrieveUseCase}. */
export interface RetrieveCommand {
  knowledgeBaseId: string;
  /** Final utterances of the interaction, oldest first; the last customer one is the question. */
  window: readonly ContextUtterance[];
  /** Passages to return. */
  topK: number;
  /** Query vector (unit length) when the KB has an embedding integration. */
  queryVector?: number[] | null;
  /** Overrides for evaluation / tuning. */
  weights?: QueryWeights;
  ranking?: RankingParams;
}

/** Ranked passages with the query that produced them and a confidence in [0, 1]. */
export interface RetrievalResult {
  passages: Passage[];
  entities: string[];
  question: string;
  confidence: number;
  /** Wall time of the retrieval, ms. */
  retrievalMs: number;
}

/** How long a cached entity index is trusted before its KB revision is checked again, ms. */
const REVISION_CHECK_MS = 2000;

/**
 * Retrieval for a conversation: builds the query from the context window (entity of the most
 * recent mention + decayed turn weights, see {@link buildConversationQuery}), ranks chunks in
 * PostgreSQL ({@link RetrievalRepository.search}) and computes the retrieval confidence. The entity
 * index of each knowledge base is cached in memory and rebuilt when the KB's revision changes.
 */
@Injectable()
export class RetrieveUseCase {
  private readonly indexes = new Map<string, { revision: number; checkedAt: number; index: EntityIndex }>();

  constructor(private readonly repo: RetrievalRepository) {}

  async execute(cmd: RetrieveCommand): Promise<RetrievalResult> {
    const t0 = performance.now();
    const index = await this.entityIndex(cmd.knowledgeBaseId);
    const query = buildConversationQuery(cmd.window, index, cmd.weights ?? DEFAULT_QUERY_WEIGHTS);
    if (!query.texts.length && !query.entities.length) {
      return {
        passages: [],
        entities: [],
        question: query.question,
        confidence: 0,
        retrievalMs: performance.now() - t0,
      };
    }
    const search = (entities: string[]) =>
      this.repo.search({
        kbId: cmd.knowledgeBaseId,
        texts: query.texts,
        entities,
        limit: cmd.topK,
        params: cmd.ranking ?? DEFAULT_RANKING,
        queryVector: cmd.queryVector,
      });
    const { hits, maxPossible } = await search(query.entities);
    if (query.entities.length && hits.length < cmd.topK && query.texts.length) {
      // the entity has fewer chunks than wanted: fill up with the best matches elsewhere
      const seen = new Set(hits.map((h) => h.chunkId));
      const more = await search([]);
      for (const h of more.hits) if (hits.length < cmd.topK && !seen.has(h.chunkId)) hits.push(h);
    }
    const confidence = hits.length
      ? retrievalConfidence(hits[0].score, hits[1]?.score ?? 0, maxPossible, hits[0].inEntity)
      : 0;
    return {
      passages: hits.map((h) => ({
        chunkId: h.chunkId,
        documentId: h.documentId,
        title: h.title,
        text: h.text,
        score: Math.round(h.score * 1000) / 1000,
      })),
      entities: query.entities,
      question: query.question,
      confidence,
      retrievalMs: performance.now() - t0,
    };
  }

  /** The KB's entity index (cached per revision); undefined when the KB names no entities. */
  async entityIndex(kbId: string): Promise<EntityIndex | undefined> {
    const cached = this.indexes.get(kbId);
    const now = Date.now();
    if (cached && now - cached.checkedAt < REVISION_CHECK_MS)
      return cached.index.size ? cached.index : undefined;
    const revision = await this.repo.revision(kbId);
    if (revision === null) {
      this.indexes.delete(kbId);
      return undefined;
    }
    if (cached && cached.revision === revision) {
      cached.checkedAt = now;
      return cached.index.size ? cached.index : undefined;
    }
    const data = await this.repo.entityIndexData(kbId, wordTokens);
    const index = new EntityIndex(data.names, data.docFreq, data.docCount);
    this.indexes.set(kbId, { revision, checkedAt: now, index });
    return index.size ? index : undefined;
  }
}
