import { Client } from 'pg';
import type { Logger } from 'pino';
import type { OutboxMessage } from './outbox-writer';

/** Delivers outbox rows of one destination, in order. Throwing leaves the rows for the next attempt. */
export type OutboxSink = (messages: OutboxMessage[]) => Promise<void>;

export interface OutboxRelayOptions {
  databaseUrl: string;
  /**
   * Whose rows to relay: the PostgreSQL `application_name` of the connections that wrote them (the service
   * name; see createPrismaClient). Default '' (clients without an application name).
   */
  producer?: string;
  sinks: Partial<Record<OutboxMessage['destination'], OutboxSink>>;
  logger: Logger;
  /** Rows per transaction. Default 500. */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives, ms. Default 1000. */
  pollIntervalMs?: number;
  /** Retry delay after a failed delivery, ms. Default 500. */
  retryDelayMs?: number;
}

/**
 * Publishes outbox rows with low latency: a dedicated connection LISTENs on `hub_outbox` (a trigger
 * NOTIFYs on commit, with the writer's application name as payload) and drains the rows of its
 * `producer` in `seq` order — delete a batch (`FOR UPDATE SKIP LOCKED` … `RETURNING`, one statement), deliver
 * it to the sinks (Kafka sendBatch with acks=-1 / Redis pipeline), commit (a failed delivery rolls the
 * delete back). Delivery is at-least-once: a crash after delivery but before commit
 * re-delivers; consumers dedupe by event id.
 * Each service relays its own rows; among a service's replicas only the one holding the producer's
 * advisory lock relays (standbys take over on failure), which keeps per-key order.
 */
export class OutboxRelay {
  private client?: Client;
  private stopped = false;
  private leader = false;
  private draining = false;
  private dirty = false;
  private timer?: NodeJS.Timeout;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly producer: string;
  /** Rows delivered since start (for tests and metrics). */
  delivered = 0;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.retryDelayMs = opts.retryDelayMs ?? 500;
    this.producer = opts.producer ?? '';
  }

  /** Connects, LISTENs, tries to become leader, and drains whatever is pending. */
  async start(): Promise<void> {
    this.stopped = false;
    const client = new Client({ connectionString: this.opts.databaseUrl });
    client.on('error', (e) => this.opts.logger.error({ err: e.message }, 'outbox relay connection error'));
    await client.connect();
    this.client = client;
    client.on('notification', (n) => {
      if ((n.payload ?? '') === this.producer) this.kick();
    });
    await client.query('LISTEN hub_outbox');
    await this.tryLead();
    this.schedule();
    this.kick();
  }

  /** Stops after the batch in flight; undelivered rows stay in the outbox. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    while (this.draining) await new Promise((r) => setTimeout(r, 10));
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
    this.leader = false;
  }

  /** Requests a drain (coalesced). */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.dirty = true;
      return;
    }
    void this.drain();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      if (!this.leader) await this.tryLead().catch(() => undefined);
      this.kick();
      this.schedule();
    }, this.pollIntervalMs);
  }

  private async tryLead(): Promise<void> {
    if (this.leader || !this.client) return;
    const { rows } = await this.client.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext('hub_outbox_relay:' || $1)) AS ok",
      [this.producer],
    );
    this.leader = rows[0].ok;
  }

  private async drain(): Promise<void> {
    if (!this.leader || !this.client) return;
    this.draining = true;
    try {
      do {
        this.dirty = false;
        let n: number;
        do {
          n = await this.drainBatch(this.client);
        } while (n === this.batchSize && !this.stopped);
      } while (this.dirty && !this.stopped);
    } catch (e) {
      this.opts.logger.warn({ err: (e as Error).message }, 'outbox delivery failed; will retry');
      setTimeout(() => this.kick(), this.retryDelayMs);
    } finally {
      this.draining = false;
    }
  }

  private async drainBatch(client: Client): Promise<number> {
    await client.query('BEGIN');
    try {
      // Take and delete the batch in one statement (prepared once per connection); the delete commits
      // only after delivery, so a failed delivery or a crash before COMMIT puts the rows back.
      const { rows } = await client.query<{
        seq: string;
        id: string;
        tenant_id: string;
        destination: OutboxMessage['destination'];
        target: string;
        key: string | null;
        payload: string;
        headers: Record<string, string>;
      }>({
        name: 'hub.outbox.take',
        text: `DELETE FROM outbox_events WHERE seq IN (
                 SELECT seq FROM outbox_events WHERE producer = $2 ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
               RETURNING seq, id, tenant_id, destination, target, key, payload, headers`,
        values: [this.batchSize, this.producer],
      });
      if (!rows.length) {
        await client.query('COMMIT');
        return 0;
      }
      // RETURNING order is unspecified: restore `seq` order (per-key order of delivery).
      rows.sort((a, b) => {
        const d = BigInt(a.seq) - BigInt(b.seq);
        return d < 0n ? -1 : d > 0n ? 1 : 0;
      });
      const byDest = new Map<OutboxMessage['destination'], OutboxMessage[]>();
      for (const r of rows) {
        const list = byDest.get(r.destination) ?? [];
        list.push({
          id: r.id,
          tenantId: r.tenant_id,
          destination: r.destination,
          target: r.target,
          key: r.key,
          payload: r.payload,
          headers: r.headers ?? {},
        });
        byDest.set(r.destination, list);
      }
      // Kafka first (the record of what happened), then Redis (the fast notification).
      for (const dest of ['kafka', 'redis'] as const) {
        const list = byDest.get(dest);
        if (!list) continue;
        const sink = this.opts.sinks[dest];
        if (!sink) throw new Error(`no outbox sink for destination ${dest}`);
        await sink(list);
      }
      await client.query('COMMIT');
      this.delivered += rows.length;
      return rows.length;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }
}
