import { KafkaJSError, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { OutboxBatch, OutboxDeliveryLog, OutboxMessage } from '@hub/persistence';
import type { TopicNamer } from './kafka-client';
import { kafkaJsCluster } from './kafka-client';
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';

/** Options of {@link KafkaOutboxSink}. */
export interface KafkaOutboxSinkOptions {
  kafka: Kafka;
  namer: TopicNamer;
  /** The relay's producer (the service name): names the transactional id and the progress topic. */
  producer: string;
  logger: Logger;
  /**
   * Kafka transaction timeout (ms, kafkajs `transactionTimeout`): how long the coordinator lets a transaction
   * this producer left open (a process killed mid-batch, a broker restart mid-batch) block the transactional
   * id before aborting it itself. Default {@link OUTBOX_TXN_TIMEOUT_MS}.
   */
  transactionTimeoutMs?: number;
}

/** Errors after which the transactional producer cannot go on (fenced by a newer instance, bad state). */
const FATAL_TXN_ERRORS = new Set([
  'PRODUCER_FENCED',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_TXN_STATE',
  'INVALID_PRODUCER_ID_MAPPING',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

/**
 * Logical name prefix of the one-partition progress topics: `hub.outbox.progress.<producer>` holds one record
 * per delivered batch (value = the batch id), written in the batch's transaction.
 */
export const OUTBOX_PROGRESS_TOPIC = 'hub.outbox.progress';

/**
 * Default {@link KafkaOutboxSinkOptions.transactionTimeoutMs}: 10 s (kafkajs' default is 60 s). A batch's
 * transaction takes well under a second; the producer's own retries of a send (≈ 20 s) are not inside one
 * transaction attempt that long because a failed attempt is aborted and retried as a new transaction.
 */
export const OUTBOX_TXN_TIMEOUT_MS = 10_000;

/** Control record type (key bytes 2–3) of a transaction marker: 0 = ABORT, 1 = COMMIT (Kafka protocol). */
const CONTROL_COMMIT = 1;

/** Initial number of offsets read back from the end of the progress topic ({@link lastCommittedValue}). */
const PROGRESS_WINDOW = 64;

/**
 * The outbox relay's Kafka destination, **exactly-once across a crash**: every batch is one Kafka
 * transaction (kafkajs transactional producer, `transactionalId` = `<namespace>hub-outbox-<producer>`,
 * idempotent, acks = all) that holds the batch's messages AND one record on the one-partition topic
 * `<namespace>hub.outbox.progress.<producer>` whose value is the batch id ({@link OutboxBatch.id}: the rows'
 * seqs). Both become visible together on commit, or not at all. One produce request carries both, so a
 * batch costs three round trips (AddPartitionsToTxn, Produce, EndTxn) and needs only the transaction
 * coordinator — no group coordinator (an earlier version used a transactional offset commit, TxnOffsetCommit:
 * five round trips, and after a broker restart the group coordinator's reload stalled it).
 *
 * Why this is needed: the relay deletes a batch's rows in a PostgreSQL transaction that commits *after*
 * Kafka acknowledged the batch. A process crash between the two leaves the rows, and a new relay would send
 * them again — with a new producer id, so the idempotent producer cannot dedupe them (its sequence numbers
 * are per producer session). With this sink the new relay ({@link lastDelivered}) reads the last committed
 * progress record (read_committed) and drops those rows; a transaction the crashed process left open is
 * aborted by the broker when the new producer initialises the same transactional id (fencing), so
 * read_committed consumers (kafkajs' default, every ConsumerRunner) never see it and its rows are sent again
 * once. A zombie leader (lost its advisory lock but still sending) is fenced the same way
 * (`PRODUCER_FENCED`); the producer is then recreated for the next batch.
 */
export class KafkaOutboxSink implements OutboxDeliveryLog {
  private producer?: Producer;
  private connecting?: Promise<Producer>;
  private readonly transactionalId: string;
  /** Physical name of this producer's progress topic. */
  readonly progressTopic: string;
  private topicReady = false;

  constructor(private readonly opts: KafkaOutboxSinkOptions) {
    this.transactionalId = opts.namer.physical(`hub-outbox-${opts.producer}`);
    this.progressTopic = opts.namer.physical(`${OUTBOX_PROGRESS_TOPIC}.${opts.producer}`);
  }

  private async ensureTopic(): Promise<void> {
    if (this.topicReady) return;
    const admin = this.opts.kafka.admin();
    await admin.connect();
    try {
      // false (not an error) when it exists; one partition, one small record per batch, kept a day. Not
      // kafkajs' waitForLeaders: on a fresh broker it fails with UNKNOWN_TOPIC_OR_PARTITION while metadata lags
      // (see provisionTopics); instead wait below until the leader serves the partition.
      await admin.createTopics({
        waitForLeaders: false,
        topics: [
          {
            topic: this.progressTopic,
            numPartitions: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'delete' },
              { name: 'retention.ms', value: String(24 * 3600_000) },
              { name: 'segment.ms', value: String(3600_000) },
            ],
          },
        ],
      });
      await retry(handleAll, {
        maxAttempts: 12,
        backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 3000 }),
      }).execute(() => admin.fetchTopicOffsets(this.progressTopic));
      this.topicReady = true;
    } finally {
      await admin.disconnect();
    }
  }

  private connected(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      await this.ensureTopic();
      const p = this.opts.kafka.producer({
        transactionalId: this.transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // a transaction the relay left open (crashed, or the broker restarted mid-batch) is aborted by the
        // coordinator after this long at the latest; a new producer with the same id aborts it at once (fencing)
        transactionTimeout: this.opts.transactionTimeoutMs ?? OUTBOX_TXN_TIMEOUT_MS,
        retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 22 },
      });
      await p.connect();
      this.producer = p;
      return p;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Drops the producer (after fencing or an error inside a transaction); the next batch makes a new one. */
  private async reset(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }

  /**
   * Delivers `rows` (grouped by topic, order kept per topic) and the progress record `batch.id`, in one
   * Kafka transaction.
   * @throws kafkajs errors (the transaction is aborted, or left for the coordinator to abort): the relay
   *         rolls its delete back and asks {@link lastDelivered} before trying again
   */
  async deliver(rows: OutboxMessage[], batch: OutboxBatch): Promise<void> {
    const producer = await this.connected();
    const byTopic = new Map<string, { key: string | null; value: string; headers: IHeaders }[]>();
    for (const r of rows) {
      const topic = this.opts.namer.physical(r.target);
      const list = byTopic.get(topic) ?? [];
      list.push({ key: r.key, value: r.payload, headers: r.headers });
      byTopic.set(topic, list);
    }
    byTopic.set(this.progressTopic, [{ key: this.transactionalId, value: batch.id, headers: {} }]);
    let txn: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      txn = await producer.transaction();
      await txn.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      await txn.commit();
    } catch (e) {
      // Abort and keep the producer: a new one would re-initialise the transactional id (InitProducerId),
      // and every re-initialisation makes the coordinator finish the previous transaction first
      // (CONCURRENT_TRANSACTIONS for a while after a broker restart). The producer is kept ONLY when that
      // abort succeeded; it is replaced when it was fenced, when the abort failed, and when the transaction is
      // no longer abortable — a commit that failed half-way leaves kafkajs' transaction state machine in
      // COMMITTING for good ("Cannot call beginTransaction in state COMMITTING" on every later batch: the
      // fault suite's Kafka row once stalled for minutes on it), and so does an error before the transaction
      // began. A new producer's InitProducerId makes the coordinator finish that transaction either way, and
      // the relay then asks lastDelivered() whether it committed.
      const type = (e as { type?: string }).type ?? '';
      let replace = true;
      if (!FATAL_TXN_ERRORS.has(type) && txn?.isActive())
        replace = await txn.abort().then(
          () => false,
          () => true,
        );
      this.opts.logger.warn(
        { err: (e as Error).message, transactionalId: this.transactionalId, replaced: replace },
        'outbox kafka transaction failed',
      );
      if (replace) await this.reset();
      throw e;
    }
  }

  /** The batch id of the last committed transaction ({@link OutboxDeliveryLog}). */
  async lastDelivered(): Promise<string | undefined> {
    // initialise the transactional id first: that fences a previous leader and aborts the transaction it
    // left open, so the last committed record read next cannot change behind our back
    await this.connected();
    return lastCommittedValue(this.opts.kafka, this.progressTopic);
  }

  async disconnect(): Promise<void> {
    await this.reset();
  }
}

/** Longest wait, ms, for a partition's open transaction to be decided before {@link lastCommittedValue} gives up. */
const PROGRESS_STABLE_WAIT_MS = 10_000;

/** The part of a kafkajs fetch response {@link lastCommittedValue} reads. */
interface FetchedRecord {
  offset: string;
  value: Buffer | null;
  key: Buffer | null;
  isControlRecord: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

/**
 * Value of the last **committed** record of partition 0 of `topic` (a read_committed read: records of aborted
 * transactions and control records are skipped), or undefined when it has none.
 *
 * Reads backwards from the partition's last stable offset (ListOffsets, READ_COMMITTED) in growing windows
 * (64 offsets, ×8 each time) with plain Fetch requests (isolation level READ_COMMITTED) sent to the leader —
 * no consumer group, so no group coordinator. A record counts as committed when it is not transactional, or
 * when a COMMIT control record of the same producer id follows it (Kafka's transaction markers, KIP-98).
 * @throws kafkajs errors (broker unreachable, `UNKNOWN_TOPIC_OR_PARTITION`, …); an Error when this kafkajs
 *         version does not expose its cluster factory
 */
export async function lastCommittedValue(kafka: Kafka, topic: string): Promise<string | undefined> {
  const cluster = kafkaJsCluster(kafka, { allowAutoTopicCreation: false, isolationLevel: 1 });
  if (!cluster) throw new Error('kafkajs cluster factory not available: cannot read the outbox progress');
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    await cluster.refreshMetadataIfNecessary();
    const [meta] = cluster.findTopicPartitionMetadata(topic).filter((p) => p.partitionId === 0);
    if (!meta) throw new Error(`no partition 0 of ${topic}`);
    const offset = async (fromBeginning: boolean) => {
      const [t] = await cluster.fetchTopicsOffset([{ topic, fromBeginning, partitions: [{ partition: 0 }] }]);
      return BigInt(t?.partitions[0]?.offset ?? '0');
    };
    // EndTxn is answered once the coordinator has logged PrepareCommit; the COMMIT markers reach the partition a
    // moment later, and until then the last stable offset (what a READ_COMMITTED read sees) stays below the
    // transaction's records. Reading then would miss a committed batch (and the relay would send it twice), so
    // wait until the partition has no open transaction: LSO = high watermark (after fencing, this service's own
    // producer is the only writer of its progress topic).
    const broker = await cluster.findBroker({ nodeId: String(meta.leader) });
    const [hwPartition] =
      (
        (await broker.listOffsets({
          replicaId: -1,
          isolationLevel: 0, // READ_UNCOMMITTED: the high watermark
          topics: [{ topic, partitions: [{ partition: 0, timestamp: -1 }] }],
        })) as { responses: { partitions: { offset: string }[] }[] }
      ).responses[0]?.partitions ?? [];
    const hw = BigInt(hwPartition?.offset ?? '0');
    let end = await offset(false); // last stable offset (READ_COMMITTED)
    for (let waited = 0; end < hw; waited += 50) {
      if (waited >= PROGRESS_STABLE_WAIT_MS)
        throw new KafkaJSError(
          `outbox progress ${topic}: transaction markers still pending after ${waited} ms`,
          {
            retriable: true,
          },
        );
      await new Promise((r) => setTimeout(r, 50));
      end = await offset(false);
    }
    const low = await offset(true);
    let window = BigInt(PROGRESS_WINDOW);
    for (;;) {
      const start = end - window > low ? end - window : low;
      let last: string | undefined;
      const pending = new Map<string, string | undefined>();
      let next = start;
      while (next < end) {
        const res = (await broker.fetch({
          replicaId: -1,
          isolationLevel: 1,
          maxWaitTime: 0,
          minBytes: 0,
          maxBytes: 4 << 20,
          topics: [{ topic, partitions: [{ partition: 0, fetchOffset: String(next), maxBytes: 4 << 20 }] }],
        })) as { responses: { partitions: { partition: number; messages: FetchedRecord[] }[] }[] };
        const records = (res.responses[0]?.partitions.find((p) => p.partition === 0)?.messages ?? [])
          .filter((m) => BigInt(m.offset) >= next && BigInt(m.offset) < end)
          .sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
        if (!records.length) break;
        for (const m of records) {
          const pid = m.batchContext.producerId;
          if (m.isControlRecord) {
            const type = m.key && m.key.length >= 4 ? m.key.readInt16BE(2) : -1;
            if (type === CONTROL_COMMIT && pending.has(pid)) last = pending.get(pid);
            pending.delete(pid);
          } else if (m.batchContext.inTransaction) pending.set(pid, m.value?.toString() ?? undefined);
          else last = m.value?.toString() ?? undefined;
        }
        next = BigInt(records[records.length - 1]!.offset) + 1n;
      }
      if (last !== undefined || start === low) return last;
      window *= 8n;
    }
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}
