import type { z } from 'zod';
import { Topics, type TopicEvent, type TopicKey } from './topics';

/** `path.to.field: message; other: message` (first 10 issues). */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** An event does not match its topic's schema; `message` names the offending fields. Permanent. */
export class ContractViolationError extends Error {
  readonly reason = 'schema_invalid';
  constructor(
    readonly topic: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(`event does not match ${topic}: ${formatIssues(issues)}`);
    this.name = 'ContractViolationError';
  }
}

/** A message ready for the wire: partition key, JSON value, headers. */
export interface EncodedMessage {
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/**
 * Validates `event` against its topic's schema and encodes it for Kafka (key from the catalogue,
 * JSON value, `content-type`, `x-event-type` and W3C trace headers).
 * @throws ContractViolationError naming the offending fields
 */
export function encodeEvent<K extends TopicKey>(
  topic: K,
  event: TopicEvent<K>,
): EncodedMessage & { event: TopicEvent<K> } {
  const def = Topics[topic];
  const parsed = def.schema.safeParse(event);
  if (!parsed.success) throw new ContractViolationError(def.name, parsed.error.issues);
  const value = parsed.data as TopicEvent<K>;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-event-type': value.type };
  if (value.traceparent) headers['traceparent'] = value.traceparent;
  if (value.tracestate) headers['tracestate'] = value.tracestate;
  return {
    key: (def.key as (e: TopicEvent<K>) => string)(value),
    value: JSON.stringify(value),
    headers,
    event: value,
  };
}
