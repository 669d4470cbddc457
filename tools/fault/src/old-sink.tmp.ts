import type { IHeaders, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { OutboxBatch, OutboxDeliveryLog, OutboxMessage } from '@hub/persistence';
import type { TopicNamer } from '../../../libs/messaging/src/kafka-client';

/** Options of {@link KafkaOutboxSink}. */
export interface KafkaOutboxSinkOptions {
  kafka: Kafka;
  namer: TopicNamer;
  /** The relay's producer (the service name): names the transactional id and the progress group. */
  producer: string;
  logger: Logger;
}

/** Errors after which the transactional producer cannot go on (fenced by a newer instance, bad state). */
const FATAL_TXN_ERRORS = new Set([
  'PRODUCER_FENCED',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_TXN_STATE',
  'INVALID_PRODUCER_ID_MAPPING',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

/** Logical name of the one-partition topic the progress offsets are committed against. */
export const OUTBOX_PROGRESS_TOPIC = 'hub.outbox.progress';

/**
 * The outbox relay's Kafka destination, **exactly-once across a crash**: every batch is one Kafka
 * transaction (kafkajs transactional producer, `transactionalId` = `<namespace>hub-outbox-<producer>`,
 * idempotent, acks = all) that holds the batch's messages AND a transactional offset commit
 * (TxnOffsetCommit, KIP-98) of group `<namespace>hub-outbox-<producer>` on {@link OUTBOX_PROGRESS_TOPIC}
 * partition 0 whose metadata is the batch id ({@link OutboxBatch.id}: the rows' seqs). Both become visible
 * together on commit, or not at all.
 *
 * Why this is needed: the relay deletes a batch's rows in a PostgreSQL transaction that commits *after*
 * Kafka acknowledged the batch. A process crash between the two leaves the rows, and a new relay would send
 * them again — with a new producer id, so the idempotent producer cannot dedupe them (its sequence numbers
 * are per producer session). With this sink the new relay ({@link lastDelivered}) reads the committed
 * batch id and drops those rows; a transaction the crashed process left open is aborted by the broker when
 * the new producer initialises the same transactional id (fencing), so read_committed consumers (kafkajs'
 * default, every ConsumerRunner) never see it and its rows are sent again once. A zombie leader (lost its
 * advisory lock but still sending) is fenced the same way (`PRODUCER_FENCED`); the producer is then
 * recreated for the next batch.
 */
export class KafkaOutboxSink implements OutboxDeliveryLog {
  private producer?: Producer;
  private connecting?: Promise<Producer>;
  private readonly transactionalId: string;
  private readonly group: string;
  private readonly progressTopic: string;
  private topicReady = false;

  constructor(private readonly opts: KafkaOutboxSinkOptions) {
    this.transactionalId = opts.namer.physical(`hub-outbox-${opts.producer}`);
    this.group = this.transactionalId;
    this.progressTopic = opts.namer.physical(OUTBOX_PROGRESS_TOPIC);
  }

  private async ensureTopic(): Promise<void> {
    if (this.topicReady) return;
    const admin = this.opts.kafka.admin();
    await admin.connect();
    try {
      // false (not an error) when it exists; one partition, it never holds records
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: this.progressTopic, numPartitions: 1 }],
      });
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
        // a transaction the relay left open (it crashed) is aborted by the coordinator after this long at the
        // latest; a new producer with the same id aborts it at once (fencing)
        transactionTimeout: 30_000,
        retry: { initialRetryTime: 200, maxRetryTime: 1000, retries: 22 },
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
   * Delivers `rows` (grouped by topic, order kept per topic) and records `batch.id`, in one Kafka transaction.
   * @throws kafkajs errors (the transaction is aborted, or left for the coordinator to abort): the relay
   *         rolls its delete back and asks {@link lastDelivered} before trying again
   */
  async deliver(rows: OutboxMessage[], batch: OutboxBatch): Promise<void> {
    const producer = await this.connected();
    const byTopic = new Map<string, { key: string | null; value: string; headers: IHeaders }[]>();
    for (const r of rows) {
      const list = byTopic.get(r.target) ?? [];
      list.push({ key: r.key, value: r.payload, headers: r.headers });
      byTopic.set(r.target, list);
    }
    let txn: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      txn = await producer.transaction();
      await txn.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({
          topic: this.opts.namer.physical(topic),
          messages,
        })),
      });
      await txn.sendOffsets({
        consumerGroupId: this.group,
        topics: [
          {
            topic: this.progressTopic,
            partitions: [{ partition: 0, offset: String(rows.length), metadata: batch.id } as never],
          },
        ],
      });
      await txn.commit();
    } catch (e) {
      // Abort and keep the producer: a new one would re-initialise the transactional id (InitProducerId),
      // and every re-initialisation makes the coordinator finish the previous transaction first
      // (CONCURRENT_TRANSACTIONS for a while after a broker restart). Only a fenced producer, or one whose
      // abort failed (its transaction state is unknown), is replaced.
      const type = (e as { type?: string }).type ?? '';
      let replace = FATAL_TXN_ERRORS.has(type);
      if (!replace && txn?.isActive())
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

  /** The batch id committed by the last transaction ({@link OutboxDeliveryLog}). */
  async lastDelivered(): Promise<string | undefined> {
    // initialise the transactional id first: that fences a previous leader and aborts the transaction it
    // left open, so the committed batch id read next cannot change behind our back
    await this.connected();
    const admin = this.opts.kafka.admin();
    await admin.connect();
    try {
      const res = await admin.fetchOffsets({ groupId: this.group, topics: [this.progressTopic] });
      const p = res.find((t) => t.topic === this.progressTopic)?.partitions.find((x) => x.partition === 0);
      return (p as { metadata?: string | null } | undefined)?.metadata ?? undefined;
    } finally {
      await admin.disconnect();
    }
  }

  async disconnect(): Promise<void> {
    await this.reset();
  }
}
