import { z } from 'zod';
import { bool, csv } from './load-config';

/** Kafka connection: `KAFKA_BROKERS` (host:port list), optional topic namespace for isolated test runs. */
export const KafkaConfigSchema = z.object({
  KAFKA_BROKERS: csv().pipe(z.array(z.string().regex(/^[^:]+:\d+$/, 'must be host:port'))),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  /** Prefix added to every topic name (e.g. `t123.`); empty in production. */
  KAFKA_TOPIC_NAMESPACE: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(10).default(1),
  /**
   * Attempts (including the first) for a handler failing with an unclassified (non-infrastructure) error
   * before dead-lettering. Infrastructure errors (PostgreSQL/Redis/Kafka unavailable, timeouts) are retried
   * until the dependency is back and never count against this budget.
   */
  KAFKA_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /**
   * Consumer group session timeout, ms: how long the broker waits for a dead member's heartbeat before
   * rebalancing its partitions to the survivors (a SIGKILLed replica's partitions stall this long). Lower
   * means faster failover but a GC pause or CPU starvation longer than this evicts a healthy member.
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(10_000),
  /**
   * Longest wait at start-up for a consumer's group join before the service goes on (serves HTTP), ms; the
   * join completes in the background and `/readyz` reports it meanwhile.
   */
  KAFKA_JOIN_WAIT_MS: z.coerce.number().int().min(0).default(3000),
  /** Consumer heartbeat interval, ms (≤ a third of the session timeout). */
  KAFKA_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(100_000).default(1000),
  /**
   * Outbox → Kafka in Kafka transactions with the batch id recorded alongside (@hub/messaging KafkaOutboxSink):
   * no re-publication after a relay crash between delivery and its COMMIT (docs/reliability.md). On by
   * default; `false` = idempotent sendBatch, at-least-once across such a crash (consumers dedupe by event id),
   * for a cluster without transactions (e.g. no `__transaction_state`).
   */
  KAFKA_OUTBOX_EXACTLY_ONCE: bool().default(true),
});

/** PostgreSQL: `DATABASE_URL` (postgresql://…). */
export const DatabaseConfigSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Server-side `statement_timeout` of every pooled connection, ms (0 = none): a partitioned or overloaded database fails a statement instead of hanging it. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  /** Server-side `idle_in_transaction_session_timeout`, ms (0 = none): an abandoned open transaction is rolled back. */
  DATABASE_IDLE_IN_TX_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** Longest wait for a TCP connection / a pooled connection, ms. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** Inbox (processed_events) dedupe keys older than this are pruned, hours; above Kafka's topic retention (72 h). */
  INBOX_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(168),
  /** Time between inbox pruning runs, ms; 0 turns pruning off in this service. */
  INBOX_PRUNE_INTERVAL_MS: z.coerce.number().int().min(0).default(600_000),
});

/** Redis: `REDIS_URL` (redis://…). */
export const RedisConfigSchema = z.object({
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
  /** Prefix for channels/keys, for isolated test runs. */
  REDIS_NAMESPACE: z
    .string()
    .regex(/^[a-zA-Z0-9:._-]*$/)
    .default(''),
});

/** HTTP server and logging. */
export const HttpConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool().default(false),
});

export type KafkaConfig = z.infer<typeof KafkaConfigSchema>;
export type DatabaseConfig = z.infer<typeof DatabaseConfigSchema>;
export type RedisConfig = z.infer<typeof RedisConfigSchema>;
export type HttpConfig = z.infer<typeof HttpConfigSchema>;
