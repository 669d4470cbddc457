import { LRUCache } from 'lru-cache';
import { KbIndexCache } from './kb-index-cache';
import type { RankingParams, SearchHit, SearchResult } from './retrieval.repository';

/**
 * One chunk of a knowledge base as the lexical index holds it: what a hit returns, and its postings
 * (the chunk's tsvector: one entry per distinct lexeme with the number of positions of each weight).
 */
export interface LexicalChunkRow {
  chunkId: string;
  /** The document's external id (`kb_documents.external_id`). */
  documentId: string;
  title: string;
  text: string;
  entityKey: string | null;
  /** `kb_chunks.length` = `length(tsv)`, the number of distinct lexemes (BM25 document length). */
  length: number;
  /** Distinct lexemes of the chunk's tsvector. */
  lexemes: readonly string[];
  /** Per lexeme: positions of weight A (title). */
  titleCounts: readonly number[];
  /** Per lexeme: positions of weight B (entity name). */
  entityCounts: readonly number[];
  /** Per lexeme: positions of weight C or D (body). */
  bodyCounts: readonly number[];
}

/** Knowledge-base statistics the BM25F formula uses (`knowledge_bases.chunk_count`, `avg_chunk_length`). */
export interface LexicalKbStats {
  chunkCount: number;
  avgChunkLength: number;
}

/** One query lexeme with its weight (the weights of the texts it occurs in, added up). */
export interface WeightedLexeme {
  lexeme: string;
  weight: number;
}

interface Postings {
  rows: Int32Array;
  title: Uint16Array;
  entity: Uint16Array;
  body: Uint16Array;
}

/**
 * In-memory inverted index of one knowledge base revision, ranking exactly as PostgreSQL's
 * {@link RetrievalRepository.search} does — BM25F over the weighted tsvector positions (title A, entity
 * B, body C/D), idf `ln(1 + (N − df + 0.5) / (df + 0.5))` (Robertson–Spärck Jones as in Lucene),
 * `N` = chunk count, `df` = chunks holding the lexeme, length = distinct lexemes over the KB's average;
 * entity chunks first; with dense candidates, reciprocal rank fusion (Cormack et al. 2009) of the BM25F
 * rank and the dense rank — with one difference: without an entity every chunk matching a query lexeme
 * is scored exactly, where the SQL path first cuts the matches to the best `candidates` by `ts_rank`.
 *
 * Why: the entity-less SQL ranking cost ~14 ms of PostgreSQL CPU per suggestion (the OR of ~40
 * lexemes matches half the chunks; docs/benchmarks.md "Assist"); here it is a walk over the
 * postings of the query's lexemes. Memory: the chunk texts plus ~10 bytes per (chunk, lexeme).
 * The lexemes themselves still come from PostgreSQL's `english` configuration (query and chunks are
 * stemmed by the same code).
 */
export class LexicalIndex {
  readonly size: number;
  /** Approximate heap bytes (texts, ids, postings), for the cache budget. */
  readonly bytes: number;
  /** What a hit returns, per row (the postings arrays of the input are not kept). */
  private readonly rows: readonly Pick<
    LexicalChunkRow,
    'chunkId' | 'documentId' | 'title' | 'text' | 'entityKey'
  >[];
  private readonly lengths: Float64Array;
  private readonly postings = new Map<string, Postings>();
  private readonly byEntity = new Map<string, number[]>();
  private readonly rowOf = new Map<string, number>();
  private readonly scores: Float64Array;
  private readonly mark: Uint8Array;

  /**
   * @param rows  every chunk of the KB revision (any order)
   * @param stats the same revision's `chunk_count` and `avg_chunk_length`
   */
  constructor(
    rows: readonly LexicalChunkRow[],
    readonly stats: LexicalKbStats,
  ) {
    this.rows = rows.map(({ chunkId, documentId, title, text, entityKey }) => ({
      chunkId,
      documentId,
      title,
      text,
      entityKey,
    }));
    this.size = rows.length;
    this.lengths = new Float64Array(rows.length);
    this.scores = new Float64Array(rows.length);
    this.mark = new Uint8Array(rows.length);
    const lists = new Map<string, { rows: number[]; title: number[]; entity: number[]; body: number[] }>();
    let bytes = 0;
    rows.forEach((r, i) => {
      this.lengths[i] = r.length;
      this.rowOf.set(r.chunkId, i);
      if (r.entityKey !== null) {
        const list = this.byEntity.get(r.entityKey);
        if (list) list.push(i);
        else this.byEntity.set(r.entityKey, [i]);
      }
      // strings (UTF-16 at worst) and the row object, map entries: calibrated on the 10,882-chunk demo KB
      bytes += 2 * (r.title.length + r.text.length + r.documentId.length + r.chunkId.length) + 400;
      for (let j = 0; j < r.lexemes.length; j++) {
        let p = lists.get(r.lexemes[j]);
        if (!p) {
          p = { rows: [], title: [], entity: [], body: [] };
          lists.set(r.lexemes[j], p);
          bytes += 2 * r.lexemes[j].length + 200;
        }
        p.rows.push(i);
        p.title.push(r.titleCounts[j]);
        p.entity.push(r.entityCounts[j]);
        p.body.push(r.bodyCounts[j]);
      }
    });
    for (const [lexeme, p] of lists) {
      this.postings.set(lexeme, {
        rows: Int32Array.from(p.rows),
        title: Uint16Array.from(p.title),
        entity: Uint16Array.from(p.entity),
        body: Uint16Array.from(p.body),
      });
      bytes += p.rows.length * 10 + 4 * 64; // typed arrays: 4 + 3 × 2 bytes a posting, plus their headers
    }
    this.bytes = bytes + rows.length * 24;
  }

  /**
   * Ranks the KB's chunks for a stemmed query (same contract and order as the SQL search: entity
   * chunks first, then score descending, then chunk id). Synchronous: it reuses the index's scratch
   * arrays (one score and one mark per chunk, reset before it returns), so searches never interleave.
   * Cost: the postings of the query's lexemes plus a sort of the candidates (≈ 1 ms for ~40 lexemes over
   * 10,882 chunks).
   * @param q.lexemes query lexemes with their weights (lexemes the KB lacks are ignored)
   * @param q.entities entity keys: candidates are their chunks; empty = every chunk matching a lexeme
   * @param q.limit hits returned
   * @param q.dense nearest chunks by embedding, best first (null: BM25F order)
   */
  search(q: {
    lexemes: readonly WeightedLexeme[];
    entities: readonly string[];
    limit: number;
    params: RankingParams;
    dense?: readonly { chunkId: string; cosine: number }[] | null;
  }): SearchResult {
    const p = q.params;
    const n = this.stats.chunkCount;
    const avgdl = Math.max(this.stats.avgChunkLength, 1);
    const terms: { postings: Postings; qw: number; idf: number }[] = [];
    let maxPossible = 0;
    for (const { lexeme, weight } of q.lexemes) {
      const postings = this.postings.get(lexeme);
      if (!postings) continue;
      const df = postings.rows.length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      terms.push({ postings, qw: weight, idf });
      maxPossible += weight * idf;
    }
    const scores = this.scores;
    const mark = this.mark; // 1: candidate, 2: candidate in one of the entities
    const candidates: number[] = [];
    const add = (row: number, inEntity: boolean) => {
      if (!mark[row]) candidates.push(row);
      if (inEntity) mark[row] = 2;
      else if (!mark[row]) mark[row] = 1;
    };
    const entitySet = new Set(q.entities);
    try {
      if (entitySet.size) {
        for (const e of entitySet) for (const row of this.byEntity.get(e) ?? []) add(row, true);
      }
      // dense candidates are scored lexically too (a chunk the KB no longer has is dropped)
      const denseRank = new Map<number, { rank: number; cosine: number }>();
      q.dense?.forEach((d, i) => {
        const row = this.rowOf.get(d.chunkId);
        if (row === undefined || denseRank.has(row)) return;
        denseRank.set(row, { rank: i + 1, cosine: d.cosine });
        const key = this.rows[row].entityKey;
        add(row, key !== null && entitySet.has(key));
      });
      // with entities only the candidates so far (entity + dense chunks) are scored; without, every match
      const restricted = entitySet.size > 0;
      const k1 = p.k1;
      const b = p.b;
      for (const t of terms) {
        const { rows, title, entity, body } = t.postings;
        for (let j = 0; j < rows.length; j++) {
          const row = rows[j];
          if (restricted) {
            if (!mark[row]) continue;
          } else add(row, false);
          const tfw = title[j] * p.titleWeight + entity[j] * p.entityWeight + body[j];
          scores[row] +=
            (t.qw * t.idf * (tfw * (k1 + 1))) / (tfw + k1 * (1 - b + (b * this.lengths[row]) / avgdl));
        }
      }
      const byId = (a: number, b: number) =>
        this.rows[a].chunkId < this.rows[b].chunkId
          ? -1
          : this.rows[a].chunkId > this.rows[b].chunkId
            ? 1
            : 0;
      const score = new Map<number, number>();
      if (q.dense) {
        const lexicalOrder = candidates
          .filter((r) => scores[r] > 0)
          .sort((a, b) => scores[b] - scores[a] || byId(a, b));
        const lexRank = new Map<number, number>();
        lexicalOrder.forEach((r, i) => lexRank.set(r, i + 1));
        for (const r of candidates) {
          const lr = lexRank.get(r);
          const dr = denseRank.get(r);
          score.set(
            r,
            (lr === undefined ? 0 : p.lexicalWeight / (p.rrfK + lr)) +
              (dr === undefined ? 0 : p.denseWeight / (p.rrfK + dr.rank)),
          );
        }
      } else for (const r of candidates) score.set(r, scores[r]);
      const top = topRows(candidates, q.limit, (a, b) => {
        const ea = mark[a] === 2 ? 1 : 0;
        const eb = mark[b] === 2 ? 1 : 0;
        return eb - ea || score.get(b)! - score.get(a)! || byId(a, b);
      });
      const hits: SearchHit[] = top.map((r) => {
        const c = this.rows[r];
        return {
          chunkId: c.chunkId,
          documentId: c.documentId,
          title: c.title,
          text: c.text,
          entityKey: c.entityKey,
          score: score.get(r)!,
          lexical: scores[r],
          cosine: denseRank.get(r)?.cosine ?? null,
          inEntity: mark[r] === 2,
        };
      });
      return { hits, maxPossible: hits.length ? maxPossible : 0 };
    } finally {
      for (const r of candidates) {
        scores[r] = 0;
        mark[r] = 0;
      }
    }
  }
}

/** The `limit` first rows of `rows` in `cmp` order (a full sort when that is most of them). */
function topRows(rows: number[], limit: number, cmp: (a: number, b: number) => number): number[] {
  if (limit <= 0) return [];
  if (rows.length <= limit * 4) return [...rows].sort(cmp).slice(0, limit);
  const top: number[] = [];
  for (const r of rows) {
    if (top.length === limit && cmp(r, top[limit - 1]) >= 0) continue;
    let i = top.length;
    while (i > 0 && cmp(r, top[i - 1]) < 0) i--;
    top.splice(i, 0, r);
    if (top.length > limit) top.pop();
  }
  return top;
}

/** The {@link KbIndexCache} of {@link LexicalIndex}es (postings per KB revision). */
export class LexicalIndexCache extends KbIndexCache<LexicalIndex> {}

/**
 * Query lexemes from weighted texts, each text stemmed once by PostgreSQL (`to_tsvector('english')`,
 * through `stem`) and remembered (LRU, `maxTexts`): a conversation's earlier turns come back in every
 * later query. The weights of a lexeme over the texts add up, as in the SQL search's `q` CTE.
 */
export class QueryLexemes {
  private readonly cache: LRUCache<string, readonly string[]>;

  /**
   * @param stem     stems texts, one distinct-lexeme list per text, in order
   * @param maxTexts texts remembered
   */
  constructor(
    private readonly stem: (texts: string[]) => Promise<string[][]>,
    maxTexts = 20_000,
  ) {
    this.cache = new LRUCache({ max: maxTexts });
  }

  /** @throws the database error of `stem` */
  async of(texts: readonly { text: string; weight: number }[]): Promise<WeightedLexeme[]> {
    const missing = [...new Set(texts.map((t) => t.text).filter((t) => !this.cache.has(t)))];
    if (missing.length) {
      const stemmed = await this.stem(missing);
      missing.forEach((t, i) => this.cache.set(t, stemmed[i] ?? []));
    }
    const weights = new Map<string, number>();
    for (const t of texts) {
      for (const lexeme of this.cache.get(t.text) ?? [])
        weights.set(lexeme, (weights.get(lexeme) ?? 0) + t.weight);
    }
    return [...weights].map(([lexeme, weight]) => ({ lexeme, weight }));
  }
}
