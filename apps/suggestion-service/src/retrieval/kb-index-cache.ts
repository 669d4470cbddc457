import { LRUCache } from 'lru-cache';

/** Why a knowledge base's in-memory index is not usable right now. */
export type KbIndexUnavailable = 'loading' | 'too_large';

/** What {@link KbIndexCache} holds: an index that knows its approximate heap size. */
export interface SizedIndex {
  /** Approximate heap bytes, for the cache budget. */
  readonly bytes: number;
}

/**
 * In-memory index of type `T` per knowledge base (the dense vectors, the lexical postings), valid for
 * one KB revision, least recently used evicted beyond `maxBytes`. Loads are single-flight per (KB,
 * revision) and run on after a caller stops waiting, so a slow first load (large KB) serves the next
 * query. A KB whose index alone exceeds the budget is never held (`too_large`: the caller ranks
 * without it).
 */
export class KbIndexCache<T extends SizedIndex> {
  private readonly cache: LRUCache<string, { revision: number; index: T }>;
  private readonly loading = new Map<string, { revision: number; promise: Promise<T | 'too_large'> }>();
  private readonly tooLarge = new Map<string, number>();

  /**
   * @param load     reads a KB's index (at its current revision) from the database
   * @param maxBytes memory budget for all cached indexes
   */
  constructor(
    private readonly load: (kbId: string) => Promise<T>,
    private readonly maxBytes: number,
  ) {
    this.cache = new LRUCache({ maxSize: maxBytes, sizeCalculation: (e) => Math.max(1, e.index.bytes) });
  }

  /**
   * The KB's index at `revision`, waiting at most until `deadline` (a `performance.now()` time, ms)
   * for a load. @returns the index, or why it is unavailable. @throws the load's database error
   */
  async get(kbId: string, revision: number, deadline: number): Promise<T | KbIndexUnavailable> {
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
