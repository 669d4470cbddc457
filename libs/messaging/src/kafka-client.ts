import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from '@hub/config';

/** Options for {@link createKafka}. */
export interface CreateKafkaOptions {
  config: KafkaConfig;
  clientId: string;
  logger: Logger;
}

const levelMap: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Creates a kafkajs client that logs through pino. */
export function createKafka({ config, clientId, logger }: CreateKafkaOptions): Kafka {
  return new Kafka({
    clientId: config.KAFKA_CLIENT_ID ?? clientId,
    brokers: config.KAFKA_BROKERS,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 100, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        logger[levelMap[level] ?? 'info']({ kafka: rest }, `kafkajs: ${message}`);
      },
  });
}

/** Maps a catalogue topic name to the physical topic (namespace prefix for isolated runs). */
export class TopicNamer {
  constructor(readonly namespace: string) {}
  physical(name: string): string {
    return `${this.namespace}${name}`;
  }
  logical(physical: string): string {
    return this.namespace && physical.startsWith(this.namespace)
      ? physical.slice(this.namespace.length)
      : physical;
  }
}
