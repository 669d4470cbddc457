import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { loadConfig } from '@hub/config';
import { bootstrapService, createLogger } from '@hub/observability';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import { withIntegrationStore } from '@hub/integrations';
import { KafkaProbe, createTestWorld, platformAdminHeaders, waitFor, type TestWorld } from '@hub/testing';
import { AppModule } from '../src/app.module';
import { Connector8x8ConfigSchema } from '../src/config';
import { FakePulsarReaderServer } from './fake-pulsar-reader.server';

const TENANT = 'acme';
const API_KEY = 'eght_test_key_123';

const interaction = (event: string, guid: string, extra: Record<string, unknown> = {}) => ({
  Interaction: {
    event,
    interactionGUID: guid,
    callState: 'CS_CONNECTED',
    mediaType: 'chat',
    eventTS: 1744819217,
    msgInfo: {},
    ...extra,
  },
});

describe('connector-8x8 against a Pulsar WebSocket reader (real PostgreSQL, Redis, Kafka)', () => {
  let world: TestWorld;
  let server: FakePulsarReaderServer;
  let prisma: PrismaClient;
  let app: INestApplication | undefined;
  let baseUrl: string;
  const probe = new KafkaProbe();
  let sub: Redis;
  const channelMessages: { channel: string; message: Record<string, unknown> }[] = [];
  let redis: Redis;
  const integrationId = randomUUID();

  const startApp = async () => {
    const config = loadConfig('connector-8x8', Connector8x8ConfigSchema, {
      ...world.env,
      PORT: '0',
      EIGHTX8_RELOAD_INTERVAL_MS: '150',
      EIGHTX8_BACKOFF_INITIAL_MS: '30',
      EIGHTX8_BACKOFF_MAX_MS: '200',
      EIGHTX8_AUTH_BACKOFF_MS: '100',
      EIGHTX8_HANDSHAKE_TIMEOUT_MS: '400',
      EIGHTX8_INITIAL_POSITION: 'earliest',
    });
    const logger = createLogger('connector-8x8', config.LOG_LEVEL);
    const started = await bootstrapService({
      module: AppModule.forRoot(config, { logger }),
      logger,
      port: 0,
      host: '127.0.0.1',
    });
    app = started.app;
    baseUrl = `http://127.0.0.1:${started.port}`;
  };

  const events = () =>
    probe.on(`${world.kafkaNamespace}hub.conversation.events.v1`).map(
      (m) =>
        m.json() as {
          id: string;
          causationId: string;
          data: { interactionId: string; state: string; agentId?: string };
        },
    );
  const eventsFor = (guid: string) => events().filter((e) => e.data.interactionId === guid);
  const metric = async (line: string) => {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(line));
    return found ? Number(found.split(' ').pop()) : 0;
  };
  const correlationKey = (agentId: string) =>
    `${world.redisNamespace}hub:t:${TENANT}:8x8-agent:${agentId}:interaction`;

  beforeAll(async () => {
    world = await createTestWorld();
    server = new FakePulsarReaderServer('acme-8x8', API_KEY);
    await server.listen();
    prisma = createPrismaClient(world.databaseUrl, 2);
    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.create(TENANT, {
        id: integrationId,
        type: 'eightbyeight',
        name: '8x8 UK3',
        config: { eightByEightTenant: 'acme-8x8', host: server.host, scheme: 'ws', receiverQueueSize: 5 },
        secrets: { apiKey: API_KEY },
        enabled: true,
      }),
    );
    redis = new Redis(world.env.REDIS_URL);
    sub = new Redis(world.env.REDIS_URL);
    sub.on('pmessage', (_p, channel, message) =>
      channelMessages.push({ channel, message: JSON.parse(message) }),
    );
    await sub.psubscribe(`${world.redisNamespace}hub:t:${TENANT}:8x8-agent:*`);
    await startApp();
    await probe.start([`${world.kafkaNamespace}hub.conversation.events.v1`]);
    await waitFor(() => server.readers.size === 1, { what: 'reader connected', timeoutMs: 20000 });
  }, 90000);

  afterAll(async () => {
    await app?.close();
    await probe.stop();
    await server?.close();
    await Promise.allSettled([sub?.quit(), redis?.quit(), prisma?.$disconnect()]);
    await world?.drop();
  });

  it('publishes interaction lifecycle in order and keeps the agent ↔ interaction correlation in Redis', async () => {
    const guid = 'int-1963f541b9f-wgyWcn0J0hwtyhN4XfMHIfCIO-chat-01-acme';
    server.publishEvent(interaction('InteractionCreated', guid));
    server.publishEvent(interaction('InteractionQueued', guid, { queueId: 1162 }));
    server.publishEvent(interaction('InteractionAssigned', guid, { agentId: 'agAglVJk' }));
    server.publishEvent(interaction('InteractionAccepted', guid, { agentId: 'agAglVJk' }));
    server.publishEvent({ AgentStatusChange: { agentId: 'agAglVJk', newState: 5, msgInfo: {} } });
    await waitFor(async () => (await redis.get(correlationKey('agAglVJk'))) === guid, {
      what: 'correlation set',
    });
    expect(await redis.ttl(correlationKey('agAglVJk'))).toBeGreaterThan(0);

    server.publishEvent(interaction('InteractionPostProcess', guid, { agentId: 'agAglVJk' }));
    // the agent's wrap-up ends their part (correlation cleared), the interaction's end is InteractionDeleted
    server.publishEvent(interaction('InteractionEndPostProcess', guid, { agentId: 'agAglVJk' }));
    server.publishEvent(interaction('InteractionDeleted', guid));
    await waitFor(() => eventsFor(guid).length === 6, { what: '6 lifecycle events on Kafka' });
    expect(eventsFor(guid).map((e) => e.data.state)).toEqual([
      'started',
      'queued',
      'assigned',
      'accepted',
      'wrap_up',
      'ended',
    ]);
    expect(eventsFor(guid).every((e) => e.causationId.startsWith('8x8:'))).toBe(true);
    await waitFor(async () => (await redis.get(correlationKey('agAglVJk'))) === null, {
      what: 'correlation cleared',
    });
    await waitFor(() => channelMessages.some((m) => m.message.interactionId === null), {
      what: 'cleared message',
    });
    const changes = channelMessages
      .filter((m) => m.channel === `${world.redisNamespace}hub:t:${TENANT}:8x8-agent:agAglVJk`)
      .map((m) => [m.message.agentId, m.message.interactionId]);
    expect(changes).toEqual([
      ['agAglVJk', guid],
      ['agAglVJk', guid],
      ['agAglVJk', null],
    ]);
  });

  it('InteractionDeassigned moves the correlation but keeps the interaction alive: re-assigned to another agent, no ended', async () => {
    const guid = 'int-transfer-deassigned-phone-01-acme';
    const correlationOnly = `connector_8x8_messages_total{tenant="${TENANT}",outcome="correlation"`;
    const before = await metric(correlationOnly);
    server.publishEvent(interaction('InteractionCreated', guid));
    server.publishEvent(interaction('InteractionAssigned', guid, { agentId: 'agFirst' }));
    server.publishEvent(interaction('InteractionAccepted', guid, { agentId: 'agFirst' }));
    await waitFor(async () => (await redis.get(correlationKey('agFirst'))) === guid, {
      what: 'first agent correlated',
    });
    // ring-no-answer / transfer: 8x8 takes the interaction away from the first agent …
    server.publishEvent(interaction('InteractionDeassigned', guid, { agentId: 'agFirst' }));
    // … and offers it to another one; the conversation goes on
    server.publishEvent(interaction('InteractionAssigned', guid, { agentId: 'agSecond' }));
    server.publishEvent(interaction('InteractionAccepted', guid, { agentId: 'agSecond' }));
    await waitFor(() => eventsFor(guid).length === 5, { what: '5 lifecycle events' });
    // events are processed in order: an `ended` for the Deassigned would precede the second assignment
    expect(eventsFor(guid).map((e) => [e.data.state, e.data.agentId ?? null])).toEqual([
      ['started', null],
      ['assigned', 'agFirst'],
      ['accepted', 'agFirst'],
      ['assigned', 'agSecond'],
      ['accepted', 'agSecond'],
    ]);
    expect(await redis.get(correlationKey('agFirst'))).toBeNull();
    expect(await redis.get(correlationKey('agSecond'))).toBe(guid);
    expect(await metric(correlationOnly)).toBe(before + 1);
    const changesOf = (agentId: string) =>
      channelMessages
        .filter((m) => m.channel === `${world.redisNamespace}hub:t:${TENANT}:8x8-agent:${agentId}`)
        .map((m) => m.message.interactionId);
    await waitFor(() => changesOf('agSecond').length === 2, { what: 'second agent nudged' });
    expect(changesOf('agFirst')).toEqual([guid, guid, null]);
    expect(changesOf('agSecond')).toEqual([guid, guid]);
  });

  it('skips bad base64, bad JSON and malformed frames with a logged, counted error, acks them, and drops redeliveries', async () => {
    const badB64 = server.publishRaw('%%%not-base64%%%');
    const badJson = server.publishRaw(Buffer.from('{"Interaction": {"event": ').toString('base64'));
    server.sendRawFrame('this is not a pulsar frame');
    const guid = 'int-after-bad-payloads';
    const good = server.publishEvent(interaction('InteractionCreated', guid));
    await waitFor(() => eventsFor(guid).length === 1, { what: 'event after bad payloads' });
    await waitFor(() => server.acks.includes(good), { what: 'ack of the good message' });
    expect(server.acks).toEqual(expect.arrayContaining([badB64, badJson]));
    expect(await metric(`connector_8x8_messages_total{tenant="${TENANT}",outcome="invalid_base64"`)).toBe(1);
    expect(await metric(`connector_8x8_messages_total{tenant="${TENANT}",outcome="invalid_json"`)).toBe(1);
    expect(await metric(`connector_8x8_messages_total{tenant="${TENANT}",outcome="invalid_frame"`)).toBe(1);

    // the service pushes the same message id again (e.g. a redelivery): dropped, still acknowledged
    const original = server.messages.find((m) => m.messageId === good)!;
    server.sendRawFrame(JSON.stringify({ ...original, redeliveryCount: 1 }));
    await waitFor(
      async () => (await metric(`connector_8x8_messages_total{tenant="${TENANT}",outcome="duplicate"`)) === 1,
      {
        what: 'duplicate counted',
      },
    );
    expect(eventsFor(guid)).toHaveLength(1);
  });

  it('is ready (PostgreSQL, Kafka, Redis up) and counts messages by outcome in /metrics', async () => {
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { postgres: 'up', kafka: 'up', redis: 'up' },
    });
    const published = `connector_8x8_messages_total{tenant="${TENANT}",outcome="published"`;
    const ignored = `connector_8x8_messages_total{tenant="${TENANT}",outcome="ignored"`;
    const [publishedBefore, ignoredBefore] = [await metric(published), await metric(ignored)];
    const guid = 'int-metrics';
    server.publishEvent(interaction('InteractionCreated', guid));
    server.publishEvent({ AgentStatusChange: { agentId: 'agMetrics', newState: 5, msgInfo: {} } });
    const last = server.publishEvent(interaction('InteractionQueued', guid, { queueId: 7 }));
    await waitFor(() => server.acks.includes(last), { what: 'metrics messages acknowledged' });
    await waitFor(async () => (await metric(published)) === publishedBefore + 2, {
      what: 'published counted',
    });
    expect(await metric(ignored)).toBe(ignoredBefore + 1);
    expect(await metric(`connector_8x8_reader_connected{tenant="${TENANT}"`)).toBe(1);
    expect(await metric(`connector_8x8_connections_total{tenant="${TENANT}"`)).toBeGreaterThanOrEqual(1);
  });

  it('respects receiverQueueSize: never more than 5 unacknowledged, yet the whole backlog flows because every message is acked', async () => {
    const guid = 'int-flow-control';
    const ids = Array.from({ length: 30 }, (_, i) =>
      server.publishEvent(
        interaction(i === 0 ? 'InteractionCreated' : 'InteractionQueued', guid, { queueId: i }),
      ),
    );
    await waitFor(() => eventsFor(guid).length === 30, { what: '30 events', timeoutMs: 30000 });
    expect(server.maxPending).toBeLessThanOrEqual(5);
    expect(server.maxPending).toBeGreaterThan(1);
    await waitFor(() => ids.every((id) => server.acks.includes(id)), { what: 'all acked' });
  });

  it('resumes after a dropped connection from the last processed message id: no gap, no duplicate', async () => {
    const guid = 'int-drop-mid-stream';
    const before = server.handshakes.length;
    server.dropNextAfter = 4;
    server.dropAll();
    await waitFor(() => server.handshakes.length > before && server.readers.size === 1, {
      what: 'reconnected',
    });
    const ids = Array.from({ length: 10 }, (_, i) =>
      server.publishEvent(interaction('InteractionQueued', guid, { queueId: i })),
    );
    await waitFor(() => eventsFor(guid).length >= 10, { what: '10 events after the drop', timeoutMs: 30000 });
    const resumed = server.handshakes
      .slice(before)
      .map((h) => new URL(h.url, 'http://x').searchParams.get('messageId'));
    expect(resumed).toContain(ids[3]); // the second reconnect starts right after the 4th message
    const causes = eventsFor(guid).map((e) => e.causationId);
    expect(causes).toEqual(ids.map((id) => `8x8:${id}`)); // in order, each exactly once
  });

  it('continues after a connector restart from the stored cursor: no gap, no duplicate', async () => {
    const guid = 'int-restart';
    const first = server.publishEvent(interaction('InteractionCreated', guid));
    await waitFor(() => eventsFor(guid).length === 1, { what: 'first event' });
    await app!.close();
    app = undefined;
    expect(server.readers.size).toBe(0);
    const whileDown = Array.from({ length: 5 }, (_, i) =>
      server.publishEvent(interaction('InteractionQueued', guid, { queueId: i })),
    );
    const before = server.handshakes.length;
    await startApp();
    await waitFor(() => eventsFor(guid).length === 6, {
      what: 'events published while down',
      timeoutMs: 30000,
    });
    expect(eventsFor(guid).map((e) => e.causationId)).toEqual([first, ...whileDown].map((id) => `8x8:${id}`));
    const cursor = await prisma.connectorCursor.findUniqueOrThrow({ where: { integrationId } });
    expect(cursor.lastMessageId).toBe(whileDown[4]);
    expect(new URL(server.handshakes[before].url, 'http://x').searchParams.get('messageId')).toBe(first);
  });

  it('logs, counts and retries a 401 handshake, and picks up a corrected API key from the integration record', async () => {
    const before = server.handshakes.length;
    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.update(TENANT, integrationId, { secrets: { apiKey: 'eght_revoked' } }),
    );
    await waitFor(() => server.handshakes.slice(before).filter((h) => h.status === 401).length >= 2, {
      what: 'two refused handshakes',
    });
    expect(
      await metric(`connector_8x8_connection_failures_total{tenant="${TENANT}",reason="unauthorized"`),
    ).toBeGreaterThanOrEqual(2);
    const status = (await (
      await fetch(`${baseUrl}/v1/readers`, { headers: await platformAdminHeaders() })
    ).json()) as {
      readers: { lastFailure: { reason: string } }[];
    };
    expect(status.readers[0].lastFailure.reason).toBe('unauthorized');

    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.update(TENANT, integrationId, { secrets: { apiKey: API_KEY } }),
    );
    const guid = 'int-after-401';
    server.publishEvent(interaction('InteractionCreated', guid));
    await waitFor(() => eventsFor(guid).length === 1, { what: 'event after key fixed' });
  });

  it('gives up a handshake that does not complete within the timeout and retries', async () => {
    server.stallHandshakes = true;
    const before = server.handshakes.length;
    server.dropAll();
    await waitFor(() => server.handshakes.slice(before).filter((h) => h.status === 0).length >= 2, {
      what: 'stalled handshakes',
    });
    expect(
      await metric(`connector_8x8_connection_failures_total{tenant="${TENANT}",reason="handshake_timeout"`),
    ).toBeGreaterThanOrEqual(1);
    server.stallHandshakes = false;
    const guid = 'int-after-timeout';
    server.publishEvent(interaction('InteractionCreated', guid));
    await waitFor(() => eventsFor(guid).length === 1, { what: 'event after handshake recovered' });
  });
});
