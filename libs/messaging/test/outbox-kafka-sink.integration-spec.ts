import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { newEnvelope, Topics, type TopicEvent } from '@hub/contracts';
import { createLogger } from '@hub/observability';
import {
  createPrismaClient,
  encodeBatchId,
  Outbox,
  OutboxRelay,
  type OutboxMessage,
  type PrismaClient,
} from '@hub/persistence';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { KafkaConfigSchema, loadConfig } from '@hub/config';
import type { Kafka } from 'kafkajs';
import { createKafka, KafkaOutboxSink, lastCommittedValue, provisionTopics, TopicNamer } from '../src';

const logger = createLogger('outbox-kafka-sink-test', 'silent');
const PRODUCER = 'sink-test-service';

function outcome(conversationId: string): TopicEvent<'handoffOutcomes'> {
  return newEnvelope({
    type: 'handoff.outcome',
    version: 1,
    tenantId: 'acme',
    source: 'test',
    correlationId: conversationId,
    data: {
      handoffId: randomUUID(),
      integrationId: randomUUID(),
      botSessionId: 'bs-1',
      conversationId,
      status: 'accepted',
    },
  }) as TopicEvent<'handoffOutcomes'>;
}

/**
 * The relay's transactional Kafka destination against real Kafka and PostgreSQL: a relay that crashed after
 * the Kafka transaction committed but before its delete committed must not publish the batch again.
 */
describe('KafkaOutboxSink (exactly-once outbox delivery)', () => {
  let world: TestWorld;
  let kafka: Kafka;
  let namer: TopicNamer;
  let writer: PrismaClient;
  const probe = new KafkaProbe();
  const relays: OutboxRelay[] = [];
  const sinks: KafkaOutboxSink[] = [];

  beforeAll(async () => {
    world = await createTestWorld();
    kafka = createKafka({
      config: loadConfig('test', KafkaConfigSchema, world.env),
      clientId: 'sink-test',
      logger,
    });
    namer = new TopicNamer(world.kafkaNamespace);
    await provisionTopics(kafka, namer, 3, 1);
    const owner = createPrismaClient(world.databaseUrl, 1);
    await owner.tenant.create({ data: { id: 'acme', name: 'Acme' } });
    await owner.$disconnect();
    // rows written through this client get producer = PRODUCER (its application_name)
    writer = createPrismaClient(world.databaseUrl, 1, PRODUCER);
    await probe.start([namer.physical(Topics.handoffOutcomes.name)]);
  });
  afterAll(async () => {
    await Promise.allSettled(relays.map((r) => r.stop()));
    await Promise.allSettled(sinks.map((s) => s.disconnect()));
    await probe.stop();
    await writer.$disconnect();
    await world.drop();
  });

  const newSink = () => {
    const s = new KafkaOutboxSink({ kafka, namer, producer: PRODUCER, logger });
    sinks.push(s);
    return s;
  };

  it('records the batch id with the batch, and a new relay drops a delivered-but-undeleted batch', async () => {
    const first = [outcome('c-crash-1'), outcome('c-crash-2'), outcome('c-crash-3')];
    await writer.$transaction((tx) =>
      Outbox.enqueue(tx, ...first.map((e) => Outbox.kafka('handoffOutcomes', e))),
    );

    // The crashed relay: it delivered the batch in a Kafka transaction, then died before its DELETE committed.
    const db = new Client({ connectionString: world.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{
      seq: string;
      id: string;
      tenant_id: string;
      target: string;
      key: string | null;
      payload: string;
      headers: Record<string, string>;
    }>(
      'SELECT seq, id, tenant_id, target, key, payload, headers FROM outbox_events WHERE producer = $1 ORDER BY seq',
      [PRODUCER],
    );
    expect(rows).toHaveLength(3);
    const crashed = newSink();
    const batch = { id: encodeBatchId(rows.map((r) => BigInt(r.seq))) };
    const messages: OutboxMessage[] = rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      destination: 'kafka',
      target: r.target,
      key: r.key,
      payload: r.payload,
      headers: r.headers ?? {},
    }));
    await crashed.deliver(messages, batch);
    expect(await crashed.lastDelivered()).toBe(batch.id);
    await crashed.disconnect();

    // A later event, not yet delivered.
    const later = outcome('c-after-crash');
    await writer.$transaction((tx) => Outbox.enqueue(tx, Outbox.kafka('handoffOutcomes', later)));

    // The new process: a fresh sink (new producer, same transactional id) and relay.
    const sink = newSink();
    const relay = new OutboxRelay({
      databaseUrl: world.databaseUrl,
      producer: PRODUCER,
      logger,
      sinks: { kafka: (m, b) => sink.deliver(m, b) },
      deliveryLogs: { kafka: sink },
    });
    relays.push(relay);
    await relay.start();
    await waitFor(
      async () =>
        Number(
          (await db.query('SELECT count(*) n FROM outbox_events WHERE producer = $1', [PRODUCER])).rows[0].n,
        ) === 0,
      { what: 'outbox drained', timeoutMs: 30_000 },
    );
    const topic = namer.physical(Topics.handoffOutcomes.name);
    await waitFor(() => probe.on(topic).length >= 4, { what: 'four events on Kafka', timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate would arrive here
    await db.end();

    const ids = probe.on(topic).map((m) => (m.json() as { id: string }).id);
    expect(ids.sort()).toEqual([...first, later].map((e) => e.id).sort());
    expect(relay.reconciled).toBe(3);
    expect(relay.delivered).toBe(1);
    expect(decodeLater(await sink.lastDelivered())).toHaveLength(1);
  });

  it('reads the last committed progress record past aborted transactions, beyond its first window', async () => {
    const topic = namer.physical('hub.outbox.progress.window-test');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    expect(await lastCommittedValue(kafka, topic)).toBeUndefined();
    const p = kafka.producer({
      transactionalId: namer.physical('window-test'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await p.connect();
    try {
      const txn = async (value: string, commit: boolean) => {
        const t = await p.transaction();
        await t.send({ topic, acks: -1, messages: [{ value }] });
        await (commit ? t.commit() : t.abort());
      };
      await txn('committed-1', true);
      await txn('committed-2', true);
      expect(await lastCommittedValue(kafka, topic)).toBe('committed-2');
      // 40 aborted transactions = 80 offsets (record + ABORT marker), more than the first 64-offset window
      for (let i = 0; i < 40; i++) await txn(`aborted-${i}`, false);
      expect(await lastCommittedValue(kafka, topic)).toBe('committed-2');
      await txn('committed-3', true);
      await txn('aborted-last', false);
      expect(await lastCommittedValue(kafka, topic)).toBe('committed-3');
    } finally {
      await p.disconnect();
    }
  });
});

function decodeLater(id: string | undefined): string[] {
  return (id ?? '').split('.').slice(1);
}
