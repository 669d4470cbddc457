import type { Kafka, IHeaders } from 'kafkajs';
import type { Logger } from 'pino';
import { dlqTopicName } from '@hub/contracts';
import { DLQ_HEADERS } from './consumer-runner';
import type { TopicNamer } from './kafka-client';
import type { HubProducer } from './producer';
import { randomUUID } from 'node:crypto';

/** Headers added to a redriven message (the original DLQ headers are not copied; these point back to them). */
export const REDRIVE_HEADERS = {
  /** The dead-letter topic (logical name) and offset the message was replayed from: `<dlq topic>/<partition>/<offset>`. */
  from: 'x-redriven-from',
  /** Why it had been dead-lettered (the DLQ's `x-dlq-reason`). */
  reason: 'x-redrive-dlq-reason',
  redrivenAt: 'x-redriven-at',
} as const;

/** Options of {@link redriveDeadLetters}. */
export interface RedriveOptions {
  /** Logical catalogue topic whose dead letters to replay, e.g. `work-item.commands` (its DLQ is `<topic>.dlq`). */
  topic: string;
  /** Only dead letters that failed at or after this instant (`x-dlq-failed-at`). */
  since?: Date;
  /** Only these: event ids (the envelope's `id`) or DLQ positions `<partition>/<offset>`. */
  ids?: string[];
  /** Report what would be replayed without producing. Default false. */
  dryRun?: boolean;
  logger?: Logger;
}

/** One dead letter that was (or, in a dry run, would be) replayed. */
export interface RedrivenMessage {
  partition: number;
  offset: string;
  eventId: string | null;
  reason: string | null;
  originalTopic: string;
}

/**
 * Replays dead letters of one topic to the topic they came from (`x-dlq-original-topic`), with their
 * original key and value, adding {@link REDRIVE_HEADERS}. Reads the DLQ from the beginning up to its end
 * offsets at call time (a throw-away consumer group; nothing is committed), so a redrive is repeatable; the
 * consumers' inbox dedupes an event that was already processed. The DLQ itself is left as is (an audit
 * trail; its retention removes it).
 * @returns the replayed (matching) messages, in DLQ order per partition
 * @throws kafkajs errors when the broker is unreachable or the DLQ topic does not exist
 */
export async function redriveDeadLetters(
  kafka: Kafka,
  namer: TopicNamer,
  producer: HubProducer,
  opts: RedriveOptions,
): Promise<RedrivenMessage[]> {
  const dlq = namer.physical(dlqTopicName(opts.topic));
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; high: string; low: string }[];
  try {
    ends = (await admin.fetchTopicOffsets(dlq)).map((o) => ({
      partition: o.partition,
      high: o.high,
      low: o.low,
    }));
  } finally {
    await admin.disconnect();
  }
  const pending = new Set(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => e.partition));
  const highOf = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const out: RedrivenMessage[] = [];
  if (!pending.size) return out;
  const wanted = opts.ids ? new Set(opts.ids) : undefined;
  const consumer = kafka.consumer({ groupId: `hub-dlq-redrive-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    let done!: () => void;
    let fail!: (e: Error) => void;
    const finished = new Promise<void>((resolve, reject) => {
      done = resolve;
      fail = reject;
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        try {
          const offset = BigInt(message.offset);
          const high = highOf.get(partition) ?? 0n;
          if (offset < high) {
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {}))
              if (v !== undefined) h[k] = Array.isArray(v) ? v.join(',') : v.toString();
            const value = message.value?.toString() ?? '';
            let eventId: string | null = null;
            try {
              const parsed = JSON.parse(value) as { id?: unknown };
              eventId = typeof parsed.id === 'string' ? parsed.id : null;
            } catch {
              eventId = null;
            }
            const failedAt = h[DLQ_HEADERS.failedAt] ? new Date(h[DLQ_HEADERS.failedAt]) : undefined;
            const matches =
              (!opts.since || (failedAt !== undefined && failedAt >= opts.since)) &&
              (!wanted ||
                (eventId !== null && wanted.has(eventId)) ||
                wanted.has(`${partition}/${message.offset}`));
            if (matches) {
              const originalTopic = h[DLQ_HEADERS.topic] ?? opts.topic;
              const reason = h[DLQ_HEADERS.reason] ?? null;
              if (!opts.dryRun) {
                await producer.sendRaw(originalTopic, [
                  {
                    key: message.key?.toString() ?? null,
                    value,
                    headers: {
                      [REDRIVE_HEADERS.from]: `${dlqTopicName(opts.topic)}/${partition}/${message.offset}`,
                      ...(reason ? { [REDRIVE_HEADERS.reason]: reason } : {}),
                      [REDRIVE_HEADERS.redrivenAt]: new Date().toISOString(),
                    } as IHeaders as Record<string, string>,
                  },
                ]);
              }
              out.push({ partition, offset: message.offset, eventId, reason, originalTopic });
              opts.logger?.info({ partition, offset: message.offset, eventId, reason }, 'redriven');
            }
          }
          if (offset + 1n >= high) {
            pending.delete(partition);
            if (!pending.size) done();
          }
        } catch (e) {
          fail(e as Error);
          throw e;
        }
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}
