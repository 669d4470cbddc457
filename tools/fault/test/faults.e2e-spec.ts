import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  FaultHarness,
  resultsTable,
  STATEMENT_TIMEOUT_MS,
  type CaseResult,
  type ServiceName,
} from '../src/harness';

/**
 * Fault injection against private PostgreSQL / Redis / Kafka instances (never the shared ones), with the
 * orchestrator, router and gateway as real child processes, simulated agents accepting and wrapping up,
 * and a bot sending 5 handoffs/s. Each case injects one fault mid-stream and then asserts, per handoff:
 * final state, exactly one work item, at most one accepted offer, no agent load left, no dead letters, no
 * duplicate Kafka event, readiness false during the fault and true after, recovery within a bound.
 * Results: tools/fault/results/latest.md (the table of docs/reliability.md).
 */
const RECOVERY_BOUND_MS = 60_000;
/** Issue 13: routing resumes within a few seconds of the broker's return (was 8–11 s: group rejoin). */
const KAFKA_ROUTING_BOUND_MS = 5000;
/** A restarted orchestrator serves intake within a few seconds of answering HTTP (was ~31 s). */
const INTAKE_SERVED_BOUND_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault injection: nothing lost, stuck or duplicated', () => {
  const h = new FaultHarness();
  const results: CaseResult[] = [];

  beforeAll(async () => {
    await h.start();
  }, 600_000);
  afterAll(async () => {
    const dir = join(__dirname, '..', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'latest.md'), resultsTable(results));
    writeFileSync(join(dir, 'latest.json'), JSON.stringify(results, null, 2));
    await h.stop();
  }, 120_000);

  function expectClean(r: CaseResult, notReady: ServiceName[]) {
    results.push(r);
    expect({
      stuck: r.stuck,
      duplicateWorkItems: r.duplicateWorkItems,
      doubleAssigned: r.doubleAssigned,
      leakedLoad: r.leakedLoad,
      deadLetters: r.deadLetters,
      duplicateKafkaEvents: r.duplicateKafkaEvents,
      notReadyAfter: r.notReadyAfter,
      crashed: r.crashed,
    }).toEqual({
      stuck: 0,
      duplicateWorkItems: 0,
      doubleAssigned: 0,
      leakedLoad: 0,
      deadLetters: 0,
      duplicateKafkaEvents: 0,
      notReadyAfter: [],
      crashed: [],
    });
    expect(r.handoffs).toBeGreaterThan(0);
    expect(r.accepted + r.failed).toBe(r.handoffs);
    for (const s of notReady) expect(r.notReadySeen).toContain(s);
    expect(r.recoveryMs).toBeGreaterThanOrEqual(0);
    expect(r.recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
  }

  const all: ServiceName[] = ['handoff-orchestrator', 'work-item-router', 'agent-gateway'];

  it('PostgreSQL restart (10 s down)', async () => {
    expectClean(await h.runCase('PostgreSQL restart (10 s down)', (x) => x.pg.restart(10_000)), all);
  });

  it('pg_terminate_backend of all sessions', async () => {
    expectClean(
      await h.runCase('pg_terminate_backend of all sessions', async (x) => {
        await x.pg.terminateAll();
        await sleep(300);
        await x.pg.terminateAll();
      }),
      [],
    );
  });

  it('PostgreSQL read-only for 10 s', async () => {
    expectClean(
      await h.runCase('PostgreSQL read-only for 10 s', async (x) => {
        await x.pg.readOnly(true);
        await sleep(10_000);
        await x.pg.readOnly(false);
      }),
      all,
    );
  });

  it('Redis restart (10 s down)', async () => {
    expectClean(await h.runCase('Redis restart (10 s down)', (x) => x.redis.restart(10_000)), all);
  });

  it('Kafka broker restart (routing resumes within 5 s of the broker accepting connections)', async () => {
    const r = await h.runCase('Kafka broker restart', (x) => x.kafka.restart(3000));
    expectClean(r, all);
    expect(r.routingResumedMs).toBeGreaterThanOrEqual(0);
    expect(r.routingResumedMs).toBeLessThanOrEqual(KAFKA_ROUTING_BOUND_MS);
  });

  it('by default every relay delivers to Kafka in transactions with its progress record (exactly-once)', async () => {
    // the services run with the default configuration here (KAFKA_OUTBOX_EXACTLY_ONCE unset): each relay
    // that publishes to Kafka committed progress records, and the last one reads back as a batch id
    for (const s of ['handoff-orchestrator', 'work-item-router'] as const) {
      const p = await h.outboxProgress(s);
      expect({ s, committed: p.endOffset > 10 }).toEqual({ s, committed: true });
      expect(p.lastBatch).toMatch(/^s1\./);
    }
  });

  it('network partition to PostgreSQL (8 s, TCP proxy)', async () => {
    expectClean(await h.runCase('network partition to PostgreSQL (8 s)', (x) => x.proxy.partition(8000)), []);
  });

  it('slow network to PostgreSQL (every packet 2 s late, 10 s)', async () => {
    expectClean(
      await h.runCase('slow network to PostgreSQL (2 s per packet, 10 s)', (x) => x.proxy.slow(10_000, 2000)),
      all,
    );
  });

  it('slow queries (writes wait on table locks longer than statement_timeout): every pool cancels them', async () => {
    const lockMs = STATEMENT_TIMEOUT_MS + 6000;
    const r = await h.runCase('slow queries (hot tables locked 14 s)', (x) => x.lockTables(lockMs));
    expectClean(r, []);
    // every service's sessions were seen waiting, and none waited longer than its statement_timeout (+ 2 s of
    // sampling slack): Prisma's pool, PG_POOL, the auth pool and the relay's connection all set one
    const waits = Object.fromEntries(h.lockWaits);
    for (const s of ['handoff-orchestrator', 'work-item-router']) expect(Object.keys(waits)).toContain(s);
    const over = Object.entries(waits).filter(([, ms]) => ms > STATEMENT_TIMEOUT_MS + 2000);
    expect(over).toEqual([]);
  });

  for (const s of all) {
    it(`SIGKILL ${s}`, async () => {
      const r = await h.runCase(`SIGKILL ${s}`, (x) => x.killAndRestart(s));
      expectClean(r, []);
      if (s === 'handoff-orchestrator') {
        // the new process serves intake while the group still holds its SIGKILLed predecessor
        expect(r.intakeServedMs).toBeGreaterThanOrEqual(0);
        expect(r.intakeServedMs).toBeLessThanOrEqual(INTAKE_SERVED_BOUND_MS);
      }
    });
  }

  // A service SIGKILLed by its own failpoint (HUB_FAILPOINTS, libs/persistence failpoints.ts) at each step
  // of its outbox relay: rows committed but not taken; taken but not sent; sent (Kafka transaction
  // committed) but the delete not committed — where a relay without a delivery log re-publishes the batch.
  const FAILPOINTS: [ServiceName, string][] = [
    ['work-item-router', 'relay.beforeClaim=10'],
    ['handoff-orchestrator', 'relay.afterClaim=10'],
    ['work-item-router', 'relay.afterSend=10'],
    ['handoff-orchestrator', 'relay.afterSend=10'],
  ];
  for (const [s, fp] of FAILPOINTS) {
    const step = fp.split('=')[0];
    it(`SIGKILL ${s} at ${step} (failpoint)`, async () => {
      // arm it: a graceful restart, which also shows that a stopped service leaves its group at once
      // exactly-once outbox delivery (KAFKA_OUTBOX_EXACTLY_ONCE, the default — stated here so that a changed
      // default cannot pass this row unnoticed) for the armed and the new instance; FAULT_OUTBOX_EXACTLY_ONCE=false
      // is the negative control (the relay.afterSend rows then fail with the re-published batch)
      const eos = { KAFKA_OUTBOX_EXACTLY_ONCE: process.env['FAULT_OUTBOX_EXACTLY_ONCE'] ?? 'true' };
      const { membersAfterStop } = await h.restartWith(s, { ...eos, HUB_FAILPOINTS: fp });
      expect(membersAfterStop).toBe(0);
      const r = await h.runCase(`SIGKILL ${s} at ${step}`, (x) => x.failpointCrash(s, eos), {
        loadSeconds: 10,
        faultAtSeconds: 0,
      });
      expectClean(r, []);
      expect(h.failpointsFired.at(-1)).toBe(s);
    });
  }
});
