import { LRUCache } from 'lru-cache';
import type { Principal } from '@hub/http';
import { digestsEqual, parseApiKey, sha256 } from './api-key-format';
import type { ApiKeyRow, ApiKeysRepository } from './api-keys.repository';

/** How often a key's `last_used_at` is written at most, ms. */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/**
 * Verifies `hub_live_…` API keys: looks the row up by its public prefix (cached in an LRU for `ttlMs`, so a
 * revocation or rotation takes effect within that bound on every replica), compares the SHA-256 of the
 * presented secret in constant time, checks revocation and expiry, and records `last_used_at` at most once
 * per {@link LAST_USED_WRITE_INTERVAL_MS} per key and process.
 */
export class ApiKeyVerifier {
  private readonly cache: LRUCache<string, ApiKeyRow>;
  private readonly lastWritten = new Map<string, number>();

  constructor(
    private readonly repo: ApiKeysRepository,
    ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.cache = new LRUCache<string, ApiKeyRow>({ max: 10_000, ttl: Math.max(1, ttlMs) });
  }

  /**
   * The principal of a valid key, or null when `token` is not an API key, unknown, wrong, revoked or expired.
   * @throws on database errors (the guard answers 5xx rather than letting the caller in)
   */
  async verify(token: string): Promise<Principal | null> {
    const parsed = parseApiKey(token);
    if (!parsed) return null;
    let row = this.cache.get(parsed.prefix);
    if (!row) {
      row = (await this.repo.byPrefix(parsed.prefix)) ?? undefined;
      if (!row) return null;
      this.cache.set(parsed.prefix, row);
    }
    if (!digestsEqual(sha256(parsed.secret), Buffer.from(row.secretSha256))) return null;
    const now = this.now();
    if (row.revokedAt && row.revokedAt.getTime() <= now) return null;
    if (row.expiresAt && row.expiresAt.getTime() <= now) return null;
    this.recordUse(row.id, now);
    return { tenantId: row.tenantId, credentialId: row.id, kind: 'api_key', scopes: [...row.scopes] };
  }

  /** Drops a cached key (this process only; other replicas see the change within the TTL). */
  forget(prefix: string): void {
    this.cache.delete(prefix);
  }

  private recordUse(id: string, now: number): void {
    const last = this.lastWritten.get(id) ?? 0;
    if (now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastWritten.set(id, now);
    if (this.lastWritten.size > 10_000) this.lastWritten.clear();
    void this.repo.touch(id, new Date(now)).catch(() => this.lastWritten.delete(id));
  }
}
