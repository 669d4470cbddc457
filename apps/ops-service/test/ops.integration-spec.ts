import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { KafkaConfigSchema, loadConfig } from '@hub/config';
import { Topics, dlqTopicName, newEnvelope, type TopicEvent } from '@hub/contracts';
import {
  ConsumerRunner,
  DLQ_HEADERS,
  HubProducer,
  PermanentError,
  REDRIVE_HEADERS,
  TopicNamer,
  createKafka,
} from '@hub/messaging';
import { createLogger } from '@hub/observability';
import { createPrismaClient } from '@hub/persistence';
import {
  KafkaProbe,
  api,
  authHeaders,
  createTestWorld,
  fetchOpenApiDocument,
  openApiChecks,
  platformAdminHeaders,
  startService,
  waitFor,
  type RunningService,
  type TestWorld,
} from '@hub/testing';
import type { OpenAPIObject } from '@nestjs/swagger';

jest.setTimeout(180_000);

const logger = createLogger('ops-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');

/** A final customer utterance of a real DSTC11 dialogue line, as connector-audiohook publishes it. */
function utterance(tenantId: string, interactionId: string, text: string, source = 'connector-audiohook') {
  return newEnvelope({
    type: 'conversation.event',
    version: 1,
    tenantId,
    source,
    correlationId: interactionId,
    data: {
      kind: 'utterance',
      interactionId,
      provider: 'genesys',
      utteranceId: randomUUID(),
      speaker: 'customer',
      text,
      isFinal: true,
    },
  }) as TopicEvent<'conversationEvents'>;
}

describe('ops-service: service health, event inspector, dead letters and redrive (real Kafka + PostgreSQL)', () => {
  let world: TestWorld;
  let ops: RunningService;
  let kafka: Kafka;
  let producer: HubProducer;
  let runner: ConsumerRunner;
  let doc: OpenAPIObject;
  const { mismatch } = openApiChecks(() => doc);
  const handled: string[] = [];
  const poisoned = new Set<string>();

  beforeAll(async () => {
    world = await createTestWorld();
    ops = await startService('ops-service', { ...world.env, OPS_HEALTH_WINDOW_S: '600' });
    doc = await fetchOpenApiDocument(ops.url);
    kafka = createKafka({
      config: loadConfig('t', KafkaConfigSchema, world.env),
      clientId: 'ops-test',
      logger,
    });
    const namer = new TopicNamer(world.kafkaNamespace);
    producer = new HubProducer(kafka, namer);
    await producer.connect();
    // a real consumer of the topic (as suggestion-service is): poisoned event ids fail permanently → DLQ
    runner = new ConsumerRunner(kafka, {
      groupId: namer.physical('ops-test-consumer'),
      namer,
      producer,
      logger,
      initialDelayMs: 10,
      maxDelayMs: 50,
    });
    await runner
      .on('conversationEvents', async (e) => {
        if (poisoned.has(e.id))
          throw new PermanentError(`no knowledge base for queue of ${e.data.interactionId}`);
        handled.push(e.id);
      })
      .start();
  }, 180_000);

  afterAll(async () => {
    await runner?.stop();
    await producer?.disconnect();
    await ops?.stop();
    await world?.drop();
  }, 60_000);

  const get = async (path: string, tenant: string, scopes?: string[]) =>
    api(`${ops.url}${path}`, 'GET', undefined, await authHeaders(tenant, scopes));

  it('health per source and topic, the conversation across topics, dead letters with reason; redrive is idempotent and audited; tenants isolated', async () => {
    const conv = `call-${randomUUID()}`;
    const good = utterance('ops-a', conv, 'I would like to book a taxi to Kirkwood House');
    const bad = utterance('ops-a', conv, 'Is there free parking at Kirkwood House?');
    const other = utterance('ops-b', `call-${randomUUID()}`, 'Hello', 'connector-8x8');
    poisoned.add(bad.id);
    await producer.publish('conversationEvents', good);
    await producer.publish('conversationEvents', bad);
    await producer.publish('conversationEvents', other);
    await waitFor(() => handled.includes(good.id) && handled.includes(other.id), {
      what: 'consumer handled',
    });

    // dead letter visible with its reason, for tenant A only
    const dl = await waitFor(
      async () => {
        const r = await get(`/v1/ops/dead-letters?conversationId=${conv}`, 'ops-a');
        const items = r.body.items as Record<string, unknown>[];
        return items?.length ? { r, items } : null;
      },
      { what: 'dead letter in ops-service', timeoutMs: 60_000 },
    );
    expect(dl.r.status).toBe(200);
    expect(mismatch('GET /v1/ops/dead-letters', 200, dl.r.body)).toBeNull();
    const d = dl.items[0];
    expect(d).toMatchObject({
      dlqTopic: dlqTopicName(Topics.conversationEvents.name),
      originalTopic: Topics.conversationEvents.name,
      eventId: bad.id,
      tenantId: 'ops-a',
      source: 'connector-audiohook',
      correlationId: conv,
      reason: expect.any(String),
      error: expect.stringContaining('no knowledge base for queue'),
      redrive: null,
    });
    expect((await get(`/v1/ops/dead-letters?conversationId=${conv}`, 'ops-b')).body.items).toEqual([]);

    // event inspector: the conversation's events across topics (the good one, the bad one) — not tenant B's
    const events = await get(`/v1/ops/conversations/${conv}/events`, 'ops-a');
    expect(events.status).toBe(200);
    expect(mismatch('GET /v1/ops/conversations/{conversationId}/events', 200, events.body)).toBeNull();
    const ids = (events.body.events as { eventId: string; topic: string }[]).map((e) => e.eventId);
    expect(ids).toEqual(expect.arrayContaining([good.id, bad.id]));
    expect((events.body.deadLetters as unknown[]).length).toBe(1);
    expect((await get(`/v1/ops/conversations/${conv}/events`, 'ops-b')).body.events).toEqual([]);

    // health: per source and topic with rate, last seen and errors; tenant B sees only its own series
    const health = await get('/v1/ops/health', 'ops-a');
    expect(health.status).toBe(200);
    expect(mismatch('GET /v1/ops/health', 200, health.body)).toBeNull();
    expect(health.body.consumerLag).toBeNull(); // tenant credential: no platform-wide lag
    const series = health.body.series as Record<string, unknown>[];
    expect(series).toEqual([
      expect.objectContaining({
        tenantId: 'ops-a',
        source: 'connector-audiohook',
        topic: Topics.conversationEvents.name,
        events: 2,
        errors: 1,
        ratePerMinute: 0.2, // 2 events in a 600 s window
      }),
    ]);
    expect(Date.now() - Date.parse(String(series[0].lastSeen))).toBeLessThan(120_000);
    const healthB = (await get('/v1/ops/health', 'ops-b')).body.series as Record<string, unknown>[];
    expect(healthB.map((s) => [s.source, s.events, s.errors])).toEqual([['connector-8x8', 1, 0]]);
    // platform admin (acting on tenant A) also gets the consumer lag of the namespace's groups
    const admin = await api(`${ops.url}/v1/ops/health`, 'GET', undefined, {
      ...(await platformAdminHeaders()),
      'X-Tenant-Id': 'ops-a',
    });
    expect(admin.status).toBe(200);
    const lag = admin.body.consumerLag as { group: string; topic: string; lag: number }[];
    expect(lag).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          group: 'ops-test-consumer',
          topic: Topics.conversationEvents.name,
          lag: 0,
        }),
      ]),
    );

    // redrive: back on the original topic, unchanged, with the redrive headers; the consumer gets it again
    const probe = new KafkaProbe();
    await probe.start([`${world.kafkaNamespace}${Topics.conversationEvents.name}`]);
    poisoned.delete(bad.id); // the cause is fixed
    const at = { dlqTopic: d.dlqTopic, partition: d.partition, offset: d.offset };
    const writer = await authHeaders('ops-a', ['operations:read', 'operations:write']);
    const first = await api(`${ops.url}/v1/ops/dead-letters/redrive`, 'POST', at, writer);
    expect(first.status).toBe(201);
    expect(mismatch('POST /v1/ops/dead-letters/redrive', 201, first.body)).toBeNull();
    expect(first.body).toMatchObject({
      outcome: 'redriven',
      redrive: {
        status: 'done',
        eventId: bad.id,
        reason: d.reason,
        requestedBy: expect.stringMatching(/^oauth:/),
      },
    });
    await waitFor(() => handled.includes(bad.id), { what: 'redriven event handled', timeoutMs: 60_000 });
    const redriven = await waitFor(
      () =>
        probe.messages.find(
          (m) => m.headers[REDRIVE_HEADERS.from] === `${at.dlqTopic}/${at.partition}/${at.offset}`,
        ),
      { what: 'redriven message on the topic' },
    );
    expect(JSON.parse(String(redriven.value)).id).toBe(bad.id);
    expect(redriven.headers[REDRIVE_HEADERS.reason]).toBe(d.reason);

    // idempotent: again → 200 already_redriven, nothing produced
    const again = await api(`${ops.url}/v1/ops/dead-letters/redrive`, 'POST', at, writer);
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('already_redriven');
    await new Promise((r) => setTimeout(r, 1500));
    expect(probe.messages.filter((m) => m.headers[REDRIVE_HEADERS.from]).length).toBe(1);
    expect(handled.filter((id) => id === bad.id).length).toBe(1);
    await probe.stop();

    // audited: the row and the list
    const audit = await get('/v1/ops/redrives', 'ops-a');
    expect(mismatch('GET /v1/ops/redrives', 200, audit.body)).toBeNull();
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        eventId: bad.id,
        status: 'done',
        dlqOffset: at.offset,
        redrivenAt: expect.any(String),
      }),
    ]);
    const prisma = createPrismaClient(world.databaseUrl, 1);
    try {
      const rows = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM dead_letter_redrives`;
      expect(Number(rows[0].n)).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
    const listed = (await get(`/v1/ops/dead-letters?conversationId=${conv}`, 'ops-a')).body.items as {
      redrive: { status: string } | null;
    }[];
    expect(listed[0].redrive).toMatchObject({ status: 'done' });

    // tenant B cannot redrive (or see) tenant A's dead letter; a reader without operations:write gets 403
    const asB = await api(`${ops.url}/v1/ops/dead-letters/redrive`, 'POST', at, await authHeaders('ops-b'));
    expect(asB.status).toBe(404);
    const readOnly = await api(
      `${ops.url}/v1/ops/dead-letters/redrive`,
      'POST',
      at,
      await authHeaders('ops-a', ['operations:read']),
    );
    expect(readOnly.status).toBe(403);
    expect(DLQ_HEADERS.reason).toBe('x-dlq-reason');
  });

  it('bad input is a 400 naming the field; no credential is 401', async () => {
    const writer = await authHeaders('ops-a');
    const bad = await api(
      `${ops.url}/v1/ops/dead-letters/redrive`,
      'POST',
      { dlqTopic: 'hub.conversation.events.v1', partition: -1, offset: 'x' },
      writer,
    );
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'dlqTopic',
      'offset',
      'partition',
    ]);
    const badTopic = await get('/v1/ops/dead-letters?topic=nope', 'ops-a');
    expect(badTopic.status).toBe(400);
    expect((badTopic.body.errors as { field: string }[])[0].field).toBe('topic');
    const badLimit = await get('/v1/ops/redrives?limit=0', 'ops-a');
    expect((badLimit.body.errors as { field: string }[])[0].field).toBe('limit');
    const unknown = await api(
      `${ops.url}/v1/ops/dead-letters/redrive`,
      'POST',
      { dlqTopic: 'hub.conversation.events.v1.dlq', partition: 0, offset: '999999' },
      writer,
    );
    expect([unknown.status, unknown.body.error]).toEqual([404, 'not_found']);
    expect((await api(`${ops.url}/v1/ops/health`, 'GET')).status).toBe(401);
  });
});
