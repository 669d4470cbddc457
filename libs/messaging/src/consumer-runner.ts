import type { Consumer, EachBatchPayload, EachMessagePayload, Kafka, KafkaMessage } from 'kafkajs';
import { ExponentialBackoff, handleWhen, retry, TaskCancelledError } from 'cockatiel';
import type { Logger } from 'pino';
import { Topics, dlqTopicName, type TopicEvent, type TopicKey } from '@hub/contracts';
import { withLogContext } from '@hub/observability';
import { formatIssues, isPermanent, isTransientError } from './errors';
import { leaveGroupAsMember, type TopicNamer } from './kafka-client';
import type { HubProducer } from './producer';

/** Where a message came from, and which attempt this is (1-based). */
export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /**
   * 1 + the failed attempts that count against the budget (`maxAttempts`): infrastructure errors
   * ({@link isTransientError}) are retried without counting, so `attempt >= maxAttempts` means "a
   * non-infrastructure failure now dead-letters".
   */
  attempt: number;
  /** Keeps the group membership alive during long handlers. */
  heartbeat: () => Promise<void>;
}

export type EventHandler<K extends TopicKey> = (event: TopicEvent<K>, ctx: MessageContext) => Promise<void>;

/** One validated message of a batch handed to a {@link BatchHandler}. */
export interface BatchItem<K extends TopicKey> {
  event: TopicEvent<K>;
  ctx: MessageContext;
}

/**
 * Handles consecutive validated messages of one partition (offset order) at once — typically in one
 * database transaction. Contract: all or nothing (a throw must leave no effect behind, e.g. the
 * transaction rolled back) and idempotent per message (inbox claim per event id), because a failed batch
 * is handled again message by message with the topic's {@link EventHandler}.
 */
export type BatchHandler<K extends TopicKey> = (items: BatchItem<K>[]) => Promise<void>;

/** Options of {@link ConsumerRunner.on}. */
export interface TopicHandlerOptions<K extends TopicKey> {
  /**
   * Batch consumption (kafkajs `eachBatch`): valid messages of a fetched partition batch go to this
   * handler, up to `maxBatchSize` at a time. Invalid messages are dead-lettered first, as with the
   * single handler. When the batch handler fails with an infrastructure error the batch is retried
   * (partition held) until it works; with any other error every message of it goes through the single
   * handler with the usual policy (retries, dead letter with its reason), so one poison message is
   * dead-lettered and the others are processed and committed.
   */
  batch?: BatchHandler<K>;
  /** Largest number of messages handed to `batch` at once. Default 100. */
  maxBatchSize?: number;
  /**
   * Messages of one fetched partition batch with different Kafka keys handled concurrently, at most this
   * many keys at once (default 1: one message at a time). Order is kept per key — one key's messages run
   * one after the other, in offset order — which is all a topic keyed by its entity (an interaction, a
   * conversation) promises. Each message goes through the single handler with the usual policy
   * (validation, retries, dead letter); the partition's offset advances only past messages that are all
   * done, so a crash redelivers at most the unfinished ones and those after them (handlers are
   * idempotent). For handlers that wait on I/O per message (an LLM answer, a model call): one slow
   * message no longer holds up the partition. Not combined with `batch`.
   */
  concurrentKeys?: number;
}
/** Options for {@link ConsumerRunner}. */
export interface ConsumerRunnerOptions {
  groupId: string;
  namer: TopicNamer;
  /** Used to write dead letters. */
  producer: HubProducer;
  logger: Logger;
  /**
   * Attempts (including the first) before a message failing with an unclassified error is dead-lettered.
   * Default 5. Infrastructure errors never count (see {@link isTransientError}).
   */
  maxAttempts?: number;
  /** First retry delay, ms (exponential, jittered, capped at `maxDelayMs`). Default 50. */
  initialDelayMs?: number;
  /** Cap of the retry delay for unclassified errors, ms. Default 2000. */
  maxDelayMs?: number;
  /** Cap of the retry delay while a dependency is down (infrastructure errors), ms. Default 3000. */
  maxOutageDelayMs?: number;
  /** Consumer group session timeout, ms (see KAFKA_SESSION_TIMEOUT_MS). Default 10000. */
  sessionTimeoutMs?: number;
  /** Heartbeat interval, ms. Default 1000. */
  heartbeatIntervalMs?: number;
  /**
   * Longest wait in {@link ConsumerRunner.start} for the group join, ms; then start returns and the join
   * completes in the background (readiness says so meanwhile). Default: wait for the join.
   */
  joinWaitMs?: number;
  /** {@link ConsumerRunner.health} turns false after a partition has been blocked by an outage this long, ms. Default 3000. */
  unhealthyAfterMs?: number;
  /** Max time the broker holds a fetch when there is no data, ms. Default 50 (kafkajs: 5000). */
  maxWaitTimeInMs?: number;
  /** Partitions processed in parallel (order is kept within a partition). Default 4. */
  partitionsConsumedConcurrently?: number;
  /** New groups start at the earliest offset. Default true. */
  fromBeginning?: boolean;
  /** Called after a message is dead-lettered (metrics, tests). */
  onDeadLetter?: (info: DeadLetterInfo) => void;
}

export interface DeadLetterInfo {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  error: string;
  attempts: number;
}

/** Header names written on dead letters. */
export const DLQ_HEADERS = {
  reason: 'x-dlq-reason',
  error: 'x-dlq-error',
  attempts: 'x-dlq-attempts',
  topic: 'x-dlq-original-topic',
  partition: 'x-dlq-original-partition',
  offset: 'x-dlq-original-offset',
  timestamp: 'x-dlq-original-timestamp',
  group: 'x-dlq-consumer-group',
  failedAt: 'x-dlq-failed-at',
} as const;

/**
 * Runs typed handlers for catalogue topics with an explicit failure policy:
 *  - every message is JSON-parsed and validated against its topic schema; invalid → `<topic>.dlq`
 *    with reason `invalid_json` / `schema_invalid` (field paths in `x-dlq-error`);
 *  - a handler throwing {@link PermanentError} → dead letter at once;
 *  - an infrastructure error ({@link isTransientError}: PostgreSQL/Redis/Kafka unreachable, read-only,
 *    timeouts) is retried with backoff until it succeeds — never dead-lettered. The partition is held
 *    (nothing after it is fetched: effectively paused) while the other partitions go on; heartbeats are
 *    sent between attempts; {@link health} reports the outage after `unhealthyAfterMs`;
 *  - any other error is retried with exponential backoff (cockatiel) up to `maxAttempts`,
 *    heartbeating in between; then dead-lettered with reason `max_attempts`;
 *  - after a dead letter is written the partition moves on; if the dead letter cannot be written the
 *    error propagates and kafkajs redelivers (nothing is lost).
 * Offsets are committed after the handler returns (at-least-once); handlers must be idempotent
 * (see the persistence inbox). `stop()` commits what was processed and leaves the group.
 */
export class ConsumerRunner {
  private readonly consumer: Consumer;
  private readonly handlers = new Map<
    string,
    {
      key: TopicKey;
      handler: EventHandler<TopicKey>;
      batch?: BatchHandler<TopicKey>;
      maxBatchSize: number;
      concurrentKeys: number;
    }
  >();
  /** Batches handed to batch handlers, and messages in them, since start (benchmarks, tests). */
  readonly batchStats = { batches: 0, messages: 0, fallbacks: 0 };
  private readonly opts: Required<Omit<ConsumerRunnerOptions, 'onDeadLetter' | 'joinWaitMs'>> &
    Pick<ConsumerRunnerOptions, 'onDeadLetter' | 'joinWaitMs'>;
  private running = false;
  private started = false;
  private stopping = new AbortController();
  private joined = false;
  private crashed?: string;
  private lastAlive = 0;
  /** This member's id in the group (from the last join). */
  private memberId?: string;
  /** Member ids lost by a crash that the coordinator may still hold, being removed by {@link leaveStale}. */
  private readonly stale = new Set<string>();
  /** Stale members removed by a LeaveGroup since start (tests, metrics). */
  staleMembersLeft = 0;
  /** Partitions held by an outage: key `topic/partition` → since (ms) and the error. */
  private readonly blocked = new Map<string, { since: number; error: string }>();

  constructor(
    private readonly kafka: Kafka,
    options: ConsumerRunnerOptions,
  ) {
    this.opts = {
      maxAttempts: 5,
      initialDelayMs: 50,
      maxDelayMs: 2000,
      maxOutageDelayMs: 3000,
      maxWaitTimeInMs: 50,
      partitionsConsumedConcurrently: 4,
      fromBeginning: true,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1000,
      unhealthyAfterMs: 3000,
      ...options,
    };
    const logger = this.opts.logger;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      minBytes: 1,
      maxWaitTimeInMs: this.opts.maxWaitTimeInMs,
      // A SIGKILLed member's partitions wait this long before the group rebalances them (kafkajs has no
      // static membership); a restarted replica rejoins at once after a graceful stop (LeaveGroup).
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: this.opts.heartbeatIntervalMs,
      rebalanceTimeout: this.opts.sessionTimeoutMs,
      allowAutoTopicCreation: false,
      retry: {
        // ≤ 1 s between attempts (join, sync, fetch, commit): a returned broker / loaded coordinator is
        // noticed within a second; 30 retries ≈ 28 s before kafkajs gives up and restarts the consumer.
        initialRetryTime: 200,
        maxRetryTime: 1000,
        retries: 30,
        // After a crash (broker gone longer than the retries) kafkajs restarts the consumer: always, the
        // broker coming back is the only way forward.
        restartOnFailure: async (e: Error) => {
          logger.warn({ err: e.message, groupId: options.groupId }, 'kafka consumer crashed; restarting');
          return true;
        },
      },
    });
    const ev = this.consumer.events;
    const alive = () => {
      this.lastAlive = Date.now();
    };
    this.consumer.on(ev.GROUP_JOIN, (e) => {
      this.memberId = e.payload.memberId;
      this.joined = true;
      this.crashed = undefined;
      alive();
    });
    this.consumer.on(ev.HEARTBEAT, alive);
    this.consumer.on(ev.FETCH, alive);
    this.consumer.on(ev.CRASH, (e) => {
      this.joined = false;
      this.crashed = e.payload.error.message;
      this.crashes += 1;
      // kafkajs forgets the member id on a crash and rejoins as a new member; the coordinator would hold
      // that join until the lost member's rebalance timeout (the session timeout) ran out. Leave it instead.
      if (this.memberId) this.leaveStale(this.memberId);
      this.memberId = undefined;
      // kafkajs restarts by itself only after retriable errors; after a non-retriable one (e.g. "Failed to
      // find group coordinator" while a restarted broker loads its offsets topic) it stays dead: restart it.
      if (!e.payload.restart && this.running) void this.restartAfterCrash();
    });
    this.consumer.on(ev.STOP, () => {
      this.joined = false;
    });
  }

  /**
   * Readiness of this consumer (ok before {@link start} was called): ok when it has joined its group, heard from the broker (fetch or heartbeat)
   * within `max(3 × heartbeat interval, 5 s)`, and no partition has been held by an infrastructure error for
   * longer than `unhealthyAfterMs`. `reason` says what is wrong.
   */
  health(): { ok: boolean; reason?: string } {
    if (!this.running) return this.started ? { ok: false, reason: 'stopped' } : { ok: true };
    if (this.crashed) return { ok: false, reason: `crashed: ${this.crashed}` };
    if (!this.joined) return { ok: false, reason: 'not a member of the group (rebalancing or reconnecting)' };
    const silence = Date.now() - this.lastAlive;
    if (silence > Math.max(3 * this.opts.heartbeatIntervalMs, 5000))
      return { ok: false, reason: `no fetch or heartbeat for ${silence} ms` };
    const now = Date.now();
    for (const [tp, b] of this.blocked) {
      if (now - b.since > this.opts.unhealthyAfterMs)
        return { ok: false, reason: `${tp} held by a dependency outage for ${now - b.since} ms: ${b.error}` };
    }
    return { ok: true };
  }

  /** The group id (namespaced). */
  get groupId(): string {
    return this.opts.groupId;
  }

  /**
   * Registers the handler for one topic, and optionally a batch handler ({@link TopicHandlerOptions}).
   * Call before {@link start}. A runner with at least one batch handler consumes with kafkajs
   * `eachBatch` (topics without one are handled message by message inside it); otherwise `eachMessage`.
   */
  on<K extends TopicKey>(topic: K, handler: EventHandler<K>, options: TopicHandlerOptions<K> = {}): this {
    const physical = this.opts.namer.physical(Topics[topic].name);
    this.handlers.set(physical, {
      key: topic,
      handler: handler as unknown as EventHandler<TopicKey>,
      batch: options.batch as unknown as BatchHandler<TopicKey> | undefined,
      maxBatchSize: Math.max(1, options.maxBatchSize ?? 100),
      concurrentKeys: options.batch ? 1 : Math.max(1, Math.floor(options.concurrentKeys ?? 1)),
    });
    return this;
  }

  /**
   * Connects, subscribes and resolves once this member has joined the group (partitions assigned), or
   * after `joinWaitMs` (a restarted replica whose predecessor was SIGKILLed waits for the group to drop it
   * — up to the session timeout — and should serve HTTP meanwhile).
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.stopping = new AbortController();
    this.started = true;
    const joined = new Promise<void>((resolve) => {
      const off = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    // running before run(): kafkajs' run() awaits the first join, and a crash there must be restarted too
    this.running = true;
    try {
      await this.connectAndRun();
    } catch (e) {
      this.running = false;
      throw e;
    }
    if (this.opts.joinWaitMs === undefined) return joined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([joined, new Promise<void>((r) => (timer = setTimeout(r, this.opts.joinWaitMs)))]);
    clearTimeout(timer);
    if (!this.joined)
      this.opts.logger.warn(
        { groupId: this.opts.groupId, waitedMs: this.opts.joinWaitMs },
        'consumer group join still pending; continuing start-up (readiness reports it)',
      );
  }

  private async connectAndRun(): Promise<void> {
    await this.consumer.connect();
    for (const topic of this.handlers.keys()) {
      await this.consumer.subscribe({ topic, fromBeginning: this.opts.fromBeginning });
    }
    const batched = [...this.handlers.values()].some((h) => h.batch || h.concurrentKeys > 1);
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 200,
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently,
      ...(batched
        ? {
            eachBatchAutoResolve: false,
            eachBatch: (payload: EachBatchPayload) => this.processBatch(payload),
          }
        : { eachMessage: (payload: EachMessagePayload) => this.process(payload) }),
    });
  }

  private restarting = false;
  private crashes = 0;
  /** Reconnects and runs again after a crash kafkajs does not restart, with backoff, until it works or stops. */
  private async restartAfterCrash(): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    let seen = this.crashes;
    const policy = retry(
      handleWhen(() => this.running),
      {
        maxAttempts: Number.MAX_SAFE_INTEGER,
        backoff: new ExponentialBackoff({ initialDelay: 500, maxDelay: 5000 }),
      },
    );
    try {
      await policy.execute(async () => {
        if (!this.running) return;
        seen = this.crashes;
        this.opts.logger.warn(
          { groupId: this.opts.groupId, err: this.crashed },
          'restarting crashed consumer',
        );
        await this.consumer.disconnect().catch(() => undefined);
        await this.connectAndRun();
      }, this.stopping.signal);
    } catch {
      // stopped meanwhile
    } finally {
      this.restarting = false;
    }
    // crashed again while this restart was running (its CRASH event found `restarting` set): go again
    if (this.running && this.crashes !== seen) setTimeout(() => void this.restartAfterCrash(), 1000);
  }

  /**
   * Removes a member id this consumer lost in a crash from the group (LeaveGroup to the coordinator,
   * {@link leaveGroupAsMember}), retried every 250 ms – 1 s while the broker is down or the coordinator is
   * loading (`COORDINATOR_LOAD_IN_PROGRESS`, `NOT_COORDINATOR`), until it is gone or this runner stops.
   * Without it, after a broker restart the rejoin waited for the coordinator to time the old member out
   * (`sessionTimeoutMs`, measured 8–11 s); with it the group rebalances as soon as the coordinator is up.
   */
  private leaveStale(memberId: string): void {
    if (this.stale.has(memberId)) return;
    this.stale.add(memberId);
    const signal = this.stopping.signal;
    const policy = retry(
      handleWhen(() => this.running && !signal.aborted),
      {
        maxAttempts: Number.MAX_SAFE_INTEGER,
        backoff: new ExponentialBackoff({ initialDelay: 250, maxDelay: 1000 }),
      },
    );
    void policy
      .execute(async () => {
        if (!this.running) return;
        const r = await leaveGroupAsMember(this.kafka, this.opts.groupId, memberId);
        if (r === 'left') this.staleMembersLeft += 1;
        this.opts.logger.info(
          { groupId: this.opts.groupId, memberId, result: r },
          'removed the member lost in a consumer crash from the group',
        );
      }, signal)
      .catch(() => undefined)
      .finally(() => this.stale.delete(memberId));
  }

  /** Stops fetching, waits for in-flight handlers, commits processed offsets, leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    // Handlers waiting out an outage give up (their offsets are not committed: redelivered later).
    this.stopping.abort();
    await this.consumer.disconnect();
  }

  /**
   * One fetched partition batch (kafkajs `eachBatch`): topics with a batch handler get their valid
   * messages in chunks of up to `maxBatchSize` ({@link TopicHandlerOptions}); others message by message.
   * Offsets are resolved after each chunk / message, so a stop or a crash redelivers only what was not
   * handled; a throw (stopping mid-outage) leaves the rest unresolved.
   */
  private async processBatch(p: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = p;
    const { topic, partition } = batch;
    const entry = this.handlers.get(topic);
    const messages = batch.messages;
    if (!entry) {
      if (messages.length) resolveOffset(messages[messages.length - 1].offset);
      return;
    }
    if (entry.concurrentKeys > 1) {
      await this.processByKey(entry.concurrentKeys, p);
      return;
    }
    for (let i = 0; i < messages.length;) {
      if (!isRunning() || isStale()) return;
      const size = entry.batch ? entry.maxBatchSize : 1;
      const chunk = messages.slice(i, i + size);
      i += chunk.length;
      if (chunk.length === 1 || !entry.batch) {
        for (const message of chunk) {
          await this.process({ topic, partition, message, heartbeat, pause: p.pause });
          resolveOffset(message.offset);
        }
      } else {
        await this.processChunk(entry, topic, partition, chunk, heartbeat);
        resolveOffset(chunk[chunk.length - 1].offset);
      }
      await p.commitOffsetsIfNecessary();
    }
  }

  /**
   * One fetched partition batch with keyed concurrency ({@link TopicHandlerOptions.concurrentKeys}): the
   * messages are grouped by key; up to `limit` groups run at once, each in offset order through the
   * single-message path. The resolved offset is the last one before which every message is done.
   */
  private async processByKey(limit: number, p: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = p;
    const { topic, partition } = batch;
    const messages = batch.messages;
    const groups = new Map<string, number[]>();
    messages.forEach((m, i) => {
      const k = m.key === null ? `\u0000${i}` : `k${m.key.toString('latin1')}`; // keyless: each on its own
      const g = groups.get(k);
      if (g) g.push(i);
      else groups.set(k, [i]);
    });
    const done = new Uint8Array(messages.length);
    let watermark = 0; // messages[0 .. watermark) are done
    let failure: unknown;
    const queue = [...groups.values()];
    const worker = async () => {
      for (let g = queue.shift(); g; g = queue.shift()) {
        for (const i of g) {
          if (failure !== undefined || !isRunning() || isStale()) return;
          try {
            await this.process({ topic, partition, message: messages[i], heartbeat, pause: p.pause });
          } catch (e) {
            failure ??= e; // stopping mid-outage, or a dead letter that could not be written: nothing after it resolves
            return;
          }
          done[i] = 1;
          if (i === watermark) {
            while (watermark < messages.length && done[watermark]) watermark += 1;
            resolveOffset(messages[watermark - 1].offset);
          }
          await heartbeat();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
    await p.commitOffsetsIfNecessary();
    if (failure !== undefined) throw failure;
  }

  /** A chunk for a batch handler: validate each message, batch the valid ones, fall back per message. */
  private async processChunk(
    entry: { key: TopicKey; batch?: BatchHandler<TopicKey> },
    topic: string,
    partition: number,
    chunk: KafkaMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const valid: { message: KafkaMessage; item: BatchItem<TopicKey> }[] = [];
    for (const message of chunk) {
      const parsed = await this.parse(entry.key, topic, partition, message);
      if (!parsed) continue; // dead-lettered
      valid.push({
        message,
        item: {
          event: parsed,
          ctx: {
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            attempt: 1,
            heartbeat,
          },
        },
      });
    }
    if (!valid.length) return;
    const tp = `${topic}/${partition}`;
    const signal = this.stopping.signal;
    try {
      await this.outagePolicy(topic, partition, valid[0].message.offset, heartbeat).execute(
        () => entry.batch!(valid.map((v) => v.item)),
        signal,
      );
      this.batchStats.batches += 1;
      this.batchStats.messages += valid.length;
      return;
    } catch (e) {
      const err = e as Error;
      if (signal.aborted || err instanceof TaskCancelledError || isTransientError(err)) throw err;
      this.batchStats.fallbacks += 1;
      this.opts.logger.warn(
        { topic, partition, from: valid[0].message.offset, size: valid.length, err: err.message },
        'batch handler failed; handling its messages one at a time',
      );
    } finally {
      if (this.blocked.delete(tp))
        this.opts.logger.info({ topic, partition }, 'dependency back; partition moving again');
    }
    for (const v of valid) await this.handle(topic, partition, v.message, v.item.event, heartbeat);
  }

  /**
   * JSON-parses and validates a message against its topic schema.
   * @returns the event, or null after dead-lettering it (`invalid_json` / `schema_invalid`)
   */
  private async parse(
    key: TopicKey,
    topic: string,
    partition: number,
    message: KafkaMessage,
  ): Promise<TopicEvent<TopicKey> | null> {
    let json: unknown;
    try {
      json = JSON.parse(message.value?.toString() ?? '');
    } catch (e) {
      await this.deadLetter(payloadOf(topic, partition, message), 'invalid_json', (e as Error).message, 1);
      return null;
    }
    const parsed = Topics[key].schema.safeParse(json);
    if (!parsed.success) {
      await this.deadLetter(
        payloadOf(topic, partition, message),
        'schema_invalid',
        formatIssues(parsed.error.issues),
        1,
      );
      return null;
    }
    return parsed.data as TopicEvent<TopicKey>;
  }

  /** Retries infrastructure errors until the dependency is back, holding (and reporting) the partition. */
  private outagePolicy(topic: string, partition: number, offset: string, heartbeat: () => Promise<void>) {
    const tp = `${topic}/${partition}`;
    const outage = retry(
      handleWhen((e) => isTransientError(e)),
      {
        maxAttempts: Number.MAX_SAFE_INTEGER,
        backoff: new ExponentialBackoff({
          initialDelay: Math.max(this.opts.initialDelayMs, 50),
          maxDelay: this.opts.maxOutageDelayMs,
        }),
      },
    );
    outage.onRetry((r) => {
      const error = 'error' in r ? r.error.message : 'unknown';
      const held = this.blocked.get(tp);
      if (held) held.error = error;
      else {
        this.blocked.set(tp, { since: Date.now(), error });
        this.opts.logger.warn(
          { topic, partition, offset, err: error },
          'dependency unavailable; holding the partition and retrying until it is back',
        );
      }
      void heartbeat().catch(() => undefined);
    });
    return outage;
  }

  private async process({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const entry = this.handlers.get(topic);
    if (!entry) return;
    const event = await this.parse(entry.key, topic, partition, message);
    if (!event) return;
    return this.handle(topic, partition, message, event, heartbeat);
  }

  /** Runs the single handler of a validated message with the failure policy (retries, dead letter). */
  private async handle(
    topic: string,
    partition: number,
    message: KafkaMessage,
    event: TopicEvent<TopicKey>,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const entry = this.handlers.get(topic)!;
    const base = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      heartbeat,
    };

    let attempt = 1;
    const tp = `${topic}/${partition}`;
    const signal = this.stopping.signal;
    // Inner policy: infrastructure errors, retried until the dependency is back (never counted).
    const outage = this.outagePolicy(topic, partition, message.offset, heartbeat);
    // Outer policy: other non-permanent errors, up to maxAttempts.
    const budget = retry(
      handleWhen((e) => !isPermanent(e) && !isTransientError(e) && !(e instanceof TaskCancelledError)),
      {
        maxAttempts: this.opts.maxAttempts - 1,
        backoff: new ExponentialBackoff({
          initialDelay: this.opts.initialDelayMs,
          maxDelay: this.opts.maxDelayMs,
        }),
      },
    );
    budget.onRetry(() => {
      attempt += 1;
      void heartbeat().catch(() => undefined);
    });
    try {
      await withLogContext(
        {
          tenantId: event.tenantId,
          correlationId: event.correlationId,
          eventId: event.id,
          traceparent: event.traceparent,
        },
        () =>
          budget.execute(
            () => outage.execute(() => entry.handler(event, { ...base, attempt }), signal),
            signal,
          ),
      );
    } catch (e) {
      const err = e as Error;
      if (signal.aborted || err instanceof TaskCancelledError || isTransientError(err)) {
        // Stopping mid-outage: do not commit, do not dead-letter; the next owner retries it.
        throw err;
      }
      const reason = isPermanent(err) ? err.reason : 'max_attempts';
      this.opts.logger.warn(
        { topic, partition, offset: message.offset, attempt, err: err.message, reason },
        'handler failed; dead-lettering',
      );
      return this.deadLetter(payloadOf(topic, partition, message), reason, err.message, attempt);
    } finally {
      if (this.blocked.delete(tp))
        this.opts.logger.info({ topic, partition }, 'dependency back; partition moving again');
    }
  }

  private async deadLetter(
    m: {
      topic: string;
      partition: number;
      offset: string;
      timestamp: string;
      key: string | null;
      value: string;
    },
    reason: string,
    error: string,
    attempts: number,
  ): Promise<void> {
    const logical = this.opts.namer.logical(m.topic);
    await this.opts.producer.sendRaw(dlqTopicName(logical), [
      {
        key: m.key,
        value: m.value,
        headers: {
          [DLQ_HEADERS.reason]: reason,
          [DLQ_HEADERS.error]: error.slice(0, 4000),
          [DLQ_HEADERS.attempts]: String(attempts),
          [DLQ_HEADERS.topic]: logical,
          [DLQ_HEADERS.partition]: String(m.partition),
          [DLQ_HEADERS.offset]: m.offset,
          [DLQ_HEADERS.timestamp]: m.timestamp,
          [DLQ_HEADERS.group]: this.opts.groupId,
          [DLQ_HEADERS.failedAt]: new Date().toISOString(),
        },
      },
    ]);
    this.opts.logger.warn(
      { topic: logical, partition: m.partition, offset: m.offset, reason, error },
      'dead-lettered',
    );
    this.opts.onDeadLetter?.({
      topic: logical,
      partition: m.partition,
      offset: m.offset,
      reason,
      error,
      attempts,
    });
  }
}

function payloadOf(topic: string, partition: number, message: KafkaMessage) {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? '',
  };
}
