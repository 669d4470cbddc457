import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from '@hub/config';
import { HealthRegistry, LOGGER, SERVICE_NAME } from '@hub/observability';
import { createKafka, TopicNamer } from './kafka-client';
import { HubProducer } from './producer';
import { ConsumerRunner, type ConsumerRunnerOptions } from './consumer-runner';
import { provisionTopics } from './topic-provisioner';
import { KafkaOutboxSink } from './outbox-kafka-sink';
import {
  OUTBOX_KAFKA_DELIVERY_LOG,
  OUTBOX_KAFKA_SINK,
  type OutboxDeliveryLog,
  type OutboxSink,
} from '@hub/persistence';

export const KAFKA_CONFIG = Symbol('KAFKA_CONFIG');
export const KAFKA = Symbol('KAFKA');

/**
 * The service's Kafka: one idempotent producer, consumer runners created on demand, topic
 * provisioning at start-up and readiness checks: `kafka` (broker reachable, producer sends not failing) and
 * `kafka_consumers` (every started consumer in its group, fetching, not held by an outage). Consumers are stopped (offsets
 * committed) before the producer disconnects on shutdown.
 */
@Injectable()
export class MessagingService implements OnModuleInit, OnApplicationShutdown {
  private readonly consumers: ConsumerRunner[] = [];
  readonly namer: TopicNamer;
  readonly producer: HubProducer;
  /** The outbox relay's transactional Kafka destination (exactly-once across a relay crash). */
  readonly outboxSink: KafkaOutboxSink;

  constructor(
    @Inject(KAFKA) readonly kafka: Kafka,
    @Inject(KAFKA_CONFIG) private readonly config: KafkaConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_NAME) service: string,
    health: HealthRegistry,
  ) {
    this.namer = new TopicNamer(config.KAFKA_TOPIC_NAMESPACE);
    this.producer = new HubProducer(kafka, this.namer);
    this.outboxSink = new KafkaOutboxSink({ kafka, namer: this.namer, producer: service, logger });
    health.register({
      name: 'kafka',
      check: async () => {
        const admin = this.kafka.admin({ retry: { retries: 0 } });
        await admin.connect();
        try {
          await admin.describeCluster();
        } finally {
          await admin.disconnect();
        }
        const p = this.producer.health();
        if (!p.ok) throw new Error(`producer: ${p.reason}`);
      },
    });
    health.register({
      name: 'kafka_consumers',
      check: async () => {
        const down = this.consumers
          .map((c) => ({ c, h: c.health() }))
          .filter(({ h }) => !h.ok)
          .map(({ c, h }) => `${this.namer.logical(c.groupId)}: ${h.reason}`);
        if (down.length) throw new Error(down.join('; '));
      },
    });
  }

  async onModuleInit(): Promise<void> {
    const created = await provisionTopics(
      this.kafka,
      this.namer,
      this.config.KAFKA_TOPIC_PARTITIONS,
      this.config.KAFKA_REPLICATION_FACTOR,
    );
    if (created.length) this.logger.info({ created }, 'provisioned topics');
    await this.producer.connect();
  }

  /**
   * A consumer runner in group `groupId` (the service name), processing up to `KAFKA_TOPIC_PARTITIONS`
   * partitions in parallel; start it after registering handlers. Stopped
   * on shutdown. The group id gets the topic namespace as prefix, like the topics: isolated runs sharing a
   * broker (test worlds, demo, benchmark) never join — and steal partitions from — each other's groups.
   */
  createConsumer(groupId: string, options: Partial<ConsumerRunnerOptions> = {}): ConsumerRunner {
    const runner = new ConsumerRunner(this.kafka, {
      groupId: this.namer.physical(groupId),
      namer: this.namer,
      producer: this.producer,
      logger: this.logger,
      maxAttempts: this.config.KAFKA_MAX_ATTEMPTS,
      sessionTimeoutMs: this.config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: this.config.KAFKA_HEARTBEAT_INTERVAL_MS,
      joinWaitMs: this.config.KAFKA_JOIN_WAIT_MS,
      // Every partition a member holds is processed in parallel (order is kept within a partition):
      // with the runner's default (4) two of the six partitions waited behind the others' transactions.
      partitionsConsumedConcurrently: this.config.KAFKA_TOPIC_PARTITIONS,
      ...options,
    });
    this.consumers.push(runner);
    return runner;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.consumers.map((c) => c.stop()));
    await this.outboxSink.disconnect();
    await this.producer.disconnect();
  }
}

/**
 * Kafka for a service (global): one kafkajs client, the idempotent {@link HubProducer} (acks = all in-sync
 * replicas, validates every event against its topic schema before sending), topic provisioning on start
 * (partitions/replication from `KAFKA_TOPIC_PARTITIONS` / `KAFKA_REPLICATION_FACTOR`) and
 * {@link MessagingService.createConsumer} for consumer runners (validation, retries, dead letters), all under
 * the `KAFKA_TOPIC_NAMESPACE` prefix. Registers a Kafka readiness check and disconnects on shutdown.
 */
@Global()
@Module({})
export class MessagingModule {
  /** @param opts.clientId Kafka client id (the service name) */
  static forRoot(opts: { clientId: string; config: KafkaConfig }): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: KAFKA_CONFIG, useValue: opts.config },
        {
          provide: KAFKA,
          inject: [LOGGER],
          useFactory: (logger: Logger) =>
            createKafka({ config: opts.config, clientId: opts.clientId, logger }),
        },
        MessagingService,
        {
          provide: OUTBOX_KAFKA_SINK,
          inject: [MessagingService],
          useFactory:
            (m: MessagingService): OutboxSink =>
            (rows, batch) =>
              opts.config.KAFKA_OUTBOX_EXACTLY_ONCE
                ? m.outboxSink.deliver(rows, batch)
                : kafkaOutboxSink(m.producer, rows),
        },
        {
          // without it (KAFKA_OUTBOX_EXACTLY_ONCE off) the relay has no delivery log: at-least-once across a crash
          provide: OUTBOX_KAFKA_DELIVERY_LOG,
          inject: [MessagingService],
          useFactory: (m: MessagingService): OutboxDeliveryLog | null =>
            opts.config.KAFKA_OUTBOX_EXACTLY_ONCE ? m.outboxSink : null,
        },
      ],
      exports: [KAFKA, MessagingService, OUTBOX_KAFKA_SINK, OUTBOX_KAFKA_DELIVERY_LOG],
    };
  }
}

/**
 * Delivers outbox rows to Kafka in one sendBatch (acks=-1), grouped by topic, order kept per topic — without
 * a transaction (at-least-once across a relay crash; the services use {@link KafkaOutboxSink}).
 */
export async function kafkaOutboxSink(producer: HubProducer, rows: Parameters<OutboxSink>[0]): Promise<void> {
  const byTopic = new Map<string, { key: string | null; value: string; headers: Record<string, string> }[]>();
  for (const r of rows) {
    const list = byTopic.get(r.target) ?? [];
    list.push({ key: r.key, value: r.payload, headers: r.headers });
    byTopic.set(r.target, list);
  }
  await producer.sendBatch([...byTopic].map(([topicName, messages]) => ({ topicName, messages })));
}
