import { DLQ_HEADERS } from '@hub/messaging';
import type { DeadLetter, ObservedEvent } from './event-store';

/** Dead-letter headers written by libs/messaging's ConsumerRunner. */
const DLQ_HEADER = DLQ_HEADERS;

/** A Kafka message as the tap hands it over (kafkajs shapes, decoded to strings). */
export interface RawRecord {
  /** Logical topic name (namespace removed). */
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  /** Kafka timestamp, epoch ms as a string (kafkajs). */
  timestamp: string;
  headers: Record<string, string>;
}

const MAX_RAW_CHARS = 4096;

/**
 * Reads the hub envelope fields of a message (docs/architecture.md, envelope) without validating the
 * topic schema: the inspector shows what is on the topic, valid or not.
 */
export function decodeEvent(r: RawRecord): ObservedEvent {
  const loggedAt = new Date(Number(r.timestamp) || 0).toISOString();
  let env: Record<string, unknown> | null = null;
  try {
    const v = JSON.parse(r.value) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) env = v as Record<string, unknown>;
  } catch {
    env = null;
  }
  const str = (k: string) => (env && typeof env[k] === 'string' ? (env[k] as string) : null);
  const occurred = str('occurredAt');
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    key: r.key,
    eventId: str('id'),
    type: str('type'),
    tenantId: str('tenantId'),
    source: str('source'),
    correlationId: str('correlationId'),
    occurredAt: occurred && !Number.isNaN(Date.parse(occurred)) ? occurred : loggedAt,
    loggedAt,
    data: env ? (env['data'] ?? null) : r.value.slice(0, MAX_RAW_CHARS),
  };
}

/** A message of a `<topic>.dlq` with its dead-letter headers. */
export function decodeDeadLetter(r: RawRecord): DeadLetter {
  const e = decodeEvent(r);
  const h = r.headers;
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);
  const originalTopic = h[DLQ_HEADER.topic] ?? r.topic.replace(/\.dlq$/, '');
  const failedAt = h[DLQ_HEADER.failedAt];
  return {
    ...e,
    dlqTopic: r.topic,
    originalTopic,
    originalPartition: num(h[DLQ_HEADER.partition]),
    originalOffset: h[DLQ_HEADER.offset] ?? null,
    reason: h[DLQ_HEADER.reason] ?? 'unknown',
    error: h[DLQ_HEADER.error] ?? null,
    attempts: num(h[DLQ_HEADER.attempts]),
    consumerGroup: h[DLQ_HEADER.group] ?? null,
    failedAt: failedAt && !Number.isNaN(Date.parse(failedAt)) ? new Date(failedAt).toISOString() : e.loggedAt,
    rawValue: r.value,
  };
}
