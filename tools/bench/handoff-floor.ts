/**
 * The "floor" of the handoff path on this machine, measured in the same run as the benchmark: the
 * raw hops the handoff crosses, without any of our code — Kafka produce (acks=all, idempotent) →
 * consume, Redis PUBLISH → pattern subscriber, Socket.IO server emit → client, and a PostgreSQL
 * one-row INSERT + COMMIT. Latency is measured one message at a time (the next message is sent when
 * the previous one arrived), so it is the hop itself, not queueing; plus the throughput of the
 * serialized idempotent Kafka producer (one message per request, acks=all), the cap of any code that
 * sends Kafka messages one by one.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Server } from 'socket.io';
import { io as ioClient } from 'socket.io-client';
import { LatencyRecorder, type LatencySummary } from '../demo/lib/stats';

export interface FloorResult {
  kafkaProduceToConsumeMs: LatencySummary;
  redisPublishToSubscribeMs: LatencySummary;
  socketIoEmitToClientMs: LatencySummary;
  postgresInsertCommitMs: LatencySummary;
  /** Messages/s of one idempotent producer sending one message per request (acks=all), for 3 s. */
  kafkaSerialProducerMsgsPerSecond: number;
  messagesPerHop: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Ping-pong: `n` times, arms a receipt, calls `send(sentAt)` and waits until `arrived()` is called
 * (or 5 s), recording send → receipt.
 */
async function pingPong(
  n: number,
  rec: LatencyRecorder,
  send: (sentAt: number) => void | Promise<unknown>,
  hook: (arrived: () => void) => void,
): Promise<void> {
  let resolve: (() => void) | null = null;
  hook(() => resolve?.());
  for (let i = 0; i < n; i++) {
    const got = new Promise<void>((r) => (resolve = r));
    const t = performance.now();
    void send(t);
    await Promise.race([got.then(() => rec.record(performance.now() - t)), sleep(5000)]);
  }
}

export async function measureFloor(opts: {
  kafkaBrokers: string;
  redisUrl: string;
  databaseUrl: string;
  n?: number;
}): Promise<FloorResult> {
  const n = opts.n ?? 1000;

  // Kafka: one partition, acks=-1, idempotent producer (like HubProducer), consumer with maxWait 50 ms (like ConsumerRunner).
  const kafka = new Kafka({
    clientId: 'bench-floor',
    brokers: opts.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topic = `bench-floor-${Date.now().toString(36)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `${topic}-g`, maxWaitTimeInMs: 50, minBytes: 1 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  const kafkaLat = new LatencyRecorder();
  let kafkaArrived: () => void = () => undefined;
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({ eachMessage: async () => kafkaArrived() });
  await joined;
  await pingPong(
    Math.min(n, 300),
    kafkaLat,
    () => producer.send({ topic, acks: -1, messages: [{ value: 'x' }] }),
    (a) => (kafkaArrived = a),
  );
  let serial = 0;
  const until = performance.now() + 3000;
  while (performance.now() < until) {
    await producer.send({ topic, acks: -1, messages: [{ value: 'y' }] });
    serial += 1;
  }
  await Promise.all([consumer.disconnect(), producer.disconnect()]);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();

  // Redis: PUBLISH on one connection, PSUBSCRIBE on another (like RealtimeBus).
  const pub = new Redis(opts.redisUrl);
  const sub = new Redis(opts.redisUrl);
  const channel = `bench-floor:${randomUUID()}`;
  const redisLat = new LatencyRecorder();
  let redisArrived: () => void = () => undefined;
  sub.on('pmessage', () => redisArrived());
  await sub.psubscribe(`${channel}*`);
  await pingPong(
    n,
    redisLat,
    () => pub.publish(`${channel}:x`, 'x'),
    (a) => (redisArrived = a),
  );
  await Promise.all([pub.quit(), sub.quit()]);

  // Socket.IO: server emits to a websocket client's room (like the gateway's agent rooms).
  const http = createServer();
  const server = new Server(http);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  server.on('connection', (s) => void s.join('agent'));
  const client = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
  const ioLat = new LatencyRecorder();
  let ioArrived: () => void = () => undefined;
  client.on('offer', () => ioArrived());
  await new Promise<void>((r) => client.once('connect', () => r()));
  await sleep(100);
  await pingPong(
    n,
    ioLat,
    () => void server.to('agent').emit('offer', 'x'),
    (a) => (ioArrived = a),
  );
  client.disconnect();
  await new Promise<void>((r) => server.close(() => r()));

  // PostgreSQL: one-row INSERT + COMMIT on a temp table (what every state change costs at least).
  const pg = new Client({ connectionString: opts.databaseUrl });
  await pg.connect();
  await pg.query('CREATE TEMP TABLE bench_floor (id uuid primary key, at timestamptz default now())');
  const pgLat = new LatencyRecorder();
  for (let i = 0; i < Math.min(n, 500); i++) {
    const t = performance.now();
    await pg.query('BEGIN');
    await pg.query('INSERT INTO bench_floor (id) VALUES ($1)', [randomUUID()]);
    await pg.query('COMMIT');
    pgLat.record(performance.now() - t);
  }
  await pg.end();

  return {
    kafkaProduceToConsumeMs: kafkaLat.summary(),
    redisPublishToSubscribeMs: redisLat.summary(),
    socketIoEmitToClientMs: ioLat.summary(),
    postgresInsertCommitMs: pgLat.summary(),
    kafkaSerialProducerMsgsPerSecond: Math.round(serial / 3),
    messagesPerHop: n,
  };
}
