import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { inPgTransaction } from '../sql/pg-sql';

/** Options of {@link InboxPruner}. */
export interface InboxPrunerOptions {
  /** Rows older than this are deleted, hours. Keep it above the Kafka topics' retention (redeliveries). */
  retentionHours: number;
  /** Time between runs, ms; 0 disables the timer (call {@link InboxPruner.pruneOnce} yourself). */
  intervalMs: number;
  /** Rows deleted per statement (short transactions, no long locks). Default 5000. */
  batchSize?: number;
  logger?: Logger;
}

/** Advisory lock key: one pruner at a time across every service and replica sharing the database. */
const PRUNE_LOCK = 'hub:inbox-prune';

/**
 * Retention for the inbox (`processed_events`, see {@link claimEvent}): deletes dedupe keys older than
 * `retentionHours` in batches, so the table stays bounded on a long-running system. A duplicate can only
 * arrive while Kafka still holds the message (topic retention) or a vendor still redelivers it, so keys
 * older than that protect nothing. Every service may run one; a transaction-level advisory lock lets only
 * one of them work at a time, the others skip that round.
 */
export class InboxPruner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly pool: Pool,
    private readonly opts: InboxPrunerOptions,
  ) {}

  /** Starts the periodic runs (first one after `intervalMs`). */
  start(): void {
    if (this.opts.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.pruneOnce();
    try {
      const n = await this.running;
      if (n > 0) this.opts.logger?.info({ deleted: n }, 'inbox pruned');
    } catch (e) {
      this.opts.logger?.warn({ err: (e as Error).message }, 'inbox pruning failed; retrying next round');
    } finally {
      this.running = undefined;
    }
  }

  /**
   * One run: deletes expired rows batch by batch until none is left.
   * @returns rows deleted (0 when another pruner holds the lock)
   * @throws pg errors (connection, statement timeout)
   */
  async pruneOnce(): Promise<number> {
    const batch = this.opts.batchSize ?? 5000;
    let total = 0;
    for (;;) {
      const deleted = await inPgTransaction(this.pool, async (client) => {
        const lock = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok',
          [PRUNE_LOCK],
        );
        if (!lock.rows[0].ok) return null;
        const r = await client.query(
          `DELETE FROM processed_events WHERE ctid IN (
             SELECT ctid FROM processed_events
              WHERE processed_at < now() - make_interval(hours => $1::int)
              LIMIT $2)`,
          [this.opts.retentionHours, batch],
        );
        return r.rowCount ?? 0;
      });
      if (deleted === null) return total;
      total += deleted;
      if (deleted < batch) return total;
    }
  }
}
