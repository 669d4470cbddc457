/**
 * Benchmark of the widget stream hop: a suggestion produced on `hub.assist.suggestions.v1` →
 * received by the widget socket of its interaction (Kafka → assist-gateway consumer → Socket.IO
 * Redis adapter → socket), with the in-process gateway on a fresh test world.
 *
 *   node --require @swc-node/register apps/assist-gateway/test/bench/widget-stream.bench.ts [--rate 50] [--seconds 20] [--widgets 50]
 *
 * Floors measured in the same run, same process clock:
 *  - kafka: the same messages received by a bare kafkajs consumer (own group, maxWaitTimeInMs 50);
 *  - redis: Redis PUBLISH → a bare subscriber (the adapter's broadcast hop), same rate;
 *  - socket: a bare Socket.IO server emit → client over loopback, same rate.
 * Latency = receive time − publish call time, ms. Writes JSON to apps/assist-gateway/test/bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { createTestWorld, randomId } from '@hub/testing';
import { SuggestionPublisher, connectWidget, mintToken, startGateway } from '../support/harness';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    widgets: { type: 'string', default: '50' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WIDGETS = Number(values.widgets);
const TOTAL = RATE * SECONDS;

function stats(xs: number[], elapsedMs: number) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) =>
    s.length ? Number(s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2)) : NaN;
  return {
    n: s.length,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    max: q(1),
    throughputPerS: Number(((s.length / elapsedMs) * 1000).toFixed(1)),
  };
}

/** Calls `fn(i)` RATE times per second, TOTAL times; resolves with the elapsed ms. */
async function paced(fn: (i: number) => Promise<void> | void): Promise<number> {
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < TOTAL; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(Promise.resolve(fn(i)));
  }
  await Promise.all(pending);
  return performance.now() - start;
}

async function main(): Promise<void> {
  const world = await createTestWorld();
  const gw = await startGateway(world, { LOG_LEVEL: 'error' });
  const publisher = new SuggestionPublisher(world);
  await publisher.connect();

  // widgets, one per interaction
  const widgets = await Promise.all(
    Array.from({ length: WIDGETS }, async (_, n) =>
      connectWidget(gw.url, {
        token: await mintToken(gw, {
          tenantId: 'bench',
          provider: 'hub',
          agentId: `a${n}`,
          interactionId: `int-${n}`,
        }),
      }),
    ),
  );
  const sentAt = new Map<string, number>();
  const e2e: number[] = [];
  for (const w of widgets)
    w.socket.on('suggestion', (s: { answer: string }) => {
      const t = sentAt.get(s.answer);
      if (t !== undefined) e2e.push(performance.now() - t);
    });

  // floor 1: a bare consumer on the same topic
  const kafka = new Kafka({
    clientId: 'bench-floor',
    brokers: world.env['KAFKA_BROKERS'].split(','),
    logLevel: logLevel.NOTHING,
  });
  const floorConsumer = kafka.consumer({
    groupId: `bench-floor-${randomId()}`,
    maxWaitTimeInMs: 50,
    minBytes: 1,
  });
  await floorConsumer.connect();
  await floorConsumer.subscribe({
    topic: `${world.kafkaNamespace}hub.assist.suggestions.v1`,
    fromBeginning: false,
  });
  const kafkaFloor: number[] = [];
  const joined = new Promise<void>((r) => floorConsumer.on(floorConsumer.events.GROUP_JOIN, () => r()));
  await floorConsumer.run({
    eachMessage: async ({ message }) => {
      const answer = (JSON.parse(message.value?.toString() ?? '{}') as { data: { answer: string } }).data
        .answer;
      const t = sentAt.get(answer);
      if (t !== undefined) kafkaFloor.push(performance.now() - t);
    },
  });
  await joined;
  await new Promise((r) => setTimeout(r, 2000)); // let both groups settle

  const e2eElapsed = await paced(async (i) => {
    const answer = `bench-${i}`;
    sentAt.set(answer, performance.now());
    await publisher.publish('bench', `int-${i % WIDGETS}`, answer);
  });
  const deadline = Date.now() + 30_000;
  while ((e2e.length < TOTAL || kafkaFloor.length < TOTAL) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));

  // floor 2: Redis pub/sub hop
  const pub = new Redis(world.env['REDIS_URL']);
  const sub = new Redis(world.env['REDIS_URL']);
  const redisFloor: number[] = [];
  const ch = `${world.redisNamespace}bench`;
  await sub.subscribe(ch);
  sub.on('message', (_c, m: string) => redisFloor.push(performance.now() - Number(m)));
  const redisElapsed = await paced(async () => {
    await pub.publish(ch, String(performance.now()));
  });
  await new Promise((r) => setTimeout(r, 500));

  // floor 3: bare Socket.IO hop
  const http = createServer();
  const bare = new Server(http);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const client = io(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    transports: ['websocket'],
  });
  await new Promise<void>((r) => client.once('connect', () => r()));
  const socketFloor: number[] = [];
  client.on('m', (t: number) => socketFloor.push(performance.now() - t));
  const socketElapsed = await paced(() => {
    bare.emit('m', performance.now());
  });
  await new Promise((r) => setTimeout(r, 500));

  const result = {
    at: new Date().toISOString(),
    params: { rate: RATE, seconds: SECONDS, widgets: WIDGETS, total: TOTAL },
    loadavg: (await import('node:os')).loadavg(),
    widgetStream: { ...stats(e2e, e2eElapsed), lost: TOTAL - e2e.length },
    floor: {
      kafkaConsumer: stats(kafkaFloor, e2eElapsed),
      redisPubSub: stats(redisFloor, redisElapsed),
      socketIo: stats(socketFloor, socketElapsed),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `widget-stream-rate${RATE}.json`), JSON.stringify(result, null, 2) + '\n');

  client.close();
  bare.close();
  pub.disconnect();
  sub.disconnect();
  for (const w of widgets) w.socket.close();
  await floorConsumer.disconnect();
  await publisher.close();
  await gw.app.close();
  await world.drop();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
