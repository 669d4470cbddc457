import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  forTenant,
  inTenantTransaction,
  PG_POOL,
  preparedQuery,
  PRISMA,
  type PrismaClient,
} from '@hub/persistence';
import { DenseIndex } from './dense-index';
import { LexicalIndex, type LexicalChunkRow } from './lexical-index';

/** BM25F parameters of {@link RetrievalRepository.search} and the fusion with dense ranks. */
export interface RankingParams {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation (0 = none, 1 = full). */
  b: number;
  /** Weight of a title occurrence relative to a body occurrence. */
  titleWeight: number;
  /** Weight of an entity-name occurrence relative to a body occurrence. */
  entityWeight: number;
  /** Reciprocal rank fusion constant k in `1 / (k + rank)` (Cormack et al. 2009 use 60). */
  rrfK: number;
  /** Weight of the dense list's `1 / (k + rank)` term. */
  denseWeight: number;
  /** Weight of the lexical (BM25F) list's `1 / (k + rank)` term (0: dense order only, entity chunks still first). */
  lexicalWeight: number;
  /** Customer turns embedded for the dense query, most recent last ({@link denseQueryText}). */
  denseTurns: number;
  /** Nearest chunks taken from the dense index as candidates. */
  denseCandidates: number;
}

export const DEFAULT_RANKING: RankingParams = {
  k1: 1.2,
  b: 0.75,
  titleWeight: 2,
  entityWeight: 0.5,
  rrfK: 60,
  denseWeight: 1,
  lexicalWeight: 1,
  // the last customer turn only: chosen on half A of the dev dialogues (docs/assist-eval.md), 0.765 vs 0.625 for two
  denseTurns: 1,
  denseCandidates: 100,
};

/** One ranked chunk. */
export interface SearchHit {
  chunkId: string;
  documentId: string;
  title: string;
  text: string;
  entityKey: string | null;
  /**
   * Ranking score: BM25F when no dense candidates were given, otherwise the reciprocal-rank-fusion
   * score `lexicalWeight/(k + lexicalRank) + denseWeight/(k + denseRank)` (a missing rank adds nothing).
   */
  score: number;
  /** BM25F score (0 when no query term matched). */
  lexical: number;
  /** Cosine similarity to the query when the chunk was a dense candidate, else null. */
  cosine: number | null;
  /** The chunk belongs to one of the requested entities. */
  inEntity: boolean;
}

/** Result of {@link RetrievalRepository.search}. */
export interface SearchResult {
  hits: SearchHit[];
  /** Score of a passage holding every query term once at average length (confidence scale). */
  maxPossible: number;
}

/** What retrieval needs to know about a knowledge base (one row of `knowledge_bases`). */
export interface KbRetrievalState {
  tenantId: string;
  revision: number;
  embeddingIntegrationId: string | null;
  /** Model the stored chunk vectors come from (null: none stored yet). */
  embeddingModel: string | null;
}

/**
 * Ranked retrieval in PostgreSQL. Lexical candidates are every chunk of the requested entities or,
 * when no entity is given, the `candidates` best `ts_rank` matches of any query lexeme (GIN index on
 * `kb_chunks.tsv`); `dense` adds the nearest chunks found by the in-memory dense index
 * ({@link DenseIndex}). All candidates are scored with BM25F over the weighted tsvector positions
 * (title A, entity B, body D; idf from `kb_terms`). Query texts are stemmed by PostgreSQL
 * (`english`), each with a weight; the weights of a lexeme add up. Without `dense` the order is
 * BM25F; with it, reciprocal rank fusion of the BM25F rank (chunks with a positive score) and the
 * given dense rank. Entity chunks always come first. Callers fill up with an entity-less search
 * when an entity has fewer chunks than wanted.
 */
/** Cache key of a tenant's knowledge base (KB ids are UUIDs, so the last `:` separates them). */
export const cacheKey = (tenantId: string, kbId: string) => `${tenantId}:${kbId}`;

/** The tenant and KB id of a {@link cacheKey}. */
export function fromCacheKey(key: string): { tenantId: string; kbId: string } {
  const at = key.lastIndexOf(':');
  return { tenantId: key.slice(0, at), kbId: key.slice(at + 1) };
}

@Injectable()
export class RetrievalRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /**
   * Distinct lexemes of each text as PostgreSQL's `english` configuration makes them (`to_tsvector`,
   * the configuration the chunks were indexed with), one list per text, in order. One prepared statement
   * on the pool, no tenant data read.
   */
  async stem(texts: string[]): Promise<string[][]> {
    const { rows } = await preparedQuery<{ i: number; lexemes: string[] }>(
      this.pool,
      'suggestion.stem',
      `SELECT t.i::int AS i, coalesce((SELECT array_agg(u.lexeme) FROM unnest(to_tsvector('english', t.txt)) u), '{}') AS lexemes
       FROM unnest($1::text[]) WITH ORDINALITY AS t(txt, i)`,
      [texts],
    );
    const out: string[][] = texts.map(() => []);
    for (const r of rows) out[r.i - 1] = r.lexemes;
    return out;
  }

  /**
   * The whole lexical index of a knowledge base — every chunk with its hit fields and tsvector postings,
   * and the KB's `chunk_count` / `avg_chunk_length` — read by ONE statement (one snapshot: chunks,
   * statistics agree) inside the tenant (row-level security).
   * @throws Error when the tenant has no such knowledge base; the database error otherwise
   */
  async lexicalIndex(tenantId: string, kbId: string): Promise<LexicalIndex> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (c) =>
      c.query<{
        chunk_count: number;
        avg_chunk_length: number;
        id: string | null;
        external_id: string;
        title: string;
        text: string;
        entity_key: string | null;
        length: number;
        lexemes: string[];
        a: number[];
        b: number[];
        o: number[];
      }>(LEXICAL_INDEX_SQL, [kbId]),
    );
    if (!rows.length) throw new Error(`knowledge base ${kbId} not found for tenant ${tenantId}`);
    const chunks: LexicalChunkRow[] = [];
    for (const r of rows) {
      if (r.id === null) continue;
      chunks.push({
        chunkId: r.id,
        documentId: r.external_id,
        title: r.title,
        text: r.text,
        entityKey: r.entity_key,
        length: r.length,
        lexemes: r.lexemes,
        titleCounts: r.a,
        entityCounts: r.b,
        bodyCounts: r.o,
      });
    }
    return new LexicalIndex(chunks, {
      chunkCount: Number(rows[0].chunk_count),
      avgChunkLength: Number(rows[0].avg_chunk_length),
    });
  }

  /**
   * Ranks the chunks of knowledge base `q.kbId` inside tenant `q.tenantId` (row-level security: another
   * tenant's knowledge base id finds nothing).
   */
  async search(q: {
    tenantId: string;
    kbId: string;
    texts: { text: string; weight: number }[];
    entities: string[];
    limit: number;
    params?: RankingParams;
    /** Nearest chunks by embedding, best first (null/absent: lexical ranking only). */
    dense?: { chunkId: string; cosine: number }[] | null;
    /** Lexical candidates rescored when no entity is given (ts_rank prefilter). Default 400. */
    candidates?: number;
  }): Promise<SearchResult> {
    const p = q.params ?? DEFAULT_RANKING;
    const rows = await forTenant(this.prisma, q.tenantId).$queryRawUnsafe<
      {
        chunk_id: string;
        external_id: string;
        title: string;
        text: string;
        entity_key: string | null;
        score: number;
        lexical: number;
        cosine: number | null;
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
      q.dense ? q.dense.map((d) => d.chunkId) : null,
      q.dense ? q.dense.map((d) => d.cosine) : null,
      q.candidates ?? 400,
      p.rrfK,
      p.denseWeight,
      p.lexicalWeight,
    );
    return {
      hits: rows.map((r) => ({
        chunkId: r.chunk_id,
        documentId: r.external_id,
        title: r.title,
        text: r.text,
        entityKey: r.entity_key,
        score: Number(r.score),
        lexical: Number(r.lexical),
        cosine: r.cosine === null ? null : Number(r.cosine),
        inEntity: r.in_entity,
      })),
      maxPossible: rows.length ? Number(rows[0].max_possible) : 0,
    };
  }

  /** Tenant, revision and embedding settings of the tenant's knowledge base, or null if it has none with this id. */
  async kbState(tenantId: string, kbId: string): Promise<KbRetrievalState | null> {
    const kb = await forTenant(this.prisma, tenantId).knowledgeBase.findFirst({
      where: { id: kbId },
      select: { tenantId: true, revision: true, embeddingIntegrationId: true, embeddingModel: true },
    });
    return kb;
  }

  /**
   * Every stored chunk vector of a knowledge base as one row-major `Float32Array` (for
   * {@link DenseIndex}). Vectors are sent as text (`array_to_string`), which parses about twice as
   * fast as `REAL[]` through the driver. Read in pages of `pageSize` chunks (keyset on the chunk id), each its own
   * short tenant transaction: one statement for 10,882 × 384 vectors outlived the tenant transaction's 5 s limit on
   * a loaded machine, and parsing a page at a time lets the event loop serve other requests in between.
   * Rows whose length differs from the first are skipped.
   */
  async denseVectors(tenantId: string, kbId: string, pageSize = 1000): Promise<DenseIndex> {
    const db = forTenant(this.prisma, tenantId);
    const ids: string[] = [];
    const keys: (string | null)[] = [];
    const pages: Float32Array[] = [];
    let dims = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await db.$queryRawUnsafe<{ id: string; entity_key: string | null; v: string }[]>(
        `SELECT id, entity_key, array_to_string(embedding, ',') AS v
         FROM kb_chunks WHERE knowledge_base_id = $1::uuid AND embedding IS NOT NULL AND id > $2::uuid
         ORDER BY id LIMIT $3`,
        kbId,
        after,
        pageSize,
      );
      if (!rows.length) break;
      if (!dims) dims = rows[0].v.split(',').length;
      const page = new Float32Array(rows.length * dims);
      let n = 0;
      for (const r of rows) {
        const parts = r.v.split(',');
        if (parts.length !== dims) continue;
        const off = n * dims;
        for (let j = 0; j < dims; j++) page[off + j] = Number(parts[j]);
        ids.push(r.id);
        keys.push(r.entity_key);
        n += 1;
      }
      pages.push(page.subarray(0, n * dims));
      after = rows[rows.length - 1].id;
      if (rows.length < pageSize) break;
    }
    const vectors = new Float32Array(ids.length * dims);
    let off = 0;
    for (const p of pages) {
      vectors.set(p, off);
      off += p.length;
    }
    return new DenseIndex(ids, keys, dims, vectors);
  }

  /**
   * Entity names of a knowledge base and, for every token of those names, the number of chunks
   * containing it (stop words, which PostgreSQL does not index, count as in every chunk).
   */
  async entityIndexData(
    tenantId: string,
    kbId: string,
    tokensOf: (name: string) => string[],
  ): Promise<{ names: string[]; docFreq: Map<string, number>; docCount: number }> {
    const db = forTenant(this.prisma, tenantId);
    const kb = await db.knowledgeBase.findFirst({
      where: { id: kbId },
      select: { chunkCount: true },
    });
    const docCount = kb?.chunkCount ?? 0;
    const names = (
      await db.$queryRawUnsafe<{ entity: string }[]>(
        'SELECT DISTINCT entity FROM kb_documents WHERE knowledge_base_id = $1::uuid AND entity IS NOT NULL',
        kbId,
      )
    ).map((r) => r.entity);
    const tokens = [...new Set(names.flatMap(tokensOf))];
    const docFreq = new Map<string, number>();
    if (tokens.length) {
      const rows = await db.$queryRawUnsafe<{ tok: string; lexeme: string | null; df: number | null }[]>(
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

// $1 kb. One row per chunk (one row with a null id for a KB without chunks); per chunk its tsvector as parallel
// arrays: lexeme and the number of its positions weighted A (title), B (entity) and C/D (body)
const LEXICAL_INDEX_SQL = `
SELECT kb.chunk_count, kb.avg_chunk_length::float8 AS avg_chunk_length,
       ch.id, ch.external_id, ch.title, ch.text, ch.entity_key, ch.length, ch.lexemes, ch.a, ch.b, ch.o
FROM knowledge_bases kb
LEFT JOIN LATERAL (
  SELECT c.id, d.external_id, c.title, c.text, c.entity_key, c.length,
         coalesce(p.lexemes, '{}') AS lexemes, coalesce(p.a, '{}') AS a, coalesce(p.b, '{}') AS b,
         coalesce(p.o, '{}') AS o
  FROM kb_chunks c
  JOIN kb_documents d ON d.id = c.document_id
  LEFT JOIN LATERAL (
    SELECT array_agg(u.lexeme) AS lexemes, array_agg(w.a) AS a, array_agg(w.b) AS b, array_agg(w.o) AS o
    FROM unnest(c.tsv) u
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE x = 'A')::int AS a, count(*) FILTER (WHERE x = 'B')::int AS b,
             count(*) FILTER (WHERE x NOT IN ('A', 'B'))::int AS o
      FROM unnest(u.weights) x
    ) w
  ) p ON true
  WHERE c.knowledge_base_id = kb.id
) ch ON true
WHERE kb.id = $1::uuid
`;

// $1 kb, $2/$3 query texts/weights, $4 entity keys, $5 limit, $6 k1, $7 b, $8 title weight,
// $9 entity weight, $10/$11 dense chunk ids/cosines (best first, or NULL), $12 lexical candidates,
// $13 RRF k, $14 dense weight, $15 lexical weight
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
dense AS (
  SELECT d.id, d.cosine, d.rnk
  FROM unnest($10::uuid[], $11::float8[]) WITH ORDINALITY AS d(id, cosine, rnk)
),
cand_all AS (
  -- entity chunks when the conversation named entities; otherwise the best lexical matches
  -- (ts_rank prefilter over the GIN matches, then exact BM25F below); plus the dense candidates
  SELECT c.id, c.length, c.tsv, true AS in_entity
  FROM kb_chunks c
  WHERE cardinality($4::text[]) > 0 AND c.knowledge_base_id = $1::uuid AND c.entity_key = ANY($4::text[])
  UNION ALL
  SELECT * FROM (
    SELECT c.id, c.length, c.tsv, false AS in_entity
    FROM kb_chunks c, tq
    WHERE cardinality($4::text[]) = 0 AND c.knowledge_base_id = $1::uuid AND c.tsv @@ tq.query
    ORDER BY ts_rank(c.tsv, tq.query) DESC
    LIMIT $12
  ) g
  UNION ALL
  SELECT c.id, c.length, c.tsv, coalesce(c.entity_key = ANY($4::text[]), false) AS in_entity
  FROM dense d JOIN kb_chunks c ON c.id = d.id AND c.knowledge_base_id = $1::uuid
),
cand AS (SELECT DISTINCT ON (id) * FROM cand_all ORDER BY id),
scored AS (
  SELECT c.id, c.in_entity, coalesce(sum(m.contrib), 0)::float8 AS lexical
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
  GROUP BY c.id, c.in_entity
),
ranked AS (
  SELECT s.*,
         CASE WHEN s.lexical > 0
              THEN row_number() OVER (PARTITION BY s.lexical > 0 ORDER BY s.lexical DESC, s.id) END AS lex_rank
  FROM scored s
),
mp AS (SELECT coalesce(sum(qw * idf), 0)::float8 AS max_possible FROM qi)
SELECT c.id AS chunk_id, d.external_id, c.title, c.text, c.entity_key,
       (CASE WHEN $10::uuid[] IS NULL THEN r.lexical
             ELSE coalesce($15::float8 / ($13::float8 + r.lex_rank), 0)
                  + coalesce($14::float8 / ($13::float8 + dn.rnk), 0) END)::float8 AS score,
       r.lexical, dn.cosine, r.in_entity, mp.max_possible
FROM ranked r
CROSS JOIN mp
JOIN kb_chunks c ON c.id = r.id
JOIN kb_documents d ON d.id = c.document_id
LEFT JOIN dense dn ON dn.id = r.id
ORDER BY r.in_entity DESC, score DESC, c.id
LIMIT $5
`;
