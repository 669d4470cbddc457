/**
 * Floor stand-ins for the Assist benchmark (`tools/bench/assist-bench.ts`), run as child processes so
 * the floor has the same process layout as the pipeline (load generator → process 1 → process 2 →
 * widget socket) but does no work between the hops:
 *
 *   node --require @swc-node/register tools/bench/assist-floor.ts relay    (stands in for suggestion-service)
 *   node --require @swc-node/register tools/bench/assist-floor.ts gateway  (stands in for assist-gateway)
 *
 * relay:   consumes FLOOR_IN with the suggestion-service consumer settings (ConsumerRunner: minBytes 1,
 *          maxWaitTimeInMs 20, 6 partitions concurrently, auto-commit every 200 ms; FLOOR_MEMBERS group
 *          members in the process like ASSIST_CONSUMER_MEMBERS, default 1) and produces each
 *          message unchanged to FLOOR_OUT with the HubProducer settings (idempotent, maxInFlight 1,
 *          acks -1), adding header `x-t-relay` (receive time).
 * gateway: consumes FLOOR_OUT with the assist-gateway consumer settings (maxWaitTimeInMs 50, 4
 *          partitions concurrently) and emits `floor` to the Socket.IO room named by the message key
 *          (namespace `/assist`, clients join with `auth.room`), payload `{key, id, t0, tRelay,
 *          tGateway, tEmit, value}` (`id`, `t0` from headers `x-id`, `x-t0`).
 * Times are wall-clock ms with sub-ms resolution (`performance.timeOrigin + performance.now()`), comparable
 * across processes on one machine. Each role prints one JSON line `{"ready": true, …}` on stdout when it
 * has joined its group (and, for the gateway, listens: `port`). Env: KAFKA_BROKERS, FLOOR_IN, FLOOR_OUT,
 * FLOOR_GROUP, FLOOR_MEMBERS (relay). Stops on SIGTERM.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Server } from 'socket.io';

const now = () => performance.timeOrigin + performance.now();
const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

const kafka = new Kafka({
  clientId: `assist-floor-${process.argv[2]}`,
  brokers: env('KAFKA_BROKERS').split(','),
  connectionTimeout: 3000,
  requestTimeout: 10000,
  retry: { initialRetryTime: 100, retries: 8 },
  logLevel: logLevel.NOTHING,
});

/** Same consumer options as libs/messaging ConsumerRunner. */
function consumer(maxWaitTimeInMs: number): Consumer {
  return kafka.consumer({
    groupId: env('FLOOR_GROUP'),
    minBytes: 1,
    maxWaitTimeInMs,
    sessionTimeout: 30000,
    heartbeatInterval: 3000,
    rebalanceTimeout: 30000,
    allowAutoTopicCreation: false,
  });
}

async function joined(c: Consumer, run: () => Promise<void>): Promise<void> {
  const p = new Promise<void>((resolve) => {
    const off = c.on(c.events.GROUP_JOIN, () => {
      off();
      resolve();
    });
  });
  await run();
  await p;
}

async function relay(): Promise<() => Promise<void>> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const out = env('FLOOR_OUT');
  const members = Array.from({ length: Number(process.env['FLOOR_MEMBERS'] ?? '1') }, () => consumer(20));
  await Promise.all(
    members.map(async (c) => {
      await c.connect();
      await c.subscribe({ topic: env('FLOOR_IN'), fromBeginning: true });
      await joined(c, () =>
        c.run({
          autoCommit: true,
          autoCommitInterval: 200,
          partitionsConsumedConcurrently: 6,
          eachMessage: async ({ message }) => {
            const tRelay = now();
            await producer.send({
              topic: out,
              acks: -1,
              messages: [
                {
                  key: message.key,
                  value: message.value,
                  headers: { ...message.headers, 'x-t-relay': String(tRelay) },
                },
              ],
            });
          },
        }),
      );
    }),
  );
  process.stdout.write(JSON.stringify({ ready: true, members: members.length }) + '\n');
  return async () => {
    await Promise.all(members.map((c) => c.disconnect()));
    await producer.disconnect();
  };
}

async function gateway(): Promise<() => Promise<void>> {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  const nsp = io.of('/assist');
  nsp.on('connection', (socket) => {
    const room = (socket.handshake.auth as { room?: string }).room;
    if (room) void socket.join(room);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const c = consumer(50);
  await c.connect();
  await c.subscribe({ topic: env('FLOOR_OUT'), fromBeginning: true });
  await joined(c, () =>
    c.run({
      autoCommit: true,
      autoCommitInterval: 200,
      partitionsConsumedConcurrently: 4,
      eachMessage: async ({ message }) => {
        const tGateway = now();
        const key = message.key?.toString() ?? '';
        const h = message.headers ?? {};
        nsp.to(key).emit('floor', {
          key,
          id: h['x-id']?.toString(),
          t0: Number(h['x-t0']?.toString()),
          tRelay: Number(h['x-t-relay']?.toString()),
          tGateway,
          tEmit: now(),
          value: message.value?.toString(),
        });
      },
    }),
  );
  process.stdout.write(JSON.stringify({ ready: true, port: (http.address() as AddressInfo).port }) + '\n');
  return async () => {
    await c.disconnect();
    io.close();
    http.close();
  };
}

async function main(): Promise<void> {
  const role = process.argv[2];
  const stop = role === 'relay' ? await relay() : role === 'gateway' ? await gateway() : null;
  if (!stop) throw new Error('usage: assist-floor.ts relay|gateway');
  process.once('SIGTERM', () => {
    void stop().finally(() => process.exit(0));
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
