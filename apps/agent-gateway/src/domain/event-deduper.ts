import { LRUCache } from 'lru-cache';

/**
 * Turns an at-least-once stream of realtime events into exactly-once delivery per recipient:
 * remembers the last `capacity` (recipient, eventId) pairs (LRU) and reports whether a pair is new.
 * A duplicate older than the window would pass again — clients also key offers by offer id.
 */
export class EventDeduper {
  private readonly seen: LRUCache<string, true>;

  /** @param capacity number of (recipient, eventId) pairs remembered */
  constructor(capacity: number) {
    this.seen = new LRUCache<string, true>({ max: capacity });
  }

  /** True the first time `eventId` is seen for `recipient`, false for a repeat inside the window. */
  firstSeen(recipient: string, eventId: string): boolean {
    const k = `${recipient}\u0000${eventId}`;
    if (this.seen.has(k)) return false;
    this.seen.set(k, true);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
