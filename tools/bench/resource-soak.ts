/**
 * Resource soak (a benchmark, not CI; issue 14 "Also measure"): runs the handoff benchmark at one steady rate for a
 * long time (`tools/bench/handoff-bench.sh --rate R --duration S`, its report kept out of docs/) and samples, every
 * `--every` seconds, what could grow without bound:
 *  - RSS and heap used of every service (`/metrics`: prom-client `process_resident_memory_bytes`,
 *    `nodejs_heap_size_used_bytes`) and its event-loop lag p99 (`nodejs_eventloop_lag_p99_seconds`);
 *  - PostgreSQL size (table + indexes + TOAST, `pg_total_relation_size`) and live rows of every table;
 *  - Kafka consumer lag of every consumer group of the run's topic namespace (committed offset vs high watermark).
 *
 *   npm run soak:resources -- --minutes 30 --rate 15 [--every 30]
 *
 * Verdict per series, on the samples after the first quarter (warm-up): the least-squares slope, and "bounded" when
 * the last quarter's mean is within 10 % (RSS, heap), 50 ms (lag) or 1,000 messages (consumer lag) of the second
 * quarter's. Tables are reported as bytes and rows per handoff: rows that the product keeps by design (handoffs,
 * work items, audit) grow with traffic; queues of work (outbox, inbox beyond retention) must not.
 * Writes docs/bench/soak-<time>.json and prints the markdown table (for docs/benchmarks.md).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

const ROOT = join(__dirname, '..', '..');
const SERVICES = ['handoff-orchestrator', 'work-item-router', 'agent-gateway'] as const;
const URL_VAR: Record<(typeof SERVICES)[number], string> = {
  'handoff-orchestrator': 'ORCHESTRATOR_URL',
  'work-item-router': 'ROUTER_URL',
  'agent-gateway': 'GATEWAY_URL',
};

/** One sample of everything, at `t` seconds into the run. */
interface Sample {
  t: number;
  load1: number;
  services: Record<string, { rssBytes: number; heapUsedBytes: number; loopLagP99Ms: number } | null>;
  tables: Record<string, { bytes: number; rows: number }>;
  consumerLag: Record<string, number>;
  handoffs: number;
}

/** The environment var/<run>/env.sh sets (written by tools/demo/write-env.sh; it has shell defaults), via bash. */
function readEnvFile(path: string): Record<string, string> {
  const text = execFileSync('bash', ['-c', 'set -a; source "$1"; env -0', 'env', path], { encoding: 'utf8' });
  return Object.fromEntries(
    text
      .split('\0')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The value of a prom-client metric line (`name{labels} value`) in a `/metrics` text, or NaN. */
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

async function serviceSample(url: string) {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    return {
      rssBytes: metric(text, 'process_resident_memory_bytes'),
      heapUsedBytes: metric(text, 'nodejs_heap_size_used_bytes'),
      loopLagP99Ms: metric(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
    };
  } catch {
    return null; // not up (yet): the sample says so
  }
}

async function tableSample(pg: Client): Promise<Sample['tables']> {
  const r = await pg.query<{ name: string; bytes: string; rows: string }>(
    `SELECT relname AS name, pg_total_relation_size(relid)::text AS bytes, n_live_tup::text AS rows
       FROM pg_stat_user_tables`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, { bytes: Number(x.bytes), rows: Number(x.rows) }]));
}

async function lagSample(
  admin: ReturnType<Kafka['admin']>,
  namespace: string,
): Promise<Sample['consumerLag']> {
  const out: Sample['consumerLag'] = {};
  const { groups } = await admin.listGroups();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
  const highs = new Map<string, Map<number, number>>();
  for (const t of topics) {
    highs.set(t, new Map((await admin.fetchTopicOffsets(t)).map((p) => [p.partition, Number(p.high)])));
  }
  for (const g of groups.filter((x) => x.groupId.startsWith(namespace))) {
    let lag = 0;
    for (const t of await admin.fetchOffsets({ groupId: g.groupId, topics })) {
      for (const p of t.partitions) {
        const high = highs.get(t.topic)?.get(p.partition) ?? 0;
        if (Number(p.offset) >= 0) lag += Math.max(0, high - Number(p.offset));
      }
    }
    out[g.groupId] = lag;
  }
  return out;
}

/** Least-squares slope of `ys` over `xs` (per second). */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}

/** Second-quarter vs last-quarter means of a series (after the warm-up quarter) and the slope over both. */
function trend(samples: Sample[], pick: (s: Sample) => number | undefined) {
  const pts = samples
    .map((s) => [s.t, pick(s)] as const)
    .filter((p): p is [number, number] => Number.isFinite(p[1]));
  const q = Math.floor(pts.length / 4);
  const mean = (a: (readonly [number, number])[]) => a.reduce((x, p) => x + p[1], 0) / Math.max(1, a.length);
  const body = pts.slice(q);
  return {
    first: pts[0]?.[1] ?? Number.NaN,
    last: pts.at(-1)?.[1] ?? Number.NaN,
    q2: mean(pts.slice(q, 2 * q)),
    q4: mean(pts.slice(3 * q)),
    slopePerMin:
      slope(
        body.map((p) => p[0]),
        body.map((p) => p[1]),
      ) * 60,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      rate: { type: 'string', default: '15' },
      every: { type: 'string', default: '30' },
    },
  });
  const durationS = Math.round(Number(values.minutes) * 60);
  const everyMs = Number(values.every) * 1000;
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const benchOut = join(tmpdir(), `soak-bench-${Date.now().toString(36)}`);
  mkdirSync(benchOut, { recursive: true });

  log(
    `▶ soak: ${values.rate} handoffs/s for ${values.minutes} min (handoff-bench.sh), a sample every ${values.every} s`,
  );
  // its own run (database hub_soak, namespace soak., ports 3211–3213) so a benchmark can run beside it
  const run = process.env['HANDOFF_BENCH_RUN'] ?? 'soak';
  const bench = spawn(
    'bash',
    [
      'tools/bench/handoff-bench.sh',
      '--rate',
      values.rate!,
      '--duration',
      String(durationS),
      '--out',
      benchOut,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        HANDOFF_BENCH_RUN: run,
        BENCH_ORCHESTRATOR_PORT: process.env['BENCH_ORCHESTRATOR_PORT'] ?? '3211',
        BENCH_ROUTER_PORT: process.env['BENCH_ROUTER_PORT'] ?? '3212',
        BENCH_GATEWAY_PORT: process.env['BENCH_GATEWAY_PORT'] ?? '3213',
      },
    },
  );
  const benchDone = new Promise<number>((resolve) => bench.on('exit', (code) => resolve(code ?? 1)));

  // the bench script writes var/bench/env.sh and (re)starts the services: wait for them
  const envFile = join(ROOT, 'var', run, 'env.sh');
  let env: Record<string, string> = {};
  for (let i = 0; i < 600; i++) {
    if (existsSync(envFile)) {
      env = readEnvFile(envFile);
      const up = await Promise.all(SERVICES.map((s) => serviceSample(env[URL_VAR[s]]!)));
      if (up.every(Boolean)) break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const pg = new Client({ connectionString: env['DATABASE_MIGRATION_URL'] });
  await pg.connect();
  const kafka = new Kafka({
    clientId: 'resource-soak',
    brokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const namespace = env['KAFKA_TOPIC_NAMESPACE'] ?? `${run}.`;

  const samples: Sample[] = [];
  const started = Date.now();
  let exitCode: number | null = null;
  void benchDone.then((c) => (exitCode = c));
  while (exitCode === null) {
    const services: Sample['services'] = {};
    for (const s of SERVICES) services[s] = await serviceSample(env[URL_VAR[s]]!);
    const tables = await tableSample(pg).catch(() => ({}) as Sample['tables']);
    samples.push({
      t: Math.round((Date.now() - started) / 1000),
      load1: Math.round(loadavg()[0]! * 100) / 100,
      services,
      tables,
      consumerLag: await lagSample(admin, namespace).catch(() => ({})),
      handoffs: tables['handoffs']?.rows ?? 0,
    });
    const s = samples.at(-1)!;
    log(
      `  t=${s.t}s load ${s.load1} ` +
        SERVICES.map(
          (n) => `${n.split('-')[0]} ${((s.services[n]?.rssBytes ?? NaN) / 2 ** 20).toFixed(0)} MiB`,
        ).join(', ') +
        ` lag ${Object.values(s.consumerLag).reduce((a, b) => a + b, 0)} msgs, handoffs ${s.handoffs}`,
    );
    await Promise.race([new Promise((r) => setTimeout(r, everyMs)), benchDone]);
  }
  await admin.disconnect();
  await pg.end();

  const rows: string[] = [];
  const verdict = (ok: boolean) => (ok ? 'bounded' : '**grows**');
  for (const s of SERVICES) {
    const rss = trend(samples, (x) => x.services[s]?.rssBytes);
    const heap = trend(samples, (x) => x.services[s]?.heapUsedBytes);
    const lag = trend(samples, (x) => x.services[s]?.loopLagP99Ms);
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    rows.push(
      `| ${s} RSS (MiB) | ${mib(rss.first)} | ${mib(rss.q2)} | ${mib(rss.q4)} | ${mib(rss.last)} | ${(rss.slopePerMin / 2 ** 20).toFixed(2)} | ${verdict(rss.q4 <= rss.q2 * 1.1)} |`,
      `| ${s} heap used (MiB) | ${mib(heap.first)} | ${mib(heap.q2)} | ${mib(heap.q4)} | ${mib(heap.last)} | ${(heap.slopePerMin / 2 ** 20).toFixed(2)} | ${verdict(heap.q4 <= heap.q2 * 1.1)} |`,
      `| ${s} event-loop lag p99 (ms) | ${lag.first.toFixed(1)} | ${lag.q2.toFixed(1)} | ${lag.q4.toFixed(1)} | ${lag.last.toFixed(1)} | ${lag.slopePerMin.toFixed(2)} | ${verdict(lag.q4 <= lag.q2 + 50)} |`,
    );
  }
  for (const g of Object.keys(samples.at(-1)?.consumerLag ?? {})) {
    const l = trend(samples, (x) => x.consumerLag[g]);
    rows.push(
      `| consumer lag ${g} (messages) | ${l.first} | ${l.q2.toFixed(0)} | ${l.q4.toFixed(0)} | ${l.last} | ${l.slopePerMin.toFixed(1)} | ${verdict(l.q4 <= l.q2 + 1000)} |`,
    );
  }
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const handoffs = Math.max(1, last.handoffs - first.handoffs);
  const tableRows = Object.keys(last.tables)
    .map((name) => ({
      name,
      bytes: (last.tables[name]!.bytes - (first.tables[name]?.bytes ?? 0)) / handoffs,
      rows: (last.tables[name]!.rows - (first.tables[name]?.rows ?? 0)) / handoffs,
      total: last.tables[name]!.bytes,
    }))
    .filter((x) => x.bytes !== 0 || x.rows !== 0)
    .sort((a, b) => b.bytes - a.bytes)
    .map(
      (x) =>
        `| ${x.name} | ${(x.total / 2 ** 20).toFixed(1)} | ${x.bytes.toFixed(0)} | ${x.rows.toFixed(2)} |`,
    );

  const loads = samples.map((s) => s.load1);
  const report = [
    `Soak ${new Date(started).toISOString()}: ${values.rate} handoffs/s for ${values.minutes} min, ${samples.length} samples ` +
      `every ${values.every} s, ${handoffs} handoffs; load average ${Math.min(...loads)}–${Math.max(...loads)} ` +
      `(2 cores); bench exit ${exitCode}.`,
    '',
    '| series | first | 2nd quarter | last quarter | last | slope per min | verdict |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '| table | size at end (MiB) | bytes per handoff | rows per handoff |',
    '| --- | --- | --- | --- |',
    ...tableRows,
  ].join('\n');
  const dir = join(ROOT, 'docs', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `soak-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ args: values, samples }, null, 1));
  log('');
  log(report);
  log('');
  log(`samples: ${file}`);
  process.exit(exitCode === 0 ? 0 : 1);
}

main().catch((e: Error) => {
  process.stderr.write(`resource soak failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
