/**
 * Benchmark (not CI) of the outbox relay's Kafka delivery on a private broker (tools/fault PrivateKafka, ports
 * `EOS_BENCH_KAFKA_PORT`/+1, default 59392/59393 — never the shared broker):
 *
 * 1. per-batch cost — `--batches N` sequential batches of `--rows R` messages, p50/p95/max latency (ms) of
 *    the idempotent `sendBatch` (the at-least-once path) and of {@link KafkaOutboxSink.deliver} (one Kafka
 *    transaction);
 * 2. broker restart — the sink delivers a batch every 50 ms; the broker is stopped (SIGTERM), kept down
 *    `--down` ms and started; prints how long after the broker answered again the first batch committed,
 *    the longest gap between commits, and that the last committed batch id reads back (`lastDelivered`).
 *
 * `node --require @swc-node/register tools/fault/src/eos-bench.ts [--rows 5] [--batches 200] [--down 3000]
 * [--restarts 3]`
 */
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { KafkaOutboxSink, TopicNamer } from '@hub/messaging';
import { PrivateKafka } from './infra';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '5' },
    batches: { type: 'string', default: '200' },
    down: { type: 'string', default: '3000' },
    restarts: { type: 'string', default: '3' },
  },
});
const port = Number(process.env['EOS_BENCH_KAFKA_PORT'] ?? 59392);
const logger = pino({ level: process.env['EOS_BENCH_LOG'] ?? 'silent' });
const TOPIC = 'bench.events';

interface Sink {
  deliver(rows: Parameters<KafkaOutboxSink['deliver']>[0], b: { id: string }): Promise<void>;
  lastDelivered(): Promise<string | undefined>;
  disconnect(): Promise<void>;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
}

const rowsOf = (n: number, i: number) =>
  Array.from({ length: n }, (_, k) => ({
    id: `e-${i}-${k}`,
    tenantId: 'acme',
    destination: 'kafka' as const,
    target: TOPIC,
    key: `k-${k}`,
    payload: JSON.stringify({ i, k, pad: 'x'.repeat(300) }),
    headers: {},
  }));

const plainOf = (n: number, i: number) => rowsOf(n, i).map((r) => ({ key: r.key, value: r.payload }));

async function main(): Promise<void> {
  const broker = new PrivateKafka(port, port + 1);
  await broker.init();
  const kafka = new Kafka({
    clientId: 'eos-bench',
    brokers: [broker.brokers],
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 8 },
    logLevel: logLevel.NOTHING,
  });
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 3 }] });
    await admin.disconnect();
    const namer = new TopicNamer('');
    const sink: Sink = new KafkaOutboxSink({ kafka, namer, producer: 'bench', logger });
    const rows = Number(args.rows);
    const n = Number(args.batches);

    // 1. per-batch cost
    const plain = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await plain.connect();
    const tPlain: number[] = [];
    const tTxn: number[] = [];
    for (let i = 0; i < 10; i++) {
      await plain.sendBatch({ acks: -1, topicMessages: [{ topic: TOPIC, messages: plainOf(rows, i) }] });
      await sink.deliver(rowsOf(rows, i), { id: `w${i}` });
    }
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      await plain.sendBatch({
        acks: -1,
        topicMessages: [{ topic: TOPIC, messages: plainOf(rows, i) }],
      });
      tPlain.push(performance.now() - t);
      t = performance.now();
      await sink.deliver(rowsOf(rows, i), { id: `b${i}` });
      tTxn.push(performance.now() - t);
    }
    await plain.disconnect();
    console.log(
      JSON.stringify({
        rows,
        batches: n,
        idempotentSendBatchMs: { p50: pct(tPlain, 50), p95: pct(tPlain, 95), max: pct(tPlain, 100) },
        transactionMs: { p50: pct(tTxn, 50), p95: pct(tTxn, 95), max: pct(tTxn, 100) },
        lastDelivered: await sink.lastDelivered(),
      }),
    );

    // 2. broker restarts
    for (let r = 0; r < Number(args.restarts); r++) {
      let stop = false;
      let seq = 0;
      const commits: number[] = [];
      let lastOk: string | undefined;
      const loop = (async () => {
        while (!stop) {
          const id = `r${r}-${seq++}`;
          try {
            await sink.deliver(rowsOf(rows, seq), { id });
            commits.push(performance.now());
            lastOk = id;
          } catch {
            await new Promise((res) => setTimeout(res, 100));
          }
          await new Promise((res) => setTimeout(res, 50));
        }
      })();
      await new Promise((res) => setTimeout(res, 2000));
      const tStop = performance.now();
      await broker.stop();
      await new Promise((res) => setTimeout(res, Number(args.down)));
      await broker.start();
      const back = performance.now();
      const deadline = back + 90_000;
      while (!commits.some((c) => c > back) && performance.now() < deadline)
        await new Promise((res) => setTimeout(res, 50));
      await new Promise((res) => setTimeout(res, 3000));
      stop = true;
      await loop;
      const first = commits.find((c) => c > back);
      const read = await sink.lastDelivered();
      console.log(
        JSON.stringify({
          restart: r + 1,
          brokerDownMs: Math.round(back - tStop),
          firstCommitAfterBrokerBackMs: first === undefined ? null : Math.round(first - back),
          commitsInTheNext3s: commits.filter((c) => c > (first ?? Infinity)).length,
          lastDeliveredMatches: read === lastOk,
        }),
      );
    }
    await sink.disconnect();
  } finally {
    await broker.destroy();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
