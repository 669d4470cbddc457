/**
 * Handoff benchmark: bot-side handoff requests (`POST /v1/handoffs`) at a fixed rate for a fixed
 * duration into the running orchestrator + router + gateway, with many online agents across several
 * queues accepting every offer at once (Socket.IO, like the Agent Desktop) and wrapping up.
 *
 * Measures, per rate stage: handoff → offer on the agent's socket (p50/p95/p99), handoff → assigned
 * (time to pickup), HTTP intake latency, sustained throughput (offers/s delivered during the stage),
 * latency per 5-second window (is it bounded?), errors, double assignments, CPU per process group;
 * and once per run the floor (raw Kafka/Redis/Socket.IO/PostgreSQL hops).
 *
 *   npm run bench:handoff -- --rates 500,2000 --duration 30 [--agents 40] [--queues 4] [--no-complete]
 *
 * Writes docs/bench/handoff-<date>.json and the "Handoff" section of docs/benchmarks.md.
 * `BENCH_TRACE=<file>`: also writes one TSV row per request (index, status, issued at ms into the stage,
 * latency from issue ms, on the wire ms) — to see which requests were slow.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request, type ClientRequest } from 'node:http';
import { loadavg } from 'node:os';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { Client } from 'pg';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadScripts } from '../demo/lib/conversations';
import { createDemoApiKey, mintToken, seedTenant, type AgentSpec } from '../demo/lib/hub-client';
import { loadHubEnv } from '../demo/lib/hub-env';
import { AssignmentLedger } from '../demo/lib/assignment-ledger';
import { SimAgent, routerPresence, sleep } from '../demo/lib/sim-agent';
import { LatencyRecorder, type LatencySummary } from '../demo/lib/stats';
import { coresUsed, cpuSnapshot } from './handoff-cpu';
import { measureFloor, type FloorResult } from './handoff-floor';

const TENANT = 'bench';

/**
 * The load generator's HTTP client: keep-alive connections, at most 256 at once (like a bot platform's
 * connection pool). Requests beyond that wait in the client — that wait is part of the measured
 * latency (clock starts when the request is issued), and the generator never runs out of descriptors.
 */
let httpAgent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });

/** Requests issued and not yet answered (aborted when a stage abandons them). */
const pending = new Set<ClientRequest>();

/** What one POST got back. */
interface PostResult {
  status: number;
  /** The `Retry-After` header, if any. */
  retryAfter: string | undefined;
  /** Request written on a socket → response read, ms (the server's share, without the client's own queue). */
  wireMs: number;
}

/** Opens up to `n` keep-alive sockets of the client's agent with concurrent GETs of `url` (their bodies read). */
async function warmConnections(url: string, n: number): Promise<void> {
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const req = request(url, { agent: httpAgent }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          });
          req.on('error', () => resolve());
          req.end();
        }),
    ),
  );
}

/**
 * POSTs JSON and resolves once the response body has been read. The clock of `wireMs` starts when the
 * request gets a socket from the agent, so it excludes time spent queued in this client.
 */
function postJson(url: string, headers: Record<string, string>, body: string): Promise<PostResult> {
  return new Promise<PostResult>((resolve, reject) => {
    let onSocket = performance.now();
    const req = request(
      url,
      {
        method: 'POST',
        agent: httpAgent,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          pending.delete(req);
          const ra = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: ra, wireMs: performance.now() - onSocket });
        });
        res.on('error', reject);
      },
    );
    req.once('socket', () => (onSocket = performance.now()));
    req.on('error', (e) => {
      pending.delete(req);
      reject(e);
    });
    pending.add(req);
    req.end(body);
  });
}
const ROOT = join(__dirname, '..', '..');

interface StageResult {
  rateHz: number;
  durationS: number;
  sent: number;
  httpOk: number;
  offered: number;
  assigned: number;
  errors: Record<string, number>;
  doubleAssignments: number;
  handoffToOfferMs: LatencySummary;
  timeToPickupMs: LatencySummary;
  httpIntakeMs: LatencySummary;
  /** Requests answered at all (any status) before the stage's 30 s grace ran out. */
  answered: number;
  /** Requests never answered (aborted 30 s after the stage, or a connection error): must be 0. */
  unanswered: number;
  /** Requests shed by admission control (503 + Retry-After) and their latency (docs/security/abuse.md). */
  shed: number;
  /** 503s that lacked `Retry-After` (must be 0). */
  shedWithoutRetryAfter: number;
  /** Issue → 503 read, ms (includes the wait for one of the client's 256 sockets). */
  httpShedMs: LatencySummary;
  /** Socket assigned → 503 read, ms (the server's share). */
  httpShedWireMs: LatencySummary;
  achievedRequestRateHz: number;
  sustainedOffersPerSecond: number;
  windows: { fromS: number; offers: number; p50Ms: number; p99Ms: number }[];
  /** Where the handoff→offer time goes, from the services' own row timestamps (same clock). */
  breakdownMs: {
    requestToHandoffRow: LatencySummary;
    handoffRowToWorkItemRow: LatencySummary;
    workItemRowToOfferRow: LatencySummary;
    offerRowToAgentSocket: LatencySummary;
  };
  cpuCores: Record<string, number>;
  /** CPU milliseconds per offered handoff, by process group, from the stage's start to the end of its drain. */
  cpuMsPerHandoff: Record<string, number | null>;
  /**
   * The benchmark database's work per offered handoff, stage start → drained (`pg_stat_database`: committed +
   * rolled-back transactions, rows inserted + updated + deleted). Statements are not counted: that needs
   * `pg_stat_statements` preloaded, which the shared server is not.
   */
  databasePerHandoff: { transactions: number; rowWrites: number } | null;
  /** Work per instance during the stage: router creates handled, orchestrator intake requests answered. */
  replicaSplit?: { routerCreates: Record<string, number>; orchestratorIntake: Record<string, number> };
  loadAverage1m: { start: number; end: number };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rates: { type: 'string', default: '500,2000' },
      rate: { type: 'string' },
      duration: { type: 'string', default: '30' },
      agents: { type: 'string', default: '40' },
      queues: { type: 'string', default: '4' },
      'no-complete': { type: 'boolean', default: false },
      'floor-n': { type: 'string', default: '1000' },
      out: { type: 'string', default: join(ROOT, 'docs') },
    },
  });
  const rates = (values.rate ?? values.rates).split(',').map(Number);
  const durationS = Number(values.duration);
  const nAgents = Number(values.agents);
  const nQueues = Number(values.queues);
  const complete = !values['no-complete'];
  const env = loadHubEnv();
  const log = (s: string) => process.stdout.write(`${s}\n`);

  log(`▶ floor: raw hops on this machine (one message at a time, up to ${values['floor-n']} per hop)`);
  const floor = await measureFloor({
    kafkaBrokers: env.KAFKA_BROKERS,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_MIGRATION_URL,
    n: Number(values['floor-n']),
  });

  const queueNames = Array.from({ length: nQueues }, (_, i) => `Queue ${i + 1}`);
  const specs: AgentSpec[] = Array.from({ length: nAgents }, (_, i) => ({
    id: `bench-agent-${i + 1}`,
    displayName: `Bench agent ${i + 1}`,
    queues: [queueNames[i % nQueues], queueNames[(i + 1) % nQueues]],
    capacityChat: 100,
  }));
  log(`▶ seeding tenant "${TENANT}": ${nQueues} queues, ${nAgents} agents (each in 2 queues, capacity 100)`);
  const { integrationId } = await seedTenant(env, TENANT, {
    name: 'Benchmark',
    queues: queueNames,
    offerTimeoutSeconds: 30,
    agents: specs,
  });
  // The bot platform's credential: a tenant API key (verified per request, cached ≤ 30 s), as in production.
  const apiKey = (await createDemoApiKey(env, TENANT, `bench ${Date.now().toString(36)}`)).key;

  // Correlation state (same clock: performance.now() in this process).
  const sentAt = new Map<string, number>();
  let stage: {
    prefix: string;
    offer: LatencyRecorder;
    pickup: LatencyRecorder;
    offered: Set<string>;
    assigned: Set<string>;
    offerTimes: { at: number; ms: number }[];
    offerWall: Map<string, number>;
    ledger: AssignmentLedger;
  } | null = null;
  const wallSent = new Map<string, number>();

  const agents: SimAgent[] = [];
  for (const s of specs) {
    const token = await mintToken(env.AGENT_JWT_SECRET, TENANT, s.id);
    const a = new SimAgent(
      env.GATEWAY_URL,
      TENANT,
      s.id,
      token,
      'quick',
      {
        onOffer: (_a, m, at) => {
          const t = sentAt.get(m.workItem.conversationId);
          // Only this stage's handoffs count (a previous stage's backlog arriving late is not this stage's).
          if (t === undefined || !stage || !m.workItem.conversationId.startsWith(stage.prefix)) return;
          if (stage.offered.has(m.workItem.conversationId)) return;
          stage.offered.add(m.workItem.conversationId);
          stage.offer.record(at - t);
          stage.offerTimes.push({ at, ms: at - t });
          stage.offerWall.set(m.workItem.conversationId, performance.timeOrigin + at);
        },
        onAssigned: (agent, m, at) => {
          const t = sentAt.get(m.workItem.conversationId);
          if (stage) stage.ledger.assigned(m.workItem.workItemId, agent.id);
          if (
            t !== undefined &&
            stage &&
            m.workItem.conversationId.startsWith(stage.prefix) &&
            !stage.assigned.has(m.workItem.conversationId)
          ) {
            stage.assigned.add(m.workItem.conversationId);
            stage.pickup.record(at - t);
          }
          if (complete) void agent.complete(m.workItem.workItemId, 'bench wrap-up');
        },
        onUnassigned: (agent, workItemId) => stage?.ledger.unassigned(workItemId, agent.id),
      },
      { quick: [0, 0], human: [0, 0], decline: [0, 0] },
    );
    await a.connect();
    await a.setPresence('online');
    agents.push(a);
  }
  for (const a of agents) {
    for (let i = 0; i < 200 && (await routerPresence(env.ROUTER_URL, TENANT, a.id)) !== 'online'; i++)
      await sleep(50);
  }
  log(`▶ ${agents.length} agents online`);

  const scripts = loadScripts(0).filter((s) => s.source === 'dstc11');
  // Scale-out runs (HUB_REPLICAS=N, tools/demo/services.sh): instance `<svc>-<k>` of the router and the
  // orchestrator listens on the service's port + 10·(k−1); each instance is its own CPU group.
  const replicas = Math.max(1, Number(process.env['HUB_REPLICAS'] ?? 1));
  const instancesOf = (svc: string, url: string) =>
    Array.from({ length: replicas }, (_, k) => ({
      name: k === 0 ? svc : `${svc}-${k + 1}`,
      url: withPortOffset(url, 10 * k),
    }));
  const routers = instancesOf('work-item-router', env.ROUTER_URL);
  const orchestrators = instancesOf('handoff-orchestrator', env.ORCHESTRATOR_URL);
  const servicePids: Record<string, number> = {};
  for (const svc of [...orchestrators, ...routers].map((i) => i.name).concat('agent-gateway')) {
    const f = join(ROOT, 'var', 'run', `${process.env['HANDOFF_BENCH_RUN'] ?? 'bench'}-${svc}.pid`);
    if (existsSync(f)) servicePids[svc] = Number(readFileSync(f, 'utf8'));
  }
  /** Per instance: creates the router handled, intake requests the orchestrator answered (from /metrics). */
  const workSplit = async () => ({
    routerCreates: Object.fromEntries(
      await Promise.all(
        routers.map(
          async (r) => [r.name, await metricSum(r.url, 'router_commands_total', 'command="create"')] as const,
        ),
      ),
    ),
    orchestratorIntake: Object.fromEntries(
      await Promise.all(
        orchestrators.map(
          async (o) => [o.name, await metricSum(o.url, 'hub_handoff_requests_total')] as const,
        ),
      ),
    ),
  });

  const results: StageResult[] = [];
  for (const rate of rates) {
    const run = Date.now().toString(36);
    stage = {
      prefix: `bench-${run}-`,
      offer: new LatencyRecorder(),
      pickup: new LatencyRecorder(),
      offered: new Set(),
      assigned: new Set(),
      offerTimes: [],
      offerWall: new Map(),
      ledger: new AssignmentLedger(),
    };
    const st = stage;
    const http = new LatencyRecorder();
    const shedLatency = new LatencyRecorder();
    const shedWire = new LatencyRecorder();
    let shed = 0;
    let shedWithoutRetryAfter = 0;
    let failed = 0;
    const errors: Record<string, number> = {};
    const err = (k: string) => (errors[k] = (errors[k] ?? 0) + 1);
    let httpOk = 0;
    let abandoned = false;
    const n = Math.round(rate * durationS);
    // A bot platform keeps a warm keep-alive pool to the intake; open the client's 256 sockets before the stage
    // so the figures measure the intake, not 256 TCP handshakes racing the first burst.
    await warmConnections(`${env.ORCHESTRATOR_URL}/healthz`, 256);
    log(`▶ stage: ${rate} handoffs/s for ${durationS} s (${n} requests)`);
    const load0 = loadavg()[0];
    const split0 = await workSplit();
    const cpu0 = cpuSnapshot(servicePids);
    const db0 = await databaseCounters(env.DATABASE_MIGRATION_URL);
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    const traceRows: string[] = [];
    for (let i = 0; i < n; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      // Yield to the event loop on every request, also when behind schedule: without it a generator that cannot
      // keep up never yields, reads no response until the stage ends, and the 503s look 5 s slow.
      if (wait > 1) await sleep(wait);
      else await setImmediatePromise();
      const script = scripts[i % scripts.length];
      const conversationId = `bench-${run}-${i}`;
      const body = {
        integrationId,
        botSessionId: `bot-${conversationId}`,
        conversationId,
        channel: 'web',
        routing: { queue: queueNames[i % nQueues] },
        transcript: script.transcript.slice(-4),
        intent: `${script.attributes['domain']}_question`,
        sentimentScore: 0,
        attributes: { selected_queue: queueNames[i % nQueues] },
        timeoutSeconds: 120,
      };
      const t = performance.now();
      sentAt.set(conversationId, t);
      wallSent.set(conversationId, performance.timeOrigin + t);
      inflight.push(
        postJson(
          `${orchestrators[i % orchestrators.length].url}/v1/handoffs`,
          { authorization: `Bearer ${apiKey}` },
          JSON.stringify(body),
        ).then(
          ({ status, retryAfter, wireMs }) => {
            if (process.env['BENCH_TRACE'])
              traceRows.push(
                `${i}\t${status}\t${(t - t0).toFixed(1)}\t${(performance.now() - t).toFixed(1)}\t${wireMs.toFixed(1)}`,
              );
            if (status === 503) {
              shed += 1;
              if (!retryAfter) shedWithoutRetryAfter += 1;
              shedLatency.record(performance.now() - t);
              shedWire.record(wireMs);
              return;
            }
            http.record(performance.now() - t);
            if (status === 201 || status === 200) httpOk += 1;
            else err(`http_${status}`);
          },
          (e: Error & { code?: string }) => {
            failed += 1;
            if (!abandoned) err(`http_error: ${e.code ?? e.message.slice(0, 60)}`);
          },
        ),
      );
    }
    const sendEnd = performance.now();
    void Promise.allSettled(inflight).then(() => {
      if (process.env['BENCH_TRACE']) writeFileSync(process.env['BENCH_TRACE'], traceRows.join('\n'));
    });
    // Requests not answered 30 s after the last one was issued are abandoned (counted as errors), so an
    // overloaded intake cannot stall the run for the length of its backlog.
    let settled = 0;
    for (const p of inflight) void p.then(() => (settled += 1));
    await Promise.race([Promise.all(inflight), sleep(30_000)]);
    if (settled < inflight.length) {
      errors['http_not_answered_within_30s_after_stage'] = inflight.length - settled;
      abandoned = true;
      for (const req of pending) req.destroy();
      pending.clear();
      httpAgent.destroy();
      httpAgent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
      await Promise.all(inflight);
    }
    const loadEnd = loadavg()[0];
    const cpu1 = cpuSnapshot(servicePids);
    const cpuSeconds = (performance.now() - t0) / 1000;
    // Drain: offers still in flight after the last request.
    const drainEnd = Date.now() + 30_000;
    while (
      Date.now() < drainEnd &&
      (st.offered.size < httpOk || (complete && st.assigned.size < st.offered.size))
    )
      await sleep(200);
    if (st.offered.size < httpOk) errors['no_offer_within_30s_after_stage'] = httpOk - st.offered.size;
    // CPU spent on this stage's handoffs end to end (intake, routing, offer, accept, wrap-up), including
    // the drain: robust to other load on the machine, unlike latency.
    const cpuDrained = cpuSnapshot(servicePids);
    const db1 = await databaseCounters(env.DATABASE_MIGRATION_URL);
    const drainedSeconds = (performance.now() - t0) / 1000;
    const duringStage = st.offerTimes.filter((o) => o.at <= sendEnd);
    const windows: StageResult['windows'] = [];
    for (let w = 0; w < durationS; w += 5) {
      const rec = new LatencyRecorder();
      const inW = st.offerTimes.filter((o) => o.at - t0 >= w * 1000 && o.at - t0 < (w + 5) * 1000);
      for (const o of inW) rec.record(o.ms);
      const s = rec.summary();
      windows.push({ fromS: w, offers: inW.length, p50Ms: s.p50, p99Ms: s.p99 });
    }
    const breakdownMs = await breakdown(env.DATABASE_MIGRATION_URL, `bench-${run}-`, wallSent, st.offerWall);
    const split1 = await workSplit();
    const delta = (a: Record<string, number>, b: Record<string, number>) =>
      Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - (a[k] ?? 0)]));
    const replicaSplit = {
      routerCreates: delta(split0.routerCreates, split1.routerCreates),
      orchestratorIntake: delta(split0.orchestratorIntake, split1.orchestratorIntake),
    };
    const r: StageResult = {
      rateHz: rate,
      durationS,
      sent: n,
      httpOk,
      offered: st.offered.size,
      assigned: st.assigned.size,
      errors,
      doubleAssignments: st.ledger.doubleAssignments,
      handoffToOfferMs: st.offer.summary(),
      timeToPickupMs: st.pickup.summary(),
      httpIntakeMs: http.summary(),
      answered: n - failed,
      unanswered: failed,
      shed,
      shedWithoutRetryAfter,
      httpShedMs: shedLatency.summary(),
      httpShedWireMs: shedWire.summary(),
      achievedRequestRateHz: Math.round((n / ((sendEnd - t0) / 1000)) * 10) / 10,
      sustainedOffersPerSecond: Math.round((duringStage.length / ((sendEnd - t0) / 1000)) * 10) / 10,
      windows,
      breakdownMs,
      cpuCores: coresUsed(cpu0, cpu1, cpuSeconds),
      cpuMsPerHandoff: Object.fromEntries(
        Object.entries(coresUsed(cpu0, cpuDrained, drainedSeconds)).map(([k, v]) => [
          k,
          st.offered.size ? Math.round(((v * drainedSeconds * 1000) / st.offered.size) * 100) / 100 : null,
        ]),
      ),
      loadAverage1m: { start: Math.round(load0 * 100) / 100, end: Math.round(loadEnd * 100) / 100 },
      replicaSplit,
      databasePerHandoff:
        db0 && db1 && st.offered.size
          ? {
              transactions: Math.round(((db1.xacts - db0.xacts) / st.offered.size) * 100) / 100,
              rowWrites: Math.round(((db1.rowWrites - db0.rowWrites) / st.offered.size) * 100) / 100,
            }
          : null,
    };
    results.push(r);
    log(
      `  answered ${r.answered}/${n} (201: ${httpOk}, 503: ${shed}, 503 without Retry-After: ${shedWithoutRetryAfter}), unanswered ${r.unanswered}; 503 p50/p99 ${shedLatency.summary().p50}/${shedLatency.summary().p99} ms from issue, ${shedWire.summary().p50}/${shedWire.summary().p99} ms on the wire`,
    );
    log(
      `  offers ${r.offered}/${n}, p50 ${r.handoffToOfferMs.p50} ms, p99 ${r.handoffToOfferMs.p99} ms, sustained ${r.sustainedOffersPerSecond}/s, errors ${JSON.stringify(errors)}, doubles ${r.doubleAssignments}`,
    );
    stage = null;
    await sleep(5000); // let wrap-ups settle before the next stage
  }
  await Promise.all(agents.map((a) => a.close()));

  const report = {
    benchmark: 'handoff',
    at: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    setup: {
      agents: nAgents,
      queues: nQueues,
      agentCapacityChat: 100,
      agentsAcceptImmediately: true,
      wrapUpAfterAssign: complete,
    },
    floor,
    stages: results,
  };
  mkdirSync(join(values.out, 'bench'), { recursive: true });
  const date = report.at.slice(0, 10);
  const tag = `r${rates.join('-')}`;
  const jsonPath = join(values.out, 'bench', `handoff-${date}-${tag}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  const table = renderTable(report.at, floor, results, nAgents, nQueues);
  log('');
  log(table);
  updateBenchmarksMd(
    join(values.out, 'benchmarks.md'),
    table,
    `bench/handoff-${date}-${tag}.json`,
    rates.join(','),
  );
  log(`\nwritten: ${jsonPath} and the Handoff section of ${join(values.out, 'benchmarks.md')}`);
  process.exit(0);
}

/** Splits handoff→offer into hops using the rows' commit-time stamps (PostgreSQL clock = this machine's). */
async function breakdown(
  databaseUrl: string,
  prefix: string,
  wallSent: Map<string, number>,
  offerWall: Map<string, number>,
): Promise<StageResult['breakdownMs']> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  const { rows } = await pg.query<{ conversation_id: string; h: string; w: string; o: string | null }>(
    `SELECT w.conversation_id,
            extract(epoch from h.created_at) * 1000 AS h,
            extract(epoch from w.created_at) * 1000 AS w,
            extract(epoch from min(o.created_at)) * 1000 AS o
       FROM work_items w JOIN handoffs h ON h.work_item_id = w.id LEFT JOIN offers o ON o.work_item_id = w.id
      WHERE w.conversation_id LIKE $1
      GROUP BY w.conversation_id, h.created_at, w.created_at`,
    [`${prefix}%`],
  );
  await pg.end();
  const rec = {
    a: new LatencyRecorder(),
    b: new LatencyRecorder(),
    c: new LatencyRecorder(),
    d: new LatencyRecorder(),
  };
  for (const r of rows) {
    const sent = wallSent.get(r.conversation_id);
    const got = offerWall.get(r.conversation_id);
    if (sent !== undefined) rec.a.record(Number(r.h) - sent);
    rec.b.record(Number(r.w) - Number(r.h));
    if (r.o !== null) {
      rec.c.record(Number(r.o) - Number(r.w));
      if (got !== undefined) rec.d.record(got - Number(r.o));
    }
  }
  return {
    requestToHandoffRow: rec.a.summary(),
    handoffRowToWorkItemRow: rec.b.summary(),
    workItemRowToOfferRow: rec.c.summary(),
    offerRowToAgentSocket: rec.d.summary(),
  };
}

/**
 * Transactions (committed + rolled back) and row writes (inserted + updated + deleted) of the database so far,
 * from `pg_stat_database` (the statistics collector's view: updated at transaction end, read after a snapshot
 * reset so the figures are current); null when unreadable.
 */
async function databaseCounters(url: string): Promise<{ xacts: number; rowWrites: number } | null> {
  const pg = new Client({ connectionString: url });
  try {
    await pg.connect();
    await pg.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await pg.query<{ x: string; w: string }>(
      `SELECT (xact_commit + xact_rollback)::text AS x, (tup_inserted + tup_updated + tup_deleted)::text AS w
       FROM pg_stat_database WHERE datname = current_database()`,
    );
    return rows[0] ? { xacts: Number(rows[0].x), rowWrites: Number(rows[0].w) } : null;
  } catch {
    return null;
  } finally {
    await pg.end().catch(() => undefined);
  }
}

function renderTable(
  at: string,
  floor: FloorResult,
  stages: StageResult[],
  agents: number,
  queues: number,
): string {
  const l = (s: LatencySummary) => `${s.p50} / ${s.p99}`;
  const lines = [
    `Run ${at} — ${agents} agents in ${queues} queues accepting at once, wrap-up after assignment; everything (Kafka, PostgreSQL, Redis, 3 services, load generator) on one 2-core machine.`,
    '',
    '| rate (handoffs/s) | sent | answered · unanswered | offered | handoff→offer p50 / p99 (ms) | time to pickup p50 / p99 (ms) | HTTP intake p50 / p99 (ms) | shed (503) · p50 / p99 from issue · on the wire (ms) | sustained offers/s | errors | double assignments | load avg 1m |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...stages.map(
      (s) =>
        `| ${s.rateHz} | ${s.sent} | ${s.answered ?? '–'} · ${s.unanswered ?? '–'} | ${s.offered} | ${l(s.handoffToOfferMs)} | ${l(s.timeToPickupMs)} | ${l(s.httpIntakeMs)} | ${s.shed ?? 0} · ${s.httpShedMs ? l(s.httpShedMs) : '–'} · ${s.httpShedWireMs ? l(s.httpShedWireMs) : '–'}${s.shedWithoutRetryAfter ? ` (${s.shedWithoutRetryAfter} without Retry-After)` : ''} | ${s.sustainedOffersPerSecond} | ${
          Object.entries(s.errors)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || 0
        } | ${s.doubleAssignments} | ${s.loadAverage1m.start} → ${s.loadAverage1m.end} |`,
    ),
    '',
    `Floor (same run, one message at a time, p50 / p99 ms): Kafka produce→consume ${l(floor.kafkaProduceToConsumeMs)}; Redis publish→subscribe ${l(floor.redisPublishToSubscribeMs)}; Socket.IO emit→client ${l(floor.socketIoEmitToClientMs)}; PostgreSQL INSERT+COMMIT ${l(floor.postgresInsertCommitMs)}. One idempotent Kafka producer sending one message per request (acks=all): ${floor.kafkaSerialProducerMsgsPerSecond} msgs/s.`,
    '',
    'Where the handoff→offer time goes (p50 / p99 ms, from row timestamps): request → handoff row (orchestrator intake) · handoff row → work item row (outbox relay, Kafka, router consume) · work item row → offer row (router) · offer row → agent socket (outbox relay, Redis, gateway, Socket.IO):',
    '',
    ...stages.map(
      (s) =>
        `- ${s.rateHz}/s: ${l(s.breakdownMs.requestToHandoffRow)} · ${l(s.breakdownMs.handoffRowToWorkItemRow)} · ${l(s.breakdownMs.workItemRowToOfferRow)} · ${l(s.breakdownMs.offerRowToAgentSocket)}`,
    ),
    '',
    'PostgreSQL work per offered handoff (benchmark database, pg_stat_database, stage start → drained): ' +
      stages
        .map((s) =>
          s.databasePerHandoff
            ? `${s.rateHz}/s ${s.databasePerHandoff.transactions} transactions, ${s.databasePerHandoff.rowWrites} row writes`
            : `${s.rateHz}/s n/a`,
        )
        .join('; ') +
      ' (includes the agents’ accepts and wrap-ups, relays and inbox claims).',
    '',
    'CPU (cores used while requests were sent, by process group; in brackets CPU ms per offered handoff, stage start → drained):',
    '',
    ...stages.map(
      (s) =>
        `- ${s.rateHz}/s: ${Object.entries(s.cpuCores)
          .filter(([, v]) => v >= 0.02)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${v} (${s.cpuMsPerHandoff?.[k] ?? 'n/a'})`)
          .join(', ')}`,
    ),
    ...(stages.some((s) => s.replicaSplit && Object.keys(s.replicaSplit.routerCreates).length > 1)
      ? [
          '',
          'Per-replica split (router creates handled · orchestrator intake requests answered, from each instance’s /metrics):',
          '',
          ...stages.map(
            (s) =>
              `- ${s.rateHz}/s: ${Object.entries(s.replicaSplit?.routerCreates ?? {})
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')} · ${Object.entries(s.replicaSplit?.orchestratorIntake ?? {})
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')}`,
          ),
        ]
      : []),
    '',
    'Latency per 5 s window (offers, p99 ms):',
    '',
    ...stages.map(
      (s) => `- ${s.rateHz}/s: ${s.windows.map((w) => `${w.fromS}s: ${w.offers}, ${w.p99Ms}`).join(' · ')}`,
    ),
  ];
  return lines.join('\n');
}

/**
 * Replaces the generated block of this rate set in the "Handoff" section of docs/benchmarks.md
 * (one block per `--rates` value; created at the end of the section if missing).
 */
function updateBenchmarksMd(path: string, table: string, jsonRel: string, rates: string): void {
  const BEGIN = `<!-- handoff-bench:begin rates=${rates} (generated by npm run bench:handoff) -->`;
  const END = `<!-- handoff-bench:end rates=${rates} -->`;
  const block = `${BEGIN}\n${table}\n\nRaw results: [${jsonRel}](${jsonRel}).\n${END}`;
  let md = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  if (md.includes(BEGIN) && md.includes(END)) {
    md = md.slice(0, md.indexOf(BEGIN)) + block + md.slice(md.indexOf(END) + END.length);
  } else if (md.includes('<!-- handoff-bench:section-end -->')) {
    md = md.replace('<!-- handoff-bench:section-end -->', `${block}\n\n<!-- handoff-bench:section-end -->`);
  } else {
    md = `${md.trimEnd()}\n\n## Handoff\n\nCommand: \`npm run bench:handoff -- --rates 500,2000 --duration 30\` (see tools/bench/README-handoff.md).\n\n${block}\n\n<!-- handoff-bench:section-end -->\n`;
  }
  writeFileSync(path, md);
}

main().catch((e: Error) => {
  process.stderr.write(`bench failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});

/** `url` with its port raised by `offset` (replica k of a service listens on port + 10·(k−1)). */
function withPortOffset(url: string, offset: number): string {
  if (!offset) return url;
  const u = new URL(url);
  u.port = String(Number(u.port) + offset);
  return u.origin;
}

/**
 * Sum of a Prometheus counter's samples on `${base}/metrics` (text exposition format), optionally only the
 * samples whose labels contain `labelFilter` (e.g. `command="create"`).
 * @returns the sum; 0 when the metric has no sample yet
 * @throws Error when /metrics does not answer 200
 */
async function metricSum(base: string, metric: string, labelFilter?: string): Promise<number> {
  const res = await fetch(`${base}/metrics`);
  if (!res.ok) throw new Error(`${base}/metrics answered ${res.status}`);
  let sum = 0;
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (labelFilter && !line.includes(labelFilter)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}
