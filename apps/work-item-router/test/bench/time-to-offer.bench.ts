/**
 * Benchmark: time to offer. A router child process on a fresh database; `create` commands
 * produced to Kafka at a fixed rate; latency = producing the command → the `offer` arriving on the
 * agent's Redis channel (consume, queue resolution, agent selection, DB commit, outbox relay to
 * Kafka and Redis, Redis delivery). Floor, measured in the same run with the same clients: one
 * Kafka produce → consume hop (same consumer wait settings, no work) and one Redis publish →
 * pattern-subscribe hop.
 *
 *   node --require @swc-node/register apps/work-item-router/test/bench/time-to-offer.bench.ts [--rate 20] [--seconds 15]
 *
 * Prints a JSON summary and writes it to apps/work-item-router/test/bench/results/time-to-offer-rate<N>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { testInfra } from '@hub/testing';
import { RouterTestBus, spawnRouter, stopRouter } from '../support/harness';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s[s.length - 1] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function kafkaFloor(bus: RouterTestBus, samples: number, rate: number): Promise<number[]> {
  const kafka = new Kafka({
    clientId: 'bench-floor',
    brokers: testInfra.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topic = `${bus.world.kafkaNamespace}bench.floor`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `${bus.world.kafkaNamespace}bench-floor`, maxWaitTimeInMs: 50 });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  const sent = new Map<string, number>();
  const lat: number[] = [];
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const t0 = sent.get(message.key!.toString());
      if (t0 !== undefined) lat.push(Date.now() - t0);
    },
  });
  await joined;
  for (let i = 0; i < samples; i++) {
    const key = `k${i}`;
    sent.set(key, Date.now());
    await producer.send({ topic, acks: -1, messages: [{ key, value: 'x' }] });
    await sleep(1000 / rate);
  }
  const deadline = Date.now() + 20000;
  while (lat.length < samples && Date.now() < deadline) await sleep(50);
  await Promise.all([consumer.disconnect(), producer.disconnect()]);
  return lat;
}

async function redisFloor(samples: number, rate: number): Promise<number[]> {
  const pub = new Redis(testInfra.redisUrl);
  const sub = new Redis(testInfra.redisUrl);
  const lat: number[] = [];
  const sent = new Map<string, number>();
  sub.on('pmessage', (_p, _c, msg: string) => {
    const t0 = sent.get(msg);
    if (t0 !== undefined) lat.push(Date.now() - t0);
  });
  await sub.psubscribe('bench-floor:*');
  for (let i = 0; i < samples; i++) {
    sent.set(`m${i}`, Date.now());
    await pub.publish(`bench-floor:${i % 7}`, `m${i}`);
    await sleep(1000 / rate);
  }
  await sleep(500);
  await Promise.all([pub.quit(), sub.quit()]);
  return lat;
}

async function main(): Promise<void> {
  const rate = arg('rate', 20);
  const seconds = arg('seconds', 15);
  const bus = await RouterTestBus.create();
  const router = await spawnRouter(bus).catch(async (e) => {
    await bus.close();
    throw e;
  });
  bus.base = router.base;
  try {
    const T = 'bench';
    const q = await bus.tenant(T);
    const agents = 10;
    for (let i = 0; i < agents; i++)
      await bus.agent(
        T,
        { id: `agent-${i}`, displayName: `Agent ${i}`, queueIds: [q], capacity: { chat: 100, call: 0 } },
        'online',
      );

    // warm-up
    for (let i = 0; i < 20; i++) await bus.createItem(T, { n: i });
    const warm = Date.now();
    while (bus.agentMessages.filter((m) => m.msg.kind === 'offer').length < 20 && Date.now() - warm < 60000)
      await sleep(50);

    const total = rate * seconds;
    const sentAt = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      const cmd = bus.createCommand({ n: i });
      sentAt.set(cmd.workItemId, Date.now());
      void bus.send(T, cmd, cmd.conversationId);
    }
    const deadline = Date.now() + 120000;
    const latency = () =>
      bus.agentMessages
        .filter((m) => m.msg.kind === 'offer' && sentAt.has(m.msg.workItem.workItemId))
        .map((m) => ({
          at: m.receivedAt,
          ms: m.receivedAt - sentAt.get((m.msg as { workItem: { workItemId: string } }).workItem.workItemId)!,
        }));
    while (latency().length < total && Date.now() < deadline) await sleep(100);
    const got = latency();
    const lastAt = Math.max(...got.map((g) => g.at));
    const [kafka, redis] = [await kafkaFloor(bus, 200, rate), await redisFloor(200, rate)];

    const load = (await import('node:os')).loadavg();
    const result = {
      benchmark: 'work-item-router time to offer',
      offeredRatePerSec: rate,
      items: total,
      offersReceived: got.length,
      throughputPerSec: Math.round((got.length / ((lastAt - started) / 1000)) * 10) / 10,
      latencyMs: stats(got.map((g) => g.ms)),
      floor: { kafkaHopMs: stats(kafka), redisHopMs: stats(redis) },
      agents,
      loadAverage1m: Math.round(load[0] * 100) / 100,
      at: new Date().toISOString(),
    };
    console.log(JSON.stringify(result, null, 2));
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `time-to-offer-rate${rate}.json`), JSON.stringify(result, null, 2) + '\n');
  } finally {
    if (process.env['BENCH_DUMP']) writeFileSync('/tmp/wir-bench-router.log', router.output());
    await stopRouter(router);
    await bus.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
