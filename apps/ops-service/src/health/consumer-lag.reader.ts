import { Inject, Injectable } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { allTopics } from '@hub/contracts';
import { KAFKA, MessagingService } from '@hub/messaging';

/** Lag of one consumer group on one topic: sum over partitions of (end offset − committed offset). */
export interface ConsumerLag {
  /** Group id without the namespace prefix, e.g. `suggestion-service`. */
  group: string;
  /** Logical topic. */
  topic: string;
  /** Messages not yet committed by the group. */
  lag: number;
  partitions: { partition: number; committed: string; end: string; lag: number }[];
}

/**
 * Consumer lag of the hub's consumer groups (Kafka admin API: ListGroups, OffsetFetch, ListOffsets),
 * restricted to this deployment's namespace and the catalogue topics. Platform-wide (consumer groups
 * are not per tenant).
 */
@Injectable()
export class ConsumerLagReader {
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(MessagingService) private readonly messaging: MessagingService,
  ) {}

  /** @throws kafkajs errors when the broker is unreachable */
  async read(): Promise<ConsumerLag[]> {
    const namer = this.messaging.namer;
    const ns = namer.physical('');
    const topicNames = new Set(allTopics.map((t) => namer.physical(t.name)));
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.listGroups();
      const ours = groups
        .map((g) => g.groupId)
        .filter((g) => (ns ? g.startsWith(ns) : true) && !namer.logical(g).startsWith('ops-service-tap-'))
        .filter((g) => !namer.logical(g).startsWith('hub-dlq-redrive-'));
      const ends = new Map<string, Map<number, string>>();
      const endsOf = async (topic: string) => {
        let m = ends.get(topic);
        if (!m) {
          m = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
          ends.set(topic, m);
        }
        return m;
      };
      const out: ConsumerLag[] = [];
      for (const groupId of ours) {
        const committed = await admin.fetchOffsets({ groupId });
        for (const t of committed) {
          if (!topicNames.has(t.topic)) continue;
          const end = await endsOf(t.topic);
          const partitions = t.partitions.map((p) => {
            const hi = end.get(p.partition) ?? '0';
            const c = p.offset === '-1' ? '0' : p.offset;
            const lag = Math.max(0, Number(BigInt(hi) - BigInt(c)));
            return { partition: p.partition, committed: p.offset, end: hi, lag };
          });
          out.push({
            group: namer.logical(groupId),
            topic: namer.logical(t.topic),
            lag: partitions.reduce((a, p) => a + p.lag, 0),
            partitions,
          });
        }
      }
      return out.sort((a, b) => b.lag - a.lag || a.group.localeCompare(b.group));
    } finally {
      await admin.disconnect();
    }
  }
}
