import type { Kafka } from 'kafkajs';
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { allTopics, dlqTopicName } from '@hub/contracts';
import type { TopicNamer } from './kafka-client';

/**
 * Creates every catalogue topic and its `<topic>.dlq` if missing (idempotent), then waits until metadata
 * names a leader for every partition and, for the topics it created, until that leader serves them
 * (answers ListOffsets, earliest and latest). Until then a KRaft broker answers produce/list-offsets
 * requests for a just-created partition with NOT_LEADER_OR_FOLLOWER / UNKNOWN_TOPIC_OR_PARTITION (it
 * takes the partitions over up to seconds after the controller created them, longer under load), which
 * makes producers retry and consumers rejoin their group. Transient broker errors are retried with
 * exponential backoff (12 attempts, ~30 s).
 *
 * kafkajs' own `waitForLeaders` is not used: it fails the CreateTopics call with
 * UNKNOWN_TOPIC_OR_PARTITION when the topics were created but the broker's metadata does not show them
 * yet; the leader wait here is done in the retry loop instead.
 * @param partitions partitions per topic (DLQs get the same count)
 * @param replicationFactor replicas per partition
 * @returns physical names of the topics this call created: those it found missing and asked the controller
 *          to create (all of them exist when it returns). A topic created concurrently by another
 *          provisioner between its listing and its create request is reported by both.
 * @throws the last broker error when the topics are still missing or not served after the retries
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
    // Recorded before the request, not after it returns: the controller may create the topics and the call
    // still fail (timeout, lagging metadata); the retry then lists them as existing and must not forget them.
    const requested = new Set<string>();
    const served = new Set<string>();
    await policy.execute(async () => {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((n) => !existing.has(n));
      if (missing.length) {
        for (const t of missing) requested.add(t);
        // answers false (not an error) when every topic already exists
        await admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
        });
      }
      const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
      const leaderless = topics.filter((t) => t.partitions.some((p) => p.leader < 0));
      if (leaderless.length) throw new Error(`no leader yet for ${leaderless.map((t) => t.name).join(', ')}`);
      // every partition of the topics created here is served: its leader answers ListOffsets (throws
      // NOT_LEADER_OR_FOLLOWER until ready). Topics that already existed are not probed (a leader moving
      // during a rolling restart must not fail a service start). One topic after the other: a retry costs
      // one refused request (kafkajs logs each), not one per topic.
      for (const t of wanted) {
        if (served.has(t) || !requested.has(t)) continue;
        await admin.fetchTopicOffsets(t);
        served.add(t);
      }
    });
    return wanted.filter((t) => requested.has(t));
  } finally {
    await admin.disconnect();
  }
}
