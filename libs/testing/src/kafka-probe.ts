import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { testInfra, randomId } from './test-env';

/** A received Kafka record, decoded. */
export interface ProbedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  json: () => unknown;
}

/**
 * Reads physical topics from the beginning into memory (a plain kafkajs consumer in its own group),
 * for assertions on what services published, including dead letters.
 */
export class KafkaProbe {
  readonly messages: ProbedMessage[] = [];
  private consumer?: Consumer;
  readonly kafka = new Kafka({
    clientId: 'test-probe',
    brokers: testInfra.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });

  /**
   * Subscribes to `topics` (physical names) from the beginning in a fresh group and resolves once the group
   * is joined (partitions assigned); records arrive in {@link messages} from then on.
   * @throws kafkajs errors when the broker is unreachable
   */
  async start(topics: string[]): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: `probe-${randomId()}`, maxWaitTimeInMs: 50 });
    this.consumer = consumer;
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {}))
          if (v !== undefined) headers[k] = v.toString();
        const value = message.value?.toString() ?? '';
        this.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value,
          headers,
          json: () => JSON.parse(value),
        });
      },
    });
    await joined;
  }

  /** The records received so far from one physical topic, in arrival order. */
  on(topic: string): ProbedMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  /** Leaves the group and disconnects (nothing is committed that matters: the group is throw-away). */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
