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
import { lagSample, serviceSample, soakRows, tableRows, tableSample, type Sample } from './soak-sampling';

const ROOT = join(__dirname, '..', '..');
const SERVICES = ['handoff-orchestrator', 'work-item-router', 'agent-gateway'] as const;
const URL_VAR: Record<(typeof SERVICES)[number], string> = {
  'handoff-orchestrator': 'ORCHESTRATOR_URL',
  'work-item-router': 'ROUTER_URL',
  'agent-gateway': 'GATEWAY_URL',
};

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
      units: tables['handoffs']?.rows ?? 0,
    });
    const s = samples.at(-1)!;
    log(
      `  t=${s.t}s load ${s.load1} ` +
        SERVICES.map(
          (n) => `${n.split('-')[0]} ${((s.services[n]?.rssBytes ?? NaN) / 2 ** 20).toFixed(0)} MiB`,
        ).join(', ') +
        ` lag ${Object.values(s.consumerLag).reduce((a, b) => a + b, 0)} msgs, handoffs ${s.units}`,
    );
    await Promise.race([new Promise((r) => setTimeout(r, everyMs)), benchDone]);
  }
  await admin.disconnect();
  await pg.end();

  const rows = soakRows(samples, SERVICES);
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const handoffs = Math.max(1, last.units - first.units);
  const tables = tableRows(samples);

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
    ...tables,
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
