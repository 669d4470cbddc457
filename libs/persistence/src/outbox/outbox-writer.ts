import { randomUUID } from 'node:crypto';
import { encodeEvent, Topics, type TopicEvent, type TopicKey } from '@hub/contracts';
import type { PrismaExecutor } from '../prisma-client';

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
};
