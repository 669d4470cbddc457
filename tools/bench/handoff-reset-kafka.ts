/**
 * Deletes the Kafka topics and consumer groups of one namespace (default `bench.`), so a benchmark run
 * starts from an empty log: without it, commands and events a previous run left unconsumed (and the
 * groups' committed offsets) are replayed into the fresh database and pollute the first stage.
 *
 *   node --require @swc-node/register tools/bench/handoff-reset-kafka.ts [namespace]
 */
import { Kafka, logLevel } from 'kafkajs';

async function main(): Promise<void> {
  const ns = process.argv[2] ?? process.env.KAFKA_TOPIC_NAMESPACE ?? 'bench.';
  if (!ns) throw new Error('refusing to reset an empty namespace');
  const kafka = new Kafka({
    clientId: 'handoff-bench-reset',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(ns));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(ns));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
    // Topic deletion is asynchronous in Kafka: wait until the names are gone before services re-create them.
    for (let i = 0; i < 100; i++) {
      const left = (await admin.listTopics()).filter((t) => t.startsWith(ns));
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    process.stdout.write(
      `reset kafka namespace ${ns}: ${topics.length} topics, ${groups.length} groups deleted\n`,
    );
  } finally {
    await admin.disconnect();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`kafka reset failed: ${e.message}\n`);
  process.exit(1);
});
