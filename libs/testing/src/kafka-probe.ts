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

  async start(topics: string[]): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: `probe-${randomId()}`, maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    for (const topic of topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => {
      const off = this.consumer!.on(this.consumer!.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await this.consumer.run({
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

  on(topic: string): ProbedMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
