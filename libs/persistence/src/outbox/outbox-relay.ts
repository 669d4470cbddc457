import { Client } from 'pg';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { Logger } from 'pino';
import type { OutboxMessage } from './outbox-writer';
import { failpoint, failpointArmed } from '../failpoints';

/** What the relay tells a sink about the batch it delivers. */
export interface OutboxBatch {
  /**
   * Compact id of the batch (its rows' `seq`s, {@link encodeBatchId}). A sink with a delivery log records it
   * atomically with the delivery (the Kafka sink: in the same Kafka transaction) so that
   * {@link OutboxDeliveryLog.lastDelivered} can answer "was this batch delivered?" after a crash.
   */
  id: string;
}

/**
 * Delivers outbox rows of one destination, in order. Throwing leaves the rows for the next attempt.
 * `batch` is for sinks with an {@link OutboxDeliveryLog}; others ignore it.
 */
export type OutboxSink = (messages: OutboxMessage[], batch: OutboxBatch) => Promise<void>;

/**
 * Where a destination durably records the last batch it committed, atomically with the batch (Kafka: a
 * progress record in the same transaction as the messages, @hub/messaging KafkaOutboxSink). The relay asks it after every
 * event that may have left a delivered batch undeleted — a new session (process crash, lost connection,
 * new leader) and a failed delivery (the acknowledgement may have been lost) — and drops the rows of that
 * batch instead of delivering them again. That is what makes Kafka delivery exactly-once across a crash
 * between delivery and the delete's COMMIT.
 */
export interface OutboxDeliveryLog {
  /** The {@link OutboxBatch.id} of the last batch delivered, or undefined if none. Throws when unreachable. */
  lastDelivered(): Promise<string | undefined>;
}

/**
 * Encodes a batch's row seqs (ascending) as `s1.<first>.<delta>…` in base 36 (≈ 2–4 characters a row, well
 * under Kafka's 4 KB offset-metadata limit for the Kafka relay's batches of ≤ 500 rows with small gaps).
 */
export function encodeBatchId(seqs: readonly bigint[]): string {
  const parts = ['s1'];
  let prev = 0n;
  seqs.forEach((s, i) => {
    parts.push((i === 0 ? s : s - prev).toString(36));
    prev = s;
  });
  return parts.join('.');
}

/**
 * Decodes {@link encodeBatchId}.
 * @returns the seqs as decimal strings; empty for undefined or an id of another format
 */
export function decodeBatchId(id: string | undefined): Set<string> {
  const out = new Set<string>();
  const parts = id?.split('.') ?? [];
  if (parts[0] !== 's1') return out;
  let prev = 0n;
  for (const p of parts.slice(1)) {
    let v = 0n;
    for (const ch of p) v = v * 36n + BigInt(parseInt(ch, 36));
    prev = out.size === 0 ? v : prev + v;
    out.add(prev.toString());
  }
  return out;
}

type Destination = OutboxMessage['destination'];
/**
 * Largest batch of a destination with a delivery log (250 × ≤ 14 characters of batch id ≈ 3.5 KB). Sized for
 * Kafka's 4 KB offset-metadata limit when the log was a transactional offset commit; the Kafka sink now
 * writes the id as a record (1 MB limit) and keeps it: a smaller transaction is aborted and resent faster.
 */
const MAX_LOGGED_BATCH = 250;
/** Kafka first (the record of what happened), then Redis (the fast notification). */
const DESTINATIONS: readonly Destination[] = ['kafka', 'redis'];

export interface OutboxRelayOptions {
  databaseUrl: string;
  /**
   * Whose rows to relay: the PostgreSQL `application_name` of the connections that wrote them (the service
   * name; see createPrismaClient). Default '' (clients without an application name).
   */
  producer?: string;
  sinks: Partial<Record<Destination, OutboxSink>>;
  /** Delivery logs of destinations that keep one (Kafka, see {@link OutboxDeliveryLog}): exactly-once delivery. */
  deliveryLogs?: Partial<Record<Destination, OutboxDeliveryLog>>;
  logger: Logger;
  /** Rows per transaction. Default 500. */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (also the standby's lock retry), ms. Default 1000. */
  pollIntervalMs?: number;
  /** First retry delay after a failed delivery or a lost connection, ms (exponential, jittered). Default 100. */
  retryDelayMs?: number;
  /** Cap of the retry delay, ms. Default 5000. */
  maxRetryDelayMs?: number;
  /**
   * Client-side timeout of every relay statement and of connecting, ms: a partitioned database (no RST,
   * no answer) is treated as a lost connection after this long. Default 10000.
   */
  queryTimeoutMs?: number;
  /** A destination failing for longer than this makes {@link OutboxRelay.health} report not ok, ms. Default 3000. */
  unhealthyAfterMs?: number;
}

/** What {@link OutboxRelay.health} reports (readiness). */
export interface OutboxRelayHealth {
  ok: boolean;
  /** `leader` (relaying), `standby` (another replica holds the lock), `connecting`, `stopped`. */
  role: 'leader' | 'standby' | 'connecting' | 'stopped';
  /** Why not ok (the last connection or delivery error). */
  reason?: string;
}

class SinkError extends Error {
  constructor(
    readonly destination: Destination,
    override readonly cause: Error,
  ) {
    super(`${destination} delivery failed: ${cause.message}`);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Publishes outbox rows with low latency: a dedicated connection LISTENs on `hub_outbox` (a trigger
 * NOTIFYs on commit, with the writer's application name as payload) and drains the rows of its
 * `producer` in `seq` order, **one destination at a time**: delete a batch of that destination's rows
 * (`FOR UPDATE SKIP LOCKED` … `RETURNING`, one statement), deliver it to the sink (Kafka sendBatch with
 * acks=-1 / Redis pipeline), commit (a failed delivery rolls that delete back). A Redis outage therefore
 * never re-publishes Kafka rows (and vice versa); each destination backs off on its own.
 *
 * A crash (or a lost connection) between delivery and the delete's COMMIT leaves delivered rows in the table.
 * With a destination's {@link OutboxDeliveryLog} (Kafka: the batch id is committed in the same Kafka
 * transaction as the messages) the next session drops them instead of delivering them again: exactly-once
 * for read_committed consumers. Without one (Redis) delivery is at-least-once there; consumers dedupe by event
 * id. Failpoints `relay.beforeClaim` / `relay.afterClaim` / `relay.afterSend` ({@link failpoint}) let tests
 * crash the process at each step.
 * Each service relays its own rows; among a service's replicas only the one holding the producer's
 * advisory lock relays (standbys take over on failure), which keeps per-key order.
 *
 * Supervision: one loop per relay (no retry chains). A lost connection (`error` event, a failed or timed-out
 * statement) ends the session — the client is closed, which gives up the advisory lock on the server —, and
 * the loop reconnects with exponential backoff (cockatiel), re-LISTENs and re-acquires the lock.
 * {@link health} is false while it is not connected or a destination keeps failing.
 */
export class OutboxRelay {
  private client?: Client;
  private abort = new AbortController();
  private loop?: Promise<void>;
  private wake?: () => void;
  private dirty = false;
  private role: OutboxRelayHealth['role'] = 'stopped';
  private lastError?: string;
  /** Per destination: when it started failing, and when to retry it next. */
  private readonly failing = new Map<
    Destination,
    { since: number; retryAt: number; backoff: IBackoff<void> }
  >();
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly queryTimeoutMs: number;
  private readonly unhealthyAfterMs: number;
  private readonly backoff: ExponentialBackoff<void>;
  private readonly producer: string;
  /**
   * Ids of rows delivered whose delete did not commit (the connection died between delivery and COMMIT):
   * they are back in the table, and the next take drops them without delivering them again — a lost
   * connection does not duplicate events on Kafka. (Only a process crash in that window can still re-deliver.)
   */
  private readonly deliveredNotCommitted = new Set<string>();
  /** Destinations whose delivery log must be consulted before the next delivery (see {@link OutboxDeliveryLog}). */
  private readonly reconcile = new Set<Destination>();
  /** Rows delivered since start (for tests and metrics). */
  delivered = 0;
  /** Rows found delivered by a destination's delivery log and dropped instead of being delivered again. */
  reconciled = 0;
  /** Sessions opened since start (1 + reconnects). */
  sessions = 0;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.queryTimeoutMs = opts.queryTimeoutMs ?? 10_000;
    this.unhealthyAfterMs = opts.unhealthyAfterMs ?? 3000;
    this.producer = opts.producer ?? '';
    failpointArmed(); // a malformed HUB_FAILPOINTS fails at start-up, not at the first batch
    this.backoff = new ExponentialBackoff({
      initialDelay: opts.retryDelayMs ?? 100,
      maxDelay: opts.maxRetryDelayMs ?? 5000,
    });
  }

  /**
   * Starts the supervised loop; resolves once the first session is up (connected, LISTENing, lock tried)
   * or its first attempt failed (then it keeps retrying in the background — start-up does not wait for
   * the database).
   */
  async start(): Promise<void> {
    if (this.loop) return;
    this.abort = new AbortController();
    this.role = 'connecting';
    let first!: () => void;
    const firstAttempt = new Promise<void>((r) => (first = r));
    this.loop = this.supervise(first);
    await firstAttempt;
  }

  /** Stops after the batch in flight; undelivered rows stay in the outbox. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    this.role = 'stopped';
  }

  /** Requests a drain (coalesced). */
  kick(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Readiness: ok while connected (leader or standby) and no destination has been failing for long. */
  health(): OutboxRelayHealth {
    if (this.role !== 'leader' && this.role !== 'standby')
      return { ok: false, role: this.role, reason: this.lastError ?? this.role };
    const now = Date.now();
    for (const [dest, f] of this.failing) {
      if (now - f.since > this.unhealthyAfterMs)
        return { ok: false, role: this.role, reason: `${dest} delivery failing: ${this.lastError}` };
    }
    return { ok: true, role: this.role };
  }

  private async supervise(first: () => void): Promise<void> {
    const signal = this.abort.signal;
    let backoff: IBackoff<void> | undefined;
    while (!signal.aborted) {
      try {
        await this.session(() => {
          backoff = undefined;
          first();
        });
      } catch (e) {
        this.lastError = (e as Error).message;
        this.opts.logger.warn(
          { err: this.lastError, producer: this.producer },
          'outbox relay lost its connection; reconnecting',
        );
      }
      first();
      this.role = signal.aborted ? 'stopped' : 'connecting';
      await this.closeClient();
      if (signal.aborted) break;
      backoff = backoff ? backoff.next() : this.backoff.next();
      await sleep(backoff.duration, signal);
    }
  }

  /** One connection's life: connect, LISTEN, lead or stand by, drain. Throws when the connection is lost. */
  private async session(up: () => void): Promise<void> {
    const signal = this.abort.signal;
    const client = new Client({
      connectionString: this.opts.databaseUrl,
      // `<producer>-relay`: visible in pg_stat_activity (the relay writes no outbox rows itself)
      application_name: `${this.producer || 'hub'}-relay`,
      connectionTimeoutMillis: this.queryTimeoutMs,
      query_timeout: this.queryTimeoutMs,
      // the server gives up too (a lock wait), 1 s before the client does; a transaction the relay leaves
      // open (it hung between statements) is rolled back by the server
      statement_timeout: Math.max(1000, this.queryTimeoutMs - 1000),
      idle_in_transaction_session_timeout: this.queryTimeoutMs * 2,
      keepAlive: true,
    });
    let lost: Error | undefined;
    client.on('error', (e) => {
      lost = e;
      this.wake?.();
    });
    client.on('end', () => {
      lost ??= new Error('connection ended');
      this.wake?.();
    });
    client.on('notification', (n) => {
      if ((n.payload ?? '') === this.producer) this.kick();
    });
    this.client = client;
    await client.connect();
    await client.query('LISTEN hub_outbox');
    this.sessions += 1;
    let leader = await this.tryLead(client);
    this.role = leader ? 'leader' : 'standby';
    this.lastError = undefined;
    // Whatever happened before this session (a crash of the previous leader, a lost COMMIT) may have left a
    // delivered batch in the table: ask the delivery logs before delivering anything.
    for (const d of DESTINATIONS) if (this.opts.deliveryLogs?.[d]) this.reconcile.add(d);
    up();
    this.dirty = true;
    while (!signal.aborted) {
      if (lost) throw lost;
      if (!leader) {
        await this.idle(this.pollIntervalMs);
        if (lost) throw lost;
        if (signal.aborted) break;
        leader = await this.tryLead(client);
        if (leader) {
          this.role = 'leader';
          this.dirty = true;
          this.opts.logger.info({ producer: this.producer }, 'outbox relay took over leadership');
        }
        continue;
      }
      if (this.dirty) {
        this.dirty = false;
        await this.drain(client);
      }
      if (!this.dirty) await this.idle(this.nextWakeMs());
      // The fallback poll: a missed NOTIFY (e.g. sent while reconnecting) is picked up here.
      this.dirty = true;
    }
  }

  private nextWakeMs(): number {
    let ms = this.pollIntervalMs;
    const now = Date.now();
    for (const f of this.failing.values()) ms = Math.min(ms, Math.max(0, f.retryAt - now));
    return ms;
  }

  /** Waits up to `ms` or until kicked / stopped / the connection fails. */
  private idle(ms: number): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      const wake = () => done();
      this.wake = wake;
      function done() {
        clearTimeout(t);
        resolve();
      }
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private async tryLead(client: Client): Promise<boolean> {
    const { rows } = await client.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext('hub_outbox_relay:' || $1)) AS ok",
      [this.producer],
    );
    return rows[0].ok;
  }

  /** Drains every destination that is not backing off. Sink failures back that destination off; DB errors throw. */
  private async drain(client: Client): Promise<void> {
    for (const dest of DESTINATIONS) {
      const f = this.failing.get(dest);
      if (f && Date.now() < f.retryAt) continue;
      try {
        let n: number;
        do {
          n = await this.drainBatch(client, dest);
        } while (n === this.batchLimit(dest) && !this.abort.signal.aborted);
        if (f) {
          this.failing.delete(dest);
          this.opts.logger.info({ destination: dest }, 'outbox delivery recovered');
        }
      } catch (e) {
        if (!(e instanceof SinkError)) throw e;
        // the destination may have committed the batch before the failure was seen (lost acknowledgement)
        if (this.opts.deliveryLogs?.[dest]) this.reconcile.add(dest);
        const backoff = f ? f.backoff.next() : this.backoff.next();
        this.failing.set(dest, {
          since: f?.since ?? Date.now(),
          retryAt: Date.now() + backoff.duration,
          backoff,
        });
        this.lastError = e.message;
        if (!f) this.opts.logger.warn({ err: e.message }, 'outbox delivery failed; backing off');
      }
    }
  }

  /**
   * Rows per batch of `dest`: `batchSize`, at most {@link MAX_LOGGED_BATCH} with a delivery log.
   */
  private batchLimit(dest: Destination): number {
    return this.opts.deliveryLogs?.[dest] ? Math.min(this.batchSize, MAX_LOGGED_BATCH) : this.batchSize;
  }

  private async drainBatch(client: Client, dest: Destination): Promise<number> {
    if (failpointArmed('relay.beforeClaim')) {
      const { rows } = await client.query(
        'SELECT 1 FROM outbox_events WHERE producer = $1 AND destination = $2 LIMIT 1',
        [this.producer, dest],
      );
      if (rows.length) failpoint('relay.beforeClaim');
    }
    await client.query('BEGIN');
    try {
      // Take and delete the batch in one statement (prepared once per connection); the delete commits
      // only after delivery, so a failed delivery or a crash before COMMIT puts the rows back.
      const { rows } = await client.query<{
        seq: string;
        id: string;
        tenant_id: string;
        target: string;
        key: string | null;
        payload: string;
        headers: Record<string, string>;
      }>({
        name: 'hub.outbox.take.dest',
        text: `DELETE FROM outbox_events WHERE seq IN (
                 SELECT seq FROM outbox_events WHERE producer = $2 AND destination = $3
                 ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
               RETURNING seq, id, tenant_id, target, key, payload, headers`,
        values: [this.batchLimit(dest), this.producer, dest],
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
      failpoint('relay.afterClaim');
      const log = this.opts.deliveryLogs?.[dest];
      let loggedDelivered = new Set<string>();
      if (log && this.reconcile.has(dest)) {
        try {
          loggedDelivered = decodeBatchId(await log.lastDelivered());
        } catch (e) {
          throw new SinkError(dest, e as Error);
        }
      }
      const isDelivered = (r: { id: string; seq: string }) =>
        this.deliveredNotCommitted.has(r.id) || loggedDelivered.has(r.seq);
      const already = rows.filter(isDelivered).map((r) => r.id);
      const pending = rows.filter((r) => !isDelivered(r));
      const list: OutboxMessage[] = pending.map((r) => ({
        id: r.id,
        tenantId: r.tenant_id,
        destination: dest,
        target: r.target,
        key: r.key,
        payload: r.payload,
        headers: r.headers ?? {},
      }));
      const sink = this.opts.sinks[dest];
      try {
        if (!sink) throw new Error(`no outbox sink for destination ${dest}`);
        if (list.length) await sink(list, { id: encodeBatchId(pending.map((r) => BigInt(r.seq))) });
      } catch (e) {
        throw new SinkError(dest, e as Error);
      }
      this.reconcile.delete(dest);
      if (list.length) failpoint('relay.afterSend');
      for (const m of list) this.deliveredNotCommitted.add(m.id);
      await client.query('COMMIT');
      this.reconciled += loggedDelivered.size ? already.length : 0;
      for (const m of list) this.deliveredNotCommitted.delete(m.id);
      for (const id of already) this.deliveredNotCommitted.delete(id);
      if (already.length)
        this.opts.logger.info(
          { rows: already.length, destination: dest },
          'dropped rows delivered before a lost COMMIT or a crash',
        );
      this.delivered += list.length;
      return rows.length;
    } catch (e) {
      // After a sink failure the connection is fine: put the rows back. After a connection failure the
      // server rolls back on its own; the ROLLBACK here just fails.
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  private async closeClient(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    c.removeAllListeners('notification');
    c.on('error', () => undefined);
    await Promise.race([c.end().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  }
}
