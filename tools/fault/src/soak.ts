/**
 * Soak with faults (a benchmark, not CI): `npm run soak:faults -- --minutes 30 [--rate 5] [--every 180]`.
 * Private PostgreSQL/Redis/Kafka and the three services as in the fault suite; a steady handoff load, and
 * every `--every` seconds the next fault of the cycle (PostgreSQL restart, terminate, read-only, Redis
 * restart, Kafka restart, partition, SIGKILL of each service), each followed by the same per-handoff
 * checks. Writes tools/fault/results/soak-<time>.md and exits 1 if any window was not clean.
 */
import './private-env';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FaultHarness, resultsTable, type CaseResult } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FAULTS: [string, (h: FaultHarness) => Promise<void>][] = [
  ['PostgreSQL restart (10 s down)', (h) => h.pg.restart(10_000)],
  ['pg_terminate_backend of all sessions', (h) => h.pg.terminateAll().then(() => undefined)],
  [
    'PostgreSQL read-only for 10 s',
    async (h) => {
      await h.pg.readOnly(true);
      await sleep(10_000);
      await h.pg.readOnly(false);
    },
  ],
  ['Redis restart (10 s down)', (h) => h.redis.restart(10_000)],
  ['Kafka broker restart', (h) => h.kafka.restart(3000)],
  ['network partition to PostgreSQL (8 s)', (h) => h.proxy.partition(8000)],
  ['SIGKILL handoff-orchestrator', (h) => h.killAndRestart('handoff-orchestrator')],
  ['SIGKILL work-item-router', (h) => h.killAndRestart('work-item-router')],
  ['SIGKILL agent-gateway', (h) => h.killAndRestart('agent-gateway')],
];

function clean(r: CaseResult): boolean {
  return (
    r.stuck === 0 &&
    r.duplicateWorkItems === 0 &&
    r.doubleAssigned === 0 &&
    r.leakedLoad === 0 &&
    r.deadLetters === 0 &&
    r.duplicateKafkaEvents === 0 &&
    r.notReadyAfter.length === 0 &&
    r.recoveryMs >= 0
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      rate: { type: 'string', default: '5' },
      every: { type: 'string', default: '180' },
    },
  });
  const minutes = Number(values.minutes);
  const rate = Number(values.rate);
  const every = Number(values.every);
  if (!(minutes > 0) || !(rate > 0) || !(every >= 30)) {
    console.error('--minutes > 0, --rate > 0 and --every ≥ 30 (seconds) are required');
    return 2;
  }
  const h = new FaultHarness();
  await h.start();
  const results: CaseResult[] = [];
  const end = Date.now() + minutes * 60_000;
  const started = new Date().toISOString();
  try {
    for (let i = 0; Date.now() < end; i++) {
      const [name, inject] = FAULTS[i % FAULTS.length];
      // one window: load for `every` s, the fault a third of the way in, then the checks
      const r = await h.runCase(name, inject, {
        rate,
        loadSeconds: every,
        faultAtSeconds: Math.round(every / 3),
        settleMs: 120_000,
      });
      results.push(r);
      console.log(`${clean(r) ? 'clean' : 'NOT CLEAN'}: ${JSON.stringify(r)}`);
    }
  } finally {
    await h.stop();
  }
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `soak-${started.replace(/[:.]/g, '-')}.md`);
  writeFileSync(
    file,
    `Soak ${started}: ${minutes} min requested, ${rate} handoffs/s, a fault every ${every} s\n\n${resultsTable(results)}`,
  );
  console.log(`wrote ${file}`);
  return results.every(clean) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
