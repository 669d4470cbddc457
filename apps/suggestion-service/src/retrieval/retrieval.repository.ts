import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, type PrismaClient } from '@hub/persistence';

/** BM25F parameters of {@link RetrievalRepository.search}. */
export interface RankingParams {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation (0 = none, 1 = full). */
  b: number;
  /** Weight of a title occurrence relative to a body occurrence. */
  titleWeight: number;
  /** Weight of an entity-name occurrence relative to a body occurrence. */
  entityWeight: number;
  /** Weight of cosine similarity (dense vectors) added to the normalised lexical score. */
  denseWeight: number;
}

export const DEFAULT_RANKING: RankingParams = {
  k1: 1.2,
  b: 0.75,
  titleWeight: 2,
  entityWeight: 0.5,
  denseWeight: 0.5,
};

/** One ranked chunk. */
export interface SearchHit {
  chunkId: string;
  documentId: string;
  title: string;
  text: string;
  entityKey: string | null;
  /** Lexical (BM25F) score plus `denseWeight × cosine × maxPossible` when vectors are used. */
  score: number;
  /** The chunk belongs to one of the requested entities. */
  inEntity: boolean;
}

/** Result of {@link RetrievalRepository.search}. */
export interface SearchResult {
  hits: SearchHit[];
  /** Score of a passage holding every query term once at average length (confidence scale). */
  maxPossible: number;
}

/**
 * Ranked retrieval in PostgreSQL. Candidates are every chunk of the requested entities or, when no
 * entity is given, the `candidates` best `ts_rank` matches of any query lexeme (GIN index on
 * `kb_chunks.tsv`); they are scored with BM25F over the weighted tsvector positions (title A,
 * entity B, body D; idf from `kb_terms`). Callers fill up with an entity-less search when an
 * entity has fewer chunks than wanted. Query texts are stemmed by PostgreSQL (`english`), each with a
 * weight; the weights of a lexeme add up. With `queryVector`, chunks that carry an embedding also
 * get `denseWeight × cosine` (vectors are stored unit-length, so cosine = dot product).
 */
@Injectable()
export class RetrievalRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async search(q: {
    kbId: string;
    texts: { text: string; weight: number }[];
    entities: string[];
    limit: number;
    params?: RankingParams;
    queryVector?: number[] | null;
    /** Lexical candidates rescored when no entity is given (ts_rank prefilter). Default 400. */
    candidates?: number;
  }): Promise<SearchResult> {
    const p = q.params ?? DEFAULT_RANKING;
    const rows = await this.prisma.$queryRawUnsafe<
      {
        chunk_id: string;
        external_id: string;
        title: string;
        text: string;
        entity_key: string | null;
        score: number;
        in_entity: boolean;
        max_possible: number;
      }[]
    >(
      SEARCH_SQL,
      q.kbId,
      q.texts.map((t) => t.text),
      q.texts.map((t) => t.weight),
      q.entities,
      q.limit,
      p.k1,
      p.b,
      p.titleWeight,
      p.entityWeight,
      q.queryVector ?? null,
      p.denseWeight,
      q.candidates ?? 400,
    );
    return {
      hits: rows.map((r) => ({
        chunkId: r.chunk_id,
        documentId: r.external_id,
        title: r.title,
        text: r.text,
        entityKey: r.entity_key,
        score: Number(r.score),
        inEntity: r.in_entity,
      })),
      maxPossible: rows.length ? Number(rows[0].max_possible) : 0,
    };
  }

  /** Revision of a knowledge base (bumped on each change), or null if it does not exist. */
  async revision(kbId: string): Promise<number | null> {
    const kb = await this.prisma.knowledgeBase.findUnique({
      where: { id: kbId },
      select: { revision: true },
    });
    return kb?.revision ?? null;
  }

  /**
   * Entity names of a knowledge base and, for every token of those names, the number of chunks
   * containing it (stop words, which PostgreSQL does not index, count as in every chunk).
   */
  async entityIndexData(
    kbId: string,
    tokensOf: (name: string) => string[],
  ): Promise<{ names: string[]; docFreq: Map<string, number>; docCount: number }> {
    const kb = await this.prisma.knowledgeBase.findUnique({
      where: { id: kbId },
      select: { chunkCount: true },
    });
    const docCount = kb?.chunkCount ?? 0;
    const names = (
      await this.prisma.$queryRawUnsafe<{ entity: string }[]>(
        'SELECT DISTINCT entity FROM kb_documents WHERE knowledge_base_id = $1::uuid AND entity IS NOT NULL',
        kbId,
      )
    ).map((r) => r.entity);
    const tokens = [...new Set(names.flatMap(tokensOf))];
    const docFreq = new Map<string, number>();
    if (tokens.length) {
      const rows = await this.prisma.$queryRawUnsafe<
        { tok: string; lexeme: string | null; df: number | null }[]
      >(
        `SELECT t.tok, v.lexeme, kt.document_freq AS df
         FROM unnest($2::text[]) AS t(tok)
         LEFT JOIN LATERAL (SELECT lexeme FROM unnest(to_tsvector('english', t.tok)) LIMIT 1) v ON true
         LEFT JOIN kb_terms kt ON kt.knowledge_base_id = $1::uuid AND kt.lexeme = v.lexeme`,
        kbId,
        tokens,
      );
      for (const r of rows) docFreq.set(r.tok, r.lexeme === null ? docCount : Number(r.df ?? 0));
    }
    return { names, docFreq, docCount };
  }
}

const SEARCH_SQL = `
WITH kb AS (
  SELECT chunk_count::float8 AS n, greatest(avg_chunk_length, 1)::float8 AS avgdl
  FROM knowledge_bases WHERE id = $1::uuid
),
q AS (
  SELECT u.lexeme, sum(t.w)::float8 AS qw
  FROM unnest($2::text[], $3::float8[]) AS t(txt, w)
  CROSS JOIN LATERAL unnest(to_tsvector('english', t.txt)) AS u
  GROUP BY u.lexeme
),
qi AS (
  SELECT q.lexeme, q.qw, ln(1 + (kb.n - kt.document_freq + 0.5) / (kt.document_freq + 0.5)) AS idf
  FROM q CROSS JOIN kb
  JOIN kb_terms kt ON kt.knowledge_base_id = $1::uuid AND kt.lexeme = q.lexeme
),
tq AS (
  SELECT CASE WHEN count(*) = 0 THEN NULL
              ELSE to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) END AS query
  FROM qi
),
cand AS (
  -- entity chunks when the conversation named entities; otherwise the best lexical matches
  -- (ts_rank prefilter over the GIN matches, then exact BM25F below)
  SELECT c.id, c.length, c.tsv, c.embedding, true AS in_entity
  FROM kb_chunks c
  WHERE cardinality($4::text[]) > 0 AND c.knowledge_base_id = $1::uuid AND c.entity_key = ANY($4::text[])
  UNION ALL
  SELECT * FROM (
    SELECT c.id, c.length, c.tsv, c.embedding, false AS in_entity
    FROM kb_chunks c, tq
    WHERE cardinality($4::text[]) = 0 AND c.knowledge_base_id = $1::uuid AND c.tsv @@ tq.query
    ORDER BY ts_rank(c.tsv, tq.query) DESC
    LIMIT $12
  ) g
),
scored AS (
  SELECT c.id, c.in_entity, c.embedding, coalesce(sum(m.contrib), 0) AS lexical
  FROM cand c
  LEFT JOIN LATERAL (
    SELECT qi.qw * qi.idf * (w.tfw * ($6::float8 + 1))
           / (w.tfw + $6::float8 * (1 - $7::float8 + $7::float8 * c.length / kb.avgdl)) AS contrib
    FROM unnest(c.tsv) u
    JOIN qi ON qi.lexeme = u.lexeme
    CROSS JOIN kb
    CROSS JOIN LATERAL (
      SELECT sum(CASE wt WHEN 'A' THEN $8::float8 WHEN 'B' THEN $9::float8 ELSE 1 END)::float8 AS tfw
      FROM unnest(u.weights) wt
    ) w
  ) m ON true
  GROUP BY c.id, c.in_entity, c.embedding
),
mp AS (SELECT coalesce(sum(qw * idf), 0)::float8 AS max_possible FROM qi)
SELECT c.id AS chunk_id, d.external_id, c.title, c.text, c.entity_key,
       (s.lexical + CASE WHEN $10::real[] IS NULL OR s.embedding IS NULL THEN 0
          ELSE $11::float8 * greatest(mp.max_possible, 1) *
               (SELECT sum(a * b) FROM unnest(s.embedding, $10::real[]) AS x(a, b)) END)::float8 AS score,
       s.in_entity, mp.max_possible
FROM scored s
CROSS JOIN mp
JOIN kb_chunks c ON c.id = s.id
JOIN kb_documents d ON d.id = c.document_id
ORDER BY s.in_entity DESC, score DESC, c.id
LIMIT $5
`;
