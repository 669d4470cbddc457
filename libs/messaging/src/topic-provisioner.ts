import type { Kafka } from 'kafkajs';
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { allTopics, dlqTopicName } from '@hub/contracts';
import type { TopicNamer } from './kafka-client';

/**
 * Creates every catalogue topic and its `<topic>.dlq` if missing (idempotent), then waits until
 * every partition has a leader. Retries transient broker errors (e.g. LEADER_NOT_AVAILABLE right
 * after creation) with exponential backoff for up to ~30 s.
 * @param partitions partitions per topic (DLQs get the same count)
 * @param replicationFactor replicas per partition
 * @returns physical names of the topics that were created in this call
 */
export async function provisionTopics(
  kafka: Kafka,
  namer: TopicNamer,
  partitions: number,
  replicationFactor: number,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  const policy = retry(handleAll, {
    maxAttempts: 12,
    backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 3000 }),
  });
  try {
    const wanted = allTopics.flatMap((t) => [t.name, dlqTopicName(t.name)]).map((n) => namer.physical(n));
    // a Set: a retry after a slow createTopics may see the new topics still missing from listTopics
    const created = new Set<string>();
    await policy.execute(async () => {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((n) => !existing.has(n));
      if (missing.length) {
        await admin.createTopics({
          // kafkajs answers false (not an error) for topics that already exist
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
        });
        for (const t of missing) created.add(t);
      }
      const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
      const leaderless = topics.filter((t) => t.partitions.some((p) => p.leader < 0));
      if (leaderless.length) throw new Error(`no leader yet for ${leaderless.map((t) => t.name).join(', ')}`);
    });
    return [...created];
  } finally {
    await admin.disconnect();
  }
}
