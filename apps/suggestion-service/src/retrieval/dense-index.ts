import { LRUCache } from 'lru-cache';

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
export type DenseIndexUnavailable = 'loading' | 'too_large';

/**
 * In-memory {@link DenseIndex} per knowledge base, valid for one KB revision, least recently used
 * evicted beyond `maxBytes`. Loads are single-flight per (KB, revision) and run on after a caller
 * stops waiting, so a slow first load (large KB) serves the next query. A KB whose index alone
 * exceeds the budget is never held (its retrievals stay lexical, reason `too_large`).
 */
export class DenseIndexCache {
  private readonly cache: LRUCache<string, { revision: number; index: DenseIndex }>;
  private readonly loading = new Map<
    string,
    { revision: number; promise: Promise<DenseIndex | 'too_large'> }
  >();
  private readonly tooLarge = new Map<string, number>();

  /**
   * @param load     reads a KB's vectors (rows with an embedding) from the database
   * @param maxBytes memory budget for all cached indexes
   */
  constructor(
    private readonly load: (kbId: string) => Promise<DenseIndex>,
    private readonly maxBytes: number,
  ) {
    this.cache = new LRUCache({ maxSize: maxBytes, sizeCalculation: (e) => Math.max(1, e.index.bytes) });
  }

  /**
   * The KB's index at `revision`, waiting at most until `deadline` (a `performance.now()` time, ms)
   * for a load. @returns the index, or why it is unavailable. @throws the load's database error
   */
  async get(kbId: string, revision: number, deadline: number): Promise<DenseIndex | DenseIndexUnavailable> {
    const hit = this.cache.get(kbId);
    if (hit && hit.revision === revision) return hit.index;
    if (this.tooLarge.get(kbId) === revision) return 'too_large';
    let pending = this.loading.get(kbId);
    if (!pending || pending.revision !== revision) {
      const promise = this.load(kbId).then(
        (index) => {
          if (this.loading.get(kbId)?.promise === promise) this.loading.delete(kbId);
          if (index.bytes > this.maxBytes) {
            this.tooLarge.set(kbId, revision);
            this.cache.delete(kbId);
            return 'too_large' as const;
          }
          const current = this.cache.get(kbId);
          if (!current || current.revision <= revision) this.cache.set(kbId, { revision, index });
          return index;
        },
        (e: unknown) => {
          if (this.loading.get(kbId)?.promise === promise) this.loading.delete(kbId);
          throw e;
        },
      );
      promise.catch(() => undefined); // a caller that stopped waiting must not leave an unhandled rejection
      pending = { revision, promise };
      this.loading.set(kbId, pending);
    }
    const wait = Math.max(0, deadline - performance.now());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'loading'>((r) => {
      timer = setTimeout(() => r('loading'), wait);
    });
    try {
      return await Promise.race([pending.promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Bytes held (for tests and metrics). */
  get heldBytes(): number {
    return this.cache.calculatedSize;
  }
}
