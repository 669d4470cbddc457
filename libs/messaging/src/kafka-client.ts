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

/**
 * Retry of the client's own cluster operations (connecting to a seed broker, metadata, finding the group
 * coordinator): 100 ms doubling, capped at 1 s, 8 retries (≈ 5.5 s, then the caller's retry — producer
 * send, consumer restart — takes over). kafkajs' default cap is 30 s: after a broker outage of ~20 s the
 * seed-broker reconnect was waiting ~8 s between attempts, so producers and consumers noticed the returned
 * broker up to 8 s late (the fault suite's Kafka row).
 */
export const KAFKA_CLIENT_RETRY = { initialRetryTime: 100, maxRetryTime: 1000, retries: 8 } as const;

/** Creates a kafkajs client that logs through pino (retry: {@link KAFKA_CLIENT_RETRY}). */
export function createKafka({ config, clientId, logger }: CreateKafkaOptions): Kafka {
  return new Kafka({
    clientId: config.KAFKA_CLIENT_ID ?? clientId,
    brokers: config.KAFKA_BROKERS,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { ...KAFKA_CLIENT_RETRY },
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

/** The part of kafkajs' internal cluster used by {@link leaveGroupAsMember} and the outbox sink. */
export interface KafkaJsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(req: { groupId: string }): Promise<{
    leaveGroup(req: { groupId: string; memberId: string }): Promise<unknown>;
  }>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  fetchTopicsOffset(
    req: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
  findBroker(req: { nodeId: string }): Promise<{
    fetch(req: object): Promise<unknown>;
    listOffsets(req: object): Promise<unknown>;
  }>;
}

/**
 * A new kafkajs internal cluster (its own connections) from the client's cluster factory
 * (`private:Kafka:createCluster`, kafkajs 2.2.4 — the code path its own producers, consumers and admin use),
 * for protocol requests kafkajs has no public API for. `isolationLevel` 1 = READ_COMMITTED (ListOffsets
 * answers the last stable offset). Undefined when this kafkajs version does not expose the factory.
 */
export function kafkaJsCluster(
  kafka: Kafka,
  opts: { allowAutoTopicCreation: boolean; isolationLevel?: 0 | 1 },
): KafkaJsCluster | undefined {
  const factory = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const create = factory
    ? (kafka as unknown as Record<symbol, (o: object) => KafkaJsCluster>)[factory]
    : undefined;
  return typeof create === 'function' ? create.call(kafka, opts) : undefined;
}

/**
 * Sends a LeaveGroup request (Kafka protocol API key 13) for `memberId` of consumer group `groupId` to
 * the group's coordinator: the coordinator removes that member at once instead of waiting for its session
 * (or a pending rebalance) to time out. For a member this process lost — kafkajs drops its member id when a
 * consumer crashes (e.g. "No broker available" during a broker restart) and rejoins as a new member, and the
 * coordinator then holds the new join until the old member's rebalance timeout ({@link ConsumerRunner}).
 *
 * kafkajs 2.x has no public API for it (its admin client lacks RemoveMembers); this uses the client's own
 * cluster factory (`private:Kafka:createCluster`), the same code path its consumers use for LeaveGroup on
 * disconnect.
 * @returns `left` (removed), `unknown` (no such member: already gone), `unsupported` (this kafkajs version
 *          does not expose the cluster factory — nothing sent)
 * @throws kafkajs errors when the coordinator cannot be reached or answers a retriable error
 *         (`COORDINATOR_LOAD_IN_PROGRESS`, `NOT_COORDINATOR`, connection errors): retry later
 */
export async function leaveGroupAsMember(
  kafka: Kafka,
  groupId: string,
  memberId: string,
): Promise<'left' | 'unknown' | 'unsupported'> {
  const cluster = kafkaJsCluster(kafka, { allowAutoTopicCreation: false });
  if (!cluster) return 'unsupported';
  await cluster.connect();
  try {
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    await coordinator.leaveGroup({ groupId, memberId });
    return 'left';
  } catch (e) {
    if ((e as { type?: string }).type === 'UNKNOWN_MEMBER_ID') return 'unknown';
    throw e;
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}
