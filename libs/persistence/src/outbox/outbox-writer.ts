import { randomUUID } from 'node:crypto';
import { encodeEvent, Topics, type TopicEvent, type TopicKey } from '@hub/contracts';
import type { PrismaExecutor } from '../prisma-client';
import { preparedQuery, type SqlExecutor } from '../sql/pg-sql';

/** One row of the transactional outbox. */
export interface OutboxMessage {
  /** Event id (unique; duplicates are rejected by the database). */
  id: string;
  tenantId: string;
  destination: 'kafka' | 'redis';
  /** Kafka catalogue topic name, or Redis channel. */
  target: string;
  key: string | null;
  /** Serialized payload (JSON). */
  payload: string;
  headers: Record<string, string>;
}

/**
 * Builds outbox rows and writes them inside the caller's transaction, so a state change and the
 * events that announce it commit (or roll back) together. See {@link OutboxRelay} for delivery.
 */
export const Outbox = {
  /**
   * A Kafka event for a catalogue topic, validated now (fail before commit, not at relay time).
   * @throws ContractViolationError naming the offending fields
   */
  kafka<K extends TopicKey>(topic: K, event: TopicEvent<K>): OutboxMessage {
    const { key, value, headers, event: valid } = encodeEvent(topic, event);
    return {
      id: valid.id,
      tenantId: valid.tenantId,
      destination: 'kafka',
      target: Topics[topic].name,
      key,
      payload: value,
      headers,
    };
  },

  /** A Redis pub/sub message (payload validated by the caller against its channel schema). */
  redis(tenantId: string, channel: string, payload: unknown, id: string = randomUUID()): OutboxMessage {
    return {
      id,
      tenantId,
      destination: 'redis',
      target: channel,
      key: null,
      payload: JSON.stringify(payload),
      headers: {},
    };
  },

  /** Inserts the rows in the given transaction (or client). One statement; NOTIFY fires on commit. */
  async enqueue(tx: PrismaExecutor, ...messages: OutboxMessage[]): Promise<void> {
    if (!messages.length) return;
    await tx.outboxEvent.createMany({ data: messages });
  },

  /**
   * {@link Outbox.enqueue} over node-postgres (a client inside `inPgTransaction`): one INSERT of all
   * rows ({@link OUTBOX_INSERT_SQL}, a prepared statement); NOTIFY fires on commit.
   */
  async enqueueSql(db: SqlExecutor, ...messages: OutboxMessage[]): Promise<void> {
    if (!messages.length) return;
    await preparedQuery(db, 'hub.outbox.insert', OUTBOX_INSERT_SQL, [outboxRowsJson(messages)]);
  },
};

/**
 * Inserts outbox rows given as one JSON array parameter (`$1`, snake_case columns — see
 * {@link outboxRowsJson}). Usable as a data-modifying CTE body to write the outbox in the same statement
 * as a state change.
 */
export const OUTBOX_INSERT_SQL = `INSERT INTO outbox_events (id, tenant_id, destination, target, key, payload, headers)
  SELECT r.id, r.tenant_id, r.destination, r.target, r.key, r.payload, COALESCE(r.headers, '{}')
  FROM json_populate_recordset(NULL::outbox_events, $1::json) r`;

/** Outbox messages as the JSON array parameter of {@link OUTBOX_INSERT_SQL} (snake_case columns). */
export function outboxRowsJson(messages: readonly OutboxMessage[]): string {
  return JSON.stringify(
    messages.map((m) => ({
      id: m.id,
      tenant_id: m.tenantId,
      destination: m.destination,
      target: m.target,
      key: m.key,
      payload: m.payload,
      headers: m.headers,
    })),
  );
}
