import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { allTopics, dlqTopicName } from '@hub/contracts';
import { KAFKA, MessagingService } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { decodeDeadLetter, decodeEvent, type RawRecord } from '../domain/decode';
import { EventStore } from '../domain/event-store';
import { EVENT_STORE } from '../tokens';

/**
 * Reads every catalogue topic and its `<topic>.dlq` from the beginning of their retention into the
 * {@link EventStore} (a throw-away consumer group per process, nothing committed: the store is a read
 * model, rebuilt on start; each replica holds all of it). Never produces, never dead-letters: it shows
 * what is on the topics, valid or not.
 */
@Injectable()
export class EventTapService implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: Consumer | null = null;
  private caughtUp = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(MessagingService) private readonly messaging: MessagingService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const namer = this.messaging.namer;
    const logicalNames = allTopics.flatMap((t) => [t.name, dlqTopicName(t.name)]);
    const dlqs = new Set(allTopics.map((t) => dlqTopicName(t.name)));
    const consumer = this.kafka.consumer({
      groupId: namer.physical(`ops-service-tap-${randomUUID()}`),
      maxWaitTimeInMs: 200,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: logicalNames.map((n) => namer.physical(n)), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachMessage: async ({ topic, partition, message }) => {
        const logical = namer.logical(topic);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {}))
          if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
        const r: RawRecord = {
          topic: logical,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
          timestamp: message.timestamp,
          headers,
        };
        try {
          if (dlqs.has(logical)) this.store.addDeadLetter(decodeDeadLetter(r));
          else this.store.addEvent(decodeEvent(r));
        } catch (e) {
          this.logger.warn({ err: (e as Error).message, topic: logical, partition }, 'tap: message skipped');
        }
      },
    });
    this.caughtUp = true;
  }

  /** Whether the tap consumer is running. */
  running(): boolean {
    return this.caughtUp;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
