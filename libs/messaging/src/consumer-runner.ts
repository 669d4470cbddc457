import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Logger } from 'pino';
import { Topics, dlqTopicName, type TopicEvent, type TopicKey } from '@hub/contracts';
import { withLogContext } from '@hub/observability';
import { formatIssues, isPermanent } from './errors';
import type { TopicNamer } from './kafka-client';
import type { HubProducer } from './producer';

/** Where a message came from, and which attempt this is (1-based). */
export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  attempt: number;
  /** Keeps the group membership alive during long handlers. */
  heartbeat: () => Promise<void>;
}

export type EventHandler<K extends TopicKey> = (event: TopicEvent<K>, ctx: MessageContext) => Promise<void>;

/** Options for {@link ConsumerRunner}. */
export interface ConsumerRunnerOptions {
  groupId: string;
  namer: TopicNamer;
  /** Used to write dead letters. */
  producer: HubProducer;
  logger: Logger;
  /** Attempts (including the first) before a transiently failing message is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** First retry delay, ms (exponential, jittered, capped at `maxDelayMs`). Default 50. */
  initialDelayMs?: number;
  maxDelayMs?: number;
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
 *  - any other error is transient: retried with exponential backoff (cockatiel) up to `maxAttempts`,
 *    heartbeating in between; then dead-lettered with reason `max_attempts`;
 *  - after a dead letter is written the partition moves on; if the dead letter cannot be written the
 *    error propagates and kafkajs redelivers (nothing is lost).
 * Offsets are committed after the handler returns (at-least-once); handlers must be idempotent
 * (see the persistence inbox). `stop()` commits what was processed and leaves the group.
 */
export class ConsumerRunner {
  private readonly consumer: Consumer;
  private readonly handlers = new Map<string, { key: TopicKey; handler: EventHandler<TopicKey> }>();
  private readonly opts: Required<Omit<ConsumerRunnerOptions, 'onDeadLetter'>> &
    Pick<ConsumerRunnerOptions, 'onDeadLetter'>;
  private running = false;

  constructor(kafka: Kafka, options: ConsumerRunnerOptions) {
    this.opts = {
      maxAttempts: 5,
      initialDelayMs: 50,
      maxDelayMs: 2000,
      maxWaitTimeInMs: 50,
      partitionsConsumedConcurrently: 4,
      fromBeginning: true,
      ...options,
    };
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      minBytes: 1,
      maxWaitTimeInMs: this.opts.maxWaitTimeInMs,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      rebalanceTimeout: 30000,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, retries: 10 },
    });
  }

  /** Registers the handler for one topic. Call before {@link start}. */
  on<K extends TopicKey>(topic: K, handler: EventHandler<K>): this {
    const physical = this.opts.namer.physical(Topics[topic].name);
    this.handlers.set(physical, { key: topic, handler: handler as unknown as EventHandler<TopicKey> });
    return this;
  }

  /** Connects, subscribes and resolves once this member has joined the group (partitions assigned). */
  async start(): Promise<void> {
    if (this.running) return;
    await this.consumer.connect();
    for (const topic of this.handlers.keys()) {
      await this.consumer.subscribe({ topic, fromBeginning: this.opts.fromBeginning });
    }
    const joined = new Promise<void>((resolve) => {
      const off = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 200,
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently,
      eachMessage: (payload) => this.process(payload),
    });
    this.running = true;
    await joined;
  }

  /** Stops fetching, waits for in-flight handlers, commits processed offsets, leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.consumer.disconnect();
  }

  private async process({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const entry = this.handlers.get(topic);
    if (!entry) return;
    const def = Topics[entry.key];
    const base = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      heartbeat,
    };

    let json: unknown;
    try {
      json = JSON.parse(message.value?.toString() ?? '');
    } catch (e) {
      return this.deadLetter(payloadOf(topic, partition, message), 'invalid_json', (e as Error).message, 1);
    }
    const parsed = def.schema.safeParse(json);
    if (!parsed.success) {
      return this.deadLetter(
        payloadOf(topic, partition, message),
        'schema_invalid',
        formatIssues(parsed.error.issues),
        1,
      );
    }
    const event = parsed.data as TopicEvent<TopicKey>;

    let attempt = 0;
    const policy = retry(
      handleWhen((e) => !isPermanent(e)),
      {
        maxAttempts: this.opts.maxAttempts - 1,
        backoff: new ExponentialBackoff({
          initialDelay: this.opts.initialDelayMs,
          maxDelay: this.opts.maxDelayMs,
        }),
      },
    );
    policy.onRetry(() => {
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
          policy.execute(async () => {
            attempt += 1;
            await entry.handler(event, { ...base, attempt });
          }),
      );
    } catch (e) {
      const err = e as Error;
      const reason = isPermanent(err) ? err.reason : 'max_attempts';
      this.opts.logger.warn(
        { topic, partition, offset: message.offset, attempt, err: err.message, reason },
        'handler failed; dead-lettering',
      );
      return this.deadLetter(payloadOf(topic, partition, message), reason, err.message, attempt);
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

function payloadOf(topic: string, partition: number, message: EachMessagePayload['message']) {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? '',
  };
}
