import { KbIndexCache, type KbIndexUnavailable } from './kb-index-cache';

/** One nearest chunk found by {@link DenseIndex.search}. */
export interface DenseHit {
  chunkId: string;
  /** Cosine similarity to the query (vectors are unit length, so the dot product). */
  cosine: number;
}

/**
 * Exact (brute-force) nearest-neighbour index over the unit-length chunk vectors of one knowledge
 * base revision, held in one `Float32Array` (row-major, `dims` floats per chunk). There is no ANN
 * structure: a search reads every vector (cost O(chunks × dims), e.g. ~10-50 ms for 11k × 1,536 on
 * one core) — PostgreSQL without pgvector cannot do better (a `REAL[]` dot product in SQL took ~4 s
 * for the same data). Memory: 4 × chunks × dims bytes plus the ids.
 */
export class DenseIndex {
  readonly size: number;

  /**
   * @param chunkIds   chunk id of each row
   * @param entityKeys entity key of each row (null when the document names none)
   * @param dims       vector length
   * @param vectors    `chunkIds.length × dims` floats, row-major, each row unit length
   * @throws Error when the shapes disagree
   */
  constructor(
    readonly chunkIds: readonly string[],
    readonly entityKeys: readonly (string | null)[],
    readonly dims: number,
    readonly vectors: Float32Array,
  ) {
    if (entityKeys.length !== chunkIds.length || vectors.length !== chunkIds.length * dims)
      throw new Error(
        `dense index: ${chunkIds.length} ids, ${entityKeys.length} keys, ${vectors.length} floats for ${dims} dims`,
      );
    this.size = chunkIds.length;
  }

  /** Approximate heap bytes (vectors + ids), for the cache budget. */
  get bytes(): number {
    return this.vectors.byteLength + this.size * 100;
  }

  /**
   * The `limit` chunks most similar to `query` (unit length, `dims` long) with cosine > 0, best
   * first (ties by position). With `entities`, only chunks of those entity keys are considered.
   * @throws Error when the query has another dimension
   */
  search(query: readonly number[], limit: number, entities?: ReadonlySet<string>): DenseHit[] {
    if (query.length !== this.dims)
      throw new Error(`dense index: query has ${query.length} dimensions, index ${this.dims}`);
    const q = Float32Array.from(query);
    const d = this.dims;
    const v = this.vectors;
    // bounded top-k: sorted ascending by score, replace the smallest when a better row comes
    const topScore: number[] = [];
    const topRow: number[] = [];
    for (let row = 0; row < this.size; row++) {
      if (entities) {
        const k = this.entityKeys[row];
        if (k === null || !entities.has(k)) continue;
      }
      let s = 0;
      const off = row * d;
      for (let j = 0; j < d; j++) s += v[off + j] * q[j];
      if (!(s > 0)) continue;
      if (topScore.length === limit && s <= topScore[0]) continue;
      let i = 0;
      while (i < topScore.length && topScore[i] < s) i++;
      topScore.splice(i, 0, s);
      topRow.splice(i, 0, row);
      if (topScore.length > limit) {
        topScore.shift();
        topRow.shift();
      }
    }
    const hits: DenseHit[] = [];
    for (let i = topScore.length - 1; i >= 0; i--)
      hits.push({ chunkId: this.chunkIds[topRow[i]], cosine: topScore[i] });
    return hits;
  }
}

/** Why a knowledge base's dense index is not usable right now. */
export type DenseIndexUnavailable = KbIndexUnavailable;

/** The {@link KbIndexCache} of {@link DenseIndex}es (vectors per KB revision). */
export class DenseIndexCache extends KbIndexCache<DenseIndex> {}
