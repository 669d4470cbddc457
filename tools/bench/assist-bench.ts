/**
 * Assist benchmark (`npm run bench:assist`), issue 5: customer utterance event in → suggestion received
 * on the widget socket, on the full 10,882-document knowledge base (shared/data/retrieval/knowledge.jsonl)
 * with the extractive generator; p50/p95/p99/max latency and achieved throughput, with the floor (the
 * same Kafka and socket hops doing no work) measured in the same run.
 *
 *   npm run bench:assist -- [--rates 20,50,100] [--duration 25] [--warmup 2] [--interactions 50]
 *                           [--partitions 6] [--drain 30] [--max-load 4] [--consumer-members N]
 *                           [--out docs/bench/assist-<date>.json]
 *
 * Set-up (once per invocation, nothing reused from earlier runs): an isolated world (`createTestWorld`:
 * own database, Kafka topic namespace, Redis namespace), suggestion-service and assist-gateway as child
 * processes (`node --require @swc-node/register apps/<svc>/src/main.ts`, consumer groups unique to the
 * run), the knowledge base uploaded through suggestion-service's HTTP API (real chunking and indexing)
 * and set as the tenant default (extractive: no LLM integration). `--interactions` widget sockets
 * connect to the gateway's `/assist` namespace with embed tokens minted by `POST /v1/embed-tokens`
 * (admin key, provider `hub`, one interaction each).
 *
 * Load: per rate, `warmup + duration` seconds of ticks at a fixed rate (open loop: a tick does not wait
 * for earlier sends). Each tick takes the next interaction round-robin and its dialogue's next customer
 * turn (shared/data/retrieval/dev.jsonl; a finished dialogue is followed by an `ended` lifecycle event
 * and the next dialogue on the same interaction) and sends, in one Kafka request (idempotent producer,
 * acks=-1, key = interaction): the agent turns before it (context, no suggestion), the customer
 * utterance (`kind: utterance, isFinal: true, speaker: customer`) on `hub.conversation.events.v1`, and a
 * floor message with the same key on the floor topic. Latency = send call → `suggestion` with that
 * utterance id on the interaction's widget socket. Warm-up ticks are not measured.
 *
 * Floor (same run, same ticks, same partitions): bench → Kafka → relay process (suggestion-service's
 * consumer settings and group members, no work) → Kafka → gateway stand-in process (assist-gateway's
 * consumer settings) → Socket.IO emit → a client socket in this process (see `assist-floor.ts`); reported
 * per hop.
 *
 * Where the time goes (per utterance, from the suggestion event's `occurredAt` and `timings`, read by a
 * Kafka tap on the suggestions topic): Kafka in + queueing = handler start − send; context window and
 * target look-ups; retrieval (SQL); generation; out = suggestion publish → widget (Kafka, gateway's Redis
 * history write, Socket.IO). Also CPU used per process group during each rate (from /proc; PostgreSQL
 * backends of the benchmark database attributed by `application_name`) and the load average.
 *
 * Before starting, waits while the 1-minute load average is above `--max-load` (default 4), at most
 * `--load-retries` (3) times `--load-wait` (120) s, then runs anyway; every check is recorded. Prints two
 * Markdown tables and writes the JSON (all phases, per-hop and per-5-s-window figures, CPU, load).
 * `--consumer-members` sets suggestion-service's ASSIST_CONSUMER_MEMBERS (default 1, as the service).
 * `--cpu-prof DIR` writes V8 CPU profiles (`.cpuprofile`) of both services into DIR when they stop.
 * `--retrieval hybrid` ranks with the in-process embedding model (`ASSIST_RETRIEVAL=hybrid`, e5-small-v2-q:
 * the upload embeds every chunk). `--llm-token-ms N [--llm-tokens M]` answers with an LLM: a local
 * OpenAI-compatible server (the suite's FakeOpenAi) streams M tokens (default 30), one every N ms; the
 * report adds send → first streamed piece on the widget (time to first token) next to the complete
 * suggestion. `--concurrent-interactions K` sets ASSIST_CONCURRENT_INTERACTIONS. `--sample-every S` makes a
 * soak of a long rate (e.g. `--rates 75 --duration 1800 --sample-every 30`): every S s the RSS, heap and
 * event-loop lag of both services, the database's table sizes and the run's consumer lag (tools/bench/
 * soak-sampling.ts), with a growth verdict per series printed at the end and the samples in the JSON.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Consumer, type Message } from 'kafkajs';
import { Client } from 'pg';
import { io as ioClient, type Socket } from 'socket.io-client';
import { withIntegrationStore } from '@hub/integrations';
import { authHeaders, createTestWorld, type TestWorld } from '@hub/testing';
import { FakeOpenAi } from '../../apps/suggestion-service/test/fake-openai';
import { lagSample, serviceSample, soakRows, tableRows, tableSample, type Sample } from './soak-sampling';

const ROOT = join(__dirname, '..', '..');
const DATA = join(ROOT, '..', 'shared', 'data', 'retrieval');
const TENANT = 'bench';

/** Wall-clock ms with sub-ms resolution, comparable across processes on this machine. */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const r2 = (x: number) => Math.round(x * 100) / 100;

/** Latency summary, ms (nearest-rank percentiles). */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}
function summary(xs: number[]): Summary {
  if (!xs.length) return { n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => r2(s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]);
  return {
    n: s.length,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    max: r2(s[s.length - 1]),
    mean: r2(s.reduce((a, b) => a + b, 0) / s.length),
  };
}
const mean = (xs: number[]) => (xs.length ? r2(xs.reduce((a, b) => a + b, 0) / xs.length) : NaN);

/** One measured customer utterance. */
interface Rec {
  key: string;
  interactionId: string;
  measured: boolean;
  t0: number;
  tAck?: number;
  tTap?: number;
  tWidget?: number;
  /** First `suggestion.delta` (streamed LLM answer) on the widget. */
  tFirstDelta?: number;
  deltas: number;
  widgetCopies: number;
  occurredAt?: number;
  timings?: { retrievalMs: number; generationMs: number; totalMs: number };
  emptyAnswer?: boolean;
}
/** One floor message. */
interface FloorRec {
  measured: boolean;
  t0: number;
  tRelay?: number;
  tGateway?: number;
  tEmit?: number;
  tRecv?: number;
}

interface Dialogue {
  id: string;
  turns: { speaker: 'customer' | 'agent'; text: string }[];
}

// ---------------------------------------------------------------- processes, CPU, load

interface LogCounts {
  warn: number;
  error: number;
  samples: string[];
}

/** Spawns a TypeScript entry point; counts pino warn/error lines of its stdout. */
function spawnTs(entry: string, env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []) {
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, '--require', '@swc-node/register', entry, ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const logs: LogCounts = { warn: 0, error: 0, samples: [] };
  const lines: string[] = [];
  const waiters: ((line: string) => boolean)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i](line)) waiters.splice(i, 1);
    try {
      const l = JSON.parse(line) as { level?: number; msg?: string; err?: unknown };
      if ((l.level ?? 0) >= 50) {
        logs.error += 1;
        if (logs.samples.length < 5) logs.samples.push(line.slice(0, 500));
      } else if ((l.level ?? 0) >= 40) {
        logs.warn += 1;
        if (logs.samples.length < 5) logs.samples.push(line.slice(0, 500));
      }
    } catch {
      /* not a log line */
    }
  });
  /** Resolves with the first stdout line that parses as JSON with `ready: true`. */
  const ready = (timeoutMs: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${entry} not ready in ${timeoutMs} ms`)), timeoutMs);
      const check = (line: string) => {
        try {
          const j = JSON.parse(line) as Record<string, unknown>;
          if (j['ready'] === true) {
            clearTimeout(t);
            resolve(j);
            return true;
          }
        } catch {
          /* log line */
        }
        return false;
      };
      for (const l of lines) if (check(l)) return;
      waiters.push(check);
      child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before ready`)));
    });
  return { child, logs, ready };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitReady(base: string, what: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      /* not yet */
    }
    if (i > 1200) throw new Error(`${what} did not become ready`);
    await sleep(100);
  }
}

const TICKS = 100; // USER_HZ
function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS;
  } catch {
    return null;
  }
}
function procComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
/** Machine-wide busy and total CPU seconds (all cores) from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0) / TICKS;
  const idle = (f[3] + (f[4] ?? 0)) / TICKS;
  return { busy: total - idle, total };
}

/** CPU seconds per group: named pids, this database's PostgreSQL backends by application_name, the rest. */
async function cpuSnapshot(named: Record<string, number>, pg: Client, dbName: string) {
  const backends = (
    await pg.query<{ pid: number; application_name: string }>(
      'SELECT pid, application_name FROM pg_stat_activity WHERE datname = $1',
      [dbName],
    )
  ).rows;
  const byPid = new Map<number, string>();
  for (const [name, pid] of Object.entries(named)) byPid.set(pid, name);
  for (const b of backends) byPid.set(b.pid, `postgresql: ${b.application_name || 'bench'} connections`);
  const perPid = new Map<number, { group: string; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const cpu = procCpuSeconds(pid);
    if (cpu === null) continue;
    let group = byPid.get(pid);
    if (!group) {
      if (pid === process.pid) group = 'bench (load generator + widget clients)';
      else {
        const comm = procComm(pid);
        group =
          comm === 'postgres'
            ? 'postgresql: other databases / background'
            : comm === 'java'
              ? 'kafka (jvm)'
              : comm.startsWith('redis')
                ? 'redis'
                : 'other processes (other engineers, system)';
      }
    }
    perPid.set(pid, { group, cpu });
  }
  return { perPid, machine: machineCpu() };
}
type CpuSnap = Awaited<ReturnType<typeof cpuSnapshot>>;
/** Cores used per group between two snapshots (pids present in both; new pids count from 0). */
function coresUsed(a: CpuSnap, b: CpuSnap, seconds: number) {
  const groups: Record<string, number> = {};
  for (const [pid, v] of b.perPid) {
    const before = a.perPid.get(pid)?.cpu ?? 0;
    groups[v.group] = (groups[v.group] ?? 0) + (v.cpu - before);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(groups).sort((x, y) => y[1] - x[1]))
    if (v / seconds >= 0.005) out[k] = r2(v / seconds);
  return {
    byGroup: out,
    machineBusyCores: r2((b.machine.busy - a.machine.busy) / seconds),
    cores: cpus().length,
  };
}

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `loadavg ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`;
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rates: { type: 'string', default: '20,50,100' },
      duration: { type: 'string', default: '25' },
      warmup: { type: 'string', default: '2' },
      interactions: { type: 'string', default: '50' },
      partitions: { type: 'string', default: '6' },
      drain: { type: 'string', default: '30' },
      'max-load': { type: 'string', default: '4' },
      'load-retries': { type: 'string', default: '3' },
      'load-wait': { type: 'string', default: '120' },
      kb: { type: 'string', default: join(DATA, 'knowledge.jsonl') },
      dialogues: { type: 'string', default: join(DATA, 'dev.jsonl') },
      'consumer-members': { type: 'string' },
      'cpu-prof': { type: 'string' },
      retrieval: { type: 'string', default: 'lexical' },
      'llm-token-ms': { type: 'string' },
      'llm-tokens': { type: 'string', default: '30' },
      'concurrent-interactions': { type: 'string' },
      'sample-every': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const rates = values.rates!.split(',').map(Number);
  const durationS = Number(values.duration);
  const warmupS = Number(values.warmup);
  const N = Number(values.interactions);
  const drainMs = Number(values.drain) * 1000;
  const date = new Date().toISOString().slice(0, 10);
  const outPath = values.out ?? join(ROOT, 'docs', 'bench', `assist-${date}.json`);

  // quiet machine: wait while the 1-minute load average is above --max-load (other engineers' suites)
  const loadChecks: { at: string; uptime: string }[] = [];
  for (let attempt = 0; ; attempt++) {
    loadChecks.push({ at: new Date().toISOString(), uptime: uptime() });
    console.error(`load: ${loadChecks.at(-1)!.uptime}`);
    if (loadavg()[0] <= Number(values['max-load']) || attempt >= Number(values['load-retries'])) break;
    console.error(`load above ${values['max-load']}; waiting ${values['load-wait']} s`);
    await sleep(Number(values['load-wait']) * 1000);
  }
  const loadBefore = loadavg();

  const runId = randomBytes(4).toString('hex');
  // suggestion-service group members (ASSIST_CONSUMER_MEMBERS, service default 1); the floor relay runs as many
  const consumerMembers = Number(values['consumer-members'] ?? '1');
  // --cpu-prof DIR: V8 CPU profiles of suggestion-service and assist-gateway, written there when they stop
  const profArgs = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
  if (values.retrieval !== 'lexical' && values.retrieval !== 'hybrid')
    throw new Error(`--retrieval must be lexical or hybrid, not ${values.retrieval}`);
  const hybrid = values.retrieval === 'hybrid';
  // --llm-token-ms N: answers streamed by a local OpenAI-compatible server, one token (word) every N ms
  const llmTokenMs = values['llm-token-ms'] === undefined ? null : Number(values['llm-token-ms']);
  const llmTokens = Number(values['llm-tokens']);
  const llm = llmTokenMs === null ? null : new FakeOpenAi();
  if (llm) {
    llm.chunkDelayMs = llmTokenMs!;
    llm.reply = Array.from({ length: llmTokens }, (_, i) => `word${i}`).join(' ');
  }
  const world: TestWorld = await createTestWorld('hub_bench');
  const dbName = world.databaseUrl.slice(world.databaseUrl.lastIndexOf('/') + 1);
  const ns = world.kafkaNamespace;
  const env: Record<string, string> = {
    ...world.env,
    KAFKA_TOPIC_PARTITIONS: values.partitions!,
    LOG_LEVEL: 'warn',
  };
  const brokers = env['KAFKA_BROKERS'].split(',');
  const kafka = new Kafka({ clientId: 'assist-bench', brokers, logLevel: logLevel.NOTHING });
  const children: ChildProcess[] = [];
  const killAll = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
  process.once('exit', killAll);
  process.once('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  const consumers: Consumer[] = [];
  const sockets: Socket[] = [];
  const pg = new Client({
    connectionString: `${world.databaseUrl.slice(0, world.databaseUrl.lastIndexOf('/'))}/postgres`,
  });
  await pg.connect();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });

  try {
    // ------------------------------------------------------------ services
    const svcPort = await freePort();
    const gwPort = await freePort();
    const adminKey = randomBytes(24).toString('hex');
    const svc = spawnTs(
      join(ROOT, 'apps/suggestion-service/src/main.ts'),
      {
        ...env,
        PORT: String(svcPort),
        ASSIST_CONSUMER_GROUP: `${ns}suggestion-service-bench-${runId}`,
        ASSIST_CONSUMER_MEMBERS: String(consumerMembers),
        ...(hybrid ? { ASSIST_RETRIEVAL: 'hybrid' } : {}),
        ...(values['concurrent-interactions']
          ? { ASSIST_CONCURRENT_INTERACTIONS: values['concurrent-interactions'] }
          : {}),
      },
      [],
      profArgs,
    );
    const gw = spawnTs(
      join(ROOT, 'apps/assist-gateway/src/main.ts'),
      {
        ...env,
        PORT: String(gwPort),
        EMBED_TOKEN_SECRET: randomBytes(32).toString('hex'),
        ASSIST_ADMIN_API_KEY: adminKey,
        ASSIST_CONSUMER_GROUP: `assist-gateway-bench-${runId}`,
      },
      [],
      profArgs,
    );
    children.push(svc.child, gw.child);
    const svcBase = `http://127.0.0.1:${svcPort}`;
    const gwBase = `http://127.0.0.1:${gwPort}`;
    /** Samples what could grow (soak) every `everyMs` until stopped; units = suggestions on the widgets so far. */
    const startSoakSampler = (everyMs: number) => {
      const samples: Sample[] = [];
      const started = Date.now();
      const db = new Client({ connectionString: world.databaseUrl });
      db.on('error', () => undefined); // the world's DROP … WITH (FORCE) ends it if a failure skipped stop()
      const a = kafka.admin();
      let stopped = false;
      let wake: () => void = () => undefined;
      const loop = (async () => {
        await db.connect();
        await a.connect();
        while (!stopped) {
          samples.push({
            t: Math.round((Date.now() - started) / 1000),
            load1: r2(loadavg()[0]!),
            services: {
              'suggestion-service': await serviceSample(svcBase),
              'assist-gateway': await serviceSample(gwBase),
            },
            tables: await tableSample(db).catch(() => ({})),
            consumerLag: await lagSample(a, ns).catch(() => ({})),
            units: [...recs.values()].filter((r) => r.tWidget !== undefined).length,
          });
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, everyMs);
          });
        }
      })();
      return {
        stop: async () => {
          stopped = true;
          wake();
          await loop.catch((e: Error) => console.error(`soak sampler: ${e.message}`));
          await a.disconnect().catch(() => undefined);
          await db.end().catch(() => undefined);
          return samples;
        },
      };
    };
    await Promise.all([waitReady(svcBase, 'suggestion-service'), waitReady(gwBase, 'assist-gateway')]);

    // ------------------------------------------------------------ knowledge base (real upload + indexing)
    const h = { ...(await authHeaders(TENANT)), 'content-type': 'application/json' };
    const kbRes = await fetch(`${svcBase}/v1/knowledge-bases`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ name: 'dstc11-track5' }),
    });
    const kb = (await kbRes.json()) as { id: string };
    const kbFile = values.kb!;
    const tUp = now();
    const up = await fetch(`${svcBase}/v1/knowledge-bases/${kb.id}/documents`, {
      method: 'POST',
      headers: {
        ...(await authHeaders(TENANT)),
        'content-type': 'application/x-ndjson',
        'content-length': String(statSync(kbFile).size),
      },
      body: Readable.toWeb(createReadStream(kbFile)) as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit);
    if (up.status !== 201) throw new Error(`upload failed: ${up.status} ${await up.text()}`);
    const upBody = (await up.json()) as { documents: number; chunks: number; bytes: number };
    const ingestMs = now() - tUp;
    console.error(
      `indexed ${upBody.documents} documents (${upBody.chunks} chunks) in ${(ingestMs / 1000).toFixed(1)} s`,
    );
    let llmIntegrationId: string | undefined;
    if (llm) {
      const base = await llm.start();
      llmIntegrationId = randomUUID();
      await withIntegrationStore(world.databaseUrl, world.env, (store) =>
        store.create(TENANT, {
          id: llmIntegrationId!,
          type: 'llm',
          name: 'bench-llm',
          config: { baseUrl: base, model: 'bench-model', timeoutMs: 30_000 },
          secrets: { apiKey: 'sk-bench' },
          enabled: true,
        }),
      );
    }
    const put = await fetch(`${svcBase}/v1/assist-settings`, {
      method: 'PUT',
      headers: h,
      body: JSON.stringify({
        defaultKnowledgeBaseId: kb.id,
        ...(llmIntegrationId ? { llmIntegrationId } : {}),
      }),
    });
    if (!put.ok) throw new Error(`assist-settings: ${put.status} ${await put.text()}`);

    // ------------------------------------------------------------ floor processes
    const floorIn = `${ns}bench.floor.in`;
    const floorOut = `${ns}bench.floor.out`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [floorIn, floorOut].map((topic) => ({ topic, numPartitions: Number(values.partitions) })),
    });
    await admin.disconnect();
    const floorEnv = { KAFKA_BROKERS: env['KAFKA_BROKERS'], FLOOR_IN: floorIn, FLOOR_OUT: floorOut };
    const relay = spawnTs(
      join(ROOT, 'tools/bench/assist-floor.ts'),
      { ...floorEnv, FLOOR_GROUP: `${ns}floor-relay-${runId}`, FLOOR_MEMBERS: String(consumerMembers) },
      ['relay'],
    );
    const fgw = spawnTs(
      join(ROOT, 'tools/bench/assist-floor.ts'),
      { ...floorEnv, FLOOR_GROUP: `${ns}floor-gateway-${runId}` },
      ['gateway'],
    );
    children.push(relay.child, fgw.child);
    const [, fgwReady] = await Promise.all([relay.ready(120_000), fgw.ready(120_000)]);
    const floorPort = Number(fgwReady['port']);

    // ------------------------------------------------------------ widgets (real tokens, /assist namespace)
    const recs = new Map<string, Rec>();
    const floorRecs = new Map<string, FloorRec>();
    const interactions = Array.from({ length: N }, (_, i) => `bench-${runId}-i${i}`);
    let unexpected = 0;
    const connect = (url: string, auth: Record<string, unknown>) =>
      new Promise<Socket>((resolve, reject) => {
        const s = ioClient(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
        s.once('connect', () => resolve(s));
        s.once('connect_error', (e) => reject(e));
      });
    for (const [i, interactionId] of interactions.entries()) {
      const res = await fetch(`${gwBase}/v1/embed-tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({
          tenantId: TENANT,
          provider: 'hub',
          agentId: `agent-${i}`,
          interactionId,
          ttlSeconds: 3600,
        }),
      });
      if (res.status !== 201) throw new Error(`embed token: ${res.status} ${await res.text()}`);
      const { token } = (await res.json()) as { token: string };
      const w = await connect(`${gwBase}/assist`, { token });
      w.on('suggestion', (s: { interactionId: string; utteranceId?: string }) => {
        const t = now();
        const rec = recs.get(`${s.interactionId}/${s.utteranceId}`);
        if (!rec || s.interactionId !== interactionId) {
          unexpected += 1;
          return;
        }
        rec.widgetCopies += 1;
        rec.tWidget ??= t;
      });
      w.on('suggestion.delta', (d: { interactionId: string; utteranceId: string }) => {
        const rec = recs.get(`${d.interactionId}/${d.utteranceId}`);
        if (!rec || d.interactionId !== interactionId) return;
        rec.deltas += 1;
        rec.tFirstDelta ??= now();
      });
      w.on('disconnect', (reason) => console.error(`widget ${interactionId} disconnected: ${reason}`));
      sockets.push(w);
      const f = await connect(`http://127.0.0.1:${floorPort}/assist`, { room: interactionId });
      f.on('floor', (m: { id: string; tRelay: number; tGateway: number; tEmit: number }) => {
        const t = now();
        const fr = floorRecs.get(m.id);
        if (!fr || fr.tRecv !== undefined) return;
        Object.assign(fr, { tRecv: t, tRelay: m.tRelay, tGateway: m.tGateway, tEmit: m.tEmit });
      });
      sockets.push(f);
    }
    console.error(`${N} widget sockets connected (+${N} floor sockets)`);

    // ------------------------------------------------------------ Kafka tap on the suggestions topic (timings)
    const tap = kafka.consumer({ groupId: `${ns}bench-tap-${runId}`, maxWaitTimeInMs: 20, minBytes: 1 });
    consumers.push(tap);
    await tap.connect();
    await tap.subscribe({ topic: `${ns}hub.assist.suggestions.v1`, fromBeginning: true });
    let tapped = 0;
    const tapJoined = new Promise<void>((r) => tap.on(tap.events.GROUP_JOIN, () => r()));
    await tap.run({
      partitionsConsumedConcurrently: 6,
      eachMessage: async ({ message }) => {
        const t = now();
        const ev = JSON.parse(message.value!.toString()) as {
          type: string;
          occurredAt: string;
          data: {
            interactionId: string;
            utteranceId?: string;
            answer: string;
            timings: Rec['timings'];
          };
        };
        if (ev.type !== 'assist.suggestion') return; // streamed pieces: counted on the widget
        const rec = recs.get(`${ev.data.interactionId}/${ev.data.utteranceId}`);
        if (!rec || rec.tTap !== undefined) return;
        tapped += 1;
        rec.tTap = t;
        rec.occurredAt = Date.parse(ev.occurredAt);
        rec.timings = ev.data.timings;
        rec.emptyAnswer = !ev.data.answer;
      },
    });
    await tapJoined;
    await producer.connect();

    // ------------------------------------------------------------ load generator
    const dialogues = readFileSync(values.dialogues!, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Dialogue)
      .filter((d) => d.turns.some((t) => t.speaker === 'customer' && t.text.trim()));
    let nextDialogue = 0;
    const cursors = interactions.map((iid) => ({ iid, d: null as Dialogue | null, n: 0, turn: 0, pass: 0 }));
    let repeatedPasses = 0;
    /**
     * A dialogue used again (the run needs more turns than the file has) gets a marker word per pass —
     * letters the knowledge base does not contain (no postings, no entity) — so its texts are new strings:
     * the service remembers per text what it computed (entity mentions, stemmed lexemes), and an exact replay
     * would measure those caches instead of the work a new conversation costs.
     */
    const passMarker = (pass: number) =>
      pass
        ? ` qzx${[...pass.toString(26)].map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('')}`
        : '';
    const convTopic = `${ns}hub.conversation.events.v1`;
    let sendErrors = 0;
    const sendErrorSamples: string[] = [];
    let agentTurnsSent = 0;
    let lifecycleSent = 0;

    const envelope = (iid: string, data: Record<string, unknown>) =>
      JSON.stringify({
        id: randomUUID(),
        type: 'conversation.event',
        version: 1,
        tenantId: TENANT,
        occurredAt: new Date().toISOString(),
        source: 'assist-bench',
        correlationId: iid,
        data: { interactionId: iid, provider: 'widget', ...data },
      });

    /** Sends one tick for interaction `k`: prior agent turns + the next customer utterance + floor message. */
    const tick = (k: number, measured: boolean) => {
      const c = cursors[k];
      const conv: Message[] = [];
      for (;;) {
        if (!c.d || c.turn >= c.d.turns.length) {
          if (c.d) {
            conv.push({ key: c.iid, value: envelope(c.iid, { kind: 'lifecycle', state: 'ended' }) });
            lifecycleSent += 1;
          }
          c.pass = Math.floor(nextDialogue / dialogues.length);
          if (c.pass && nextDialogue % dialogues.length === 0) repeatedPasses = c.pass;
          c.d = dialogues[nextDialogue++ % dialogues.length];
          c.n += 1;
          c.turn = 0;
        }
        const t = c.d.turns[c.turn];
        const utteranceId = `d${c.n}-u${c.turn}`;
        c.turn += 1;
        if (!t.text.trim()) continue;
        const ev = envelope(c.iid, {
          kind: 'utterance',
          utteranceId,
          speaker: t.speaker,
          text: t.text + passMarker(c.pass),
          isFinal: true,
        });
        conv.push({ key: c.iid, value: ev });
        if (t.speaker === 'agent') {
          agentTurnsSent += 1;
          continue;
        }
        const key = `${c.iid}/${utteranceId}`;
        const t0 = now();
        const rec: Rec = { key, interactionId: c.iid, measured, t0, widgetCopies: 0, deltas: 0 };
        recs.set(key, rec);
        floorRecs.set(key, { measured, t0 });
        producer
          .sendBatch({
            acks: -1,
            topicMessages: [
              { topic: convTopic, messages: conv },
              {
                topic: floorIn,
                messages: [{ key: c.iid, value: ev, headers: { 'x-id': key, 'x-t0': String(t0) } }],
              },
            ],
          })
          .then(() => {
            rec.tAck = now();
          })
          .catch((e: Error) => {
            sendErrors += 1;
            if (sendErrorSamples.length < 5) sendErrorSamples.push(e.message);
          });
        return rec;
      }
    };

    const phases: Record<string, unknown>[] = [];
    const runPhase = async (rate: number, seconds: number, warm: number, label: string, last = false) => {
      const total = Math.round(rate * (warm + seconds));
      const warmTicks = Math.round(rate * warm);
      const named = {
        'suggestion-service': svc.child.pid!,
        'assist-gateway': gw.child.pid!,
        'floor relay': relay.child.pid!,
        'floor gateway stand-in': fgw.child.pid!,
      };
      const logs0 = { svc: { ...svc.logs }, gw: { ...gw.logs } };
      const load0 = loadavg();
      const up0 = uptime();
      const phaseRecs: Rec[] = [];
      const phaseFloor: FloorRec[] = [];
      let cpu0: CpuSnap | null = null;
      let tMeasureStart = 0;
      const start = now();
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - now();
        if (wait > 0) await sleep(wait);
        if (i === warmTicks) {
          cpu0 = await cpuSnapshot(named, pg, dbName);
          tMeasureStart = now();
        }
        const rec = tick(i % N, i >= warmTicks)!;
        phaseRecs.push(rec);
        phaseFloor.push(floorRecs.get(rec.key)!);
      }
      const sendEnd = now();
      const cpu1 = await cpuSnapshot(named, pg, dbName);
      const load1 = loadavg();
      const up1 = uptime();
      const sendWindowS = (sendEnd - tMeasureStart) / 1000;
      const deadline = sendEnd + drainMs;
      while (
        now() < deadline &&
        phaseRecs.some((r) => r.tWidget === undefined || floorRecs.get(r.key)!.tRecv === undefined)
      )
        await sleep(50);

      const m = phaseRecs.filter((r) => r.measured);
      const mf = phaseFloor.filter((f) => f.measured);
      const got = m.filter((r) => r.tWidget !== undefined);
      // reduce, not Math.max(...xs): a soak's 100,000+ arguments exceed the engine's argument limit
      const lastRecv = got.reduce((m, r) => Math.max(m, r.tWidget!), -Infinity);
      const firstSend = m[0].t0;
      const e2e = got.map((r) => r.tWidget! - r.t0);
      const withT = got.filter((r) => r.timings && r.occurredAt !== undefined);
      const inQ = (r: Rec) => r.occurredAt! - r.timings!.totalMs - r.t0;
      const ctx = (r: Rec) => r.timings!.totalMs - r.timings!.retrievalMs - r.timings!.generationMs;
      const out = (r: Rec) => r.tWidget! - r.occurredAt!;
      const p95 = summary(e2e).p95;
      const tail = withT.filter((r) => r.tWidget! - r.t0 >= p95);
      // latency per 5 s window of send time
      const windows: { fromS: number; n: number; p50: number; p95: number }[] = [];
      for (let w = 0; w * 5 < seconds; w++) {
        const xs = got
          .filter((r) => r.t0 - tMeasureStart >= w * 5000 && r.t0 - tMeasureStart < (w + 1) * 5000)
          .map((r) => r.tWidget! - r.t0);
        const s = summary(xs);
        windows.push({ fromS: w * 5, n: s.n, p50: s.p50, p95: s.p95 });
      }
      const fGot = mf.filter((f) => f.tRecv !== undefined);
      const result = {
        label,
        offeredRatePerS: rate,
        durationS: seconds,
        warmupS: warm,
        interactions: N,
        sent: m.length,
        sendWindowS: r2(sendWindowS),
        achievedSendRatePerS: r2(m.length / sendWindowS),
        receivedOnWidget: got.length,
        lost: m.length - got.length,
        notOnKafka: m.filter((r) => r.tTap === undefined).length,
        duplicatesOnWidget: got.reduce((a, r) => a + r.widgetCopies - 1, 0),
        emptyAnswers: m.filter((r) => r.emptyAnswer).length,
        throughputPerS: r2(got.length / ((lastRecv - firstSend) / 1000)),
        utteranceToWidgetMs: summary(e2e),
        // streamed answers: send → first piece of the answer on the widget (time to first token, as the agent sees it)
        ...(llm
          ? {
              utteranceToFirstDeltaMs: summary(
                got.filter((r) => r.tFirstDelta).map((r) => r.tFirstDelta! - r.t0),
              ),
              withoutDelta: got.filter((r) => !r.tFirstDelta).length,
              deltasPerSuggestion: mean(got.map((r) => r.deltas)),
            }
          : {}),
        utteranceToSuggestionTopicMs: summary(m.filter((r) => r.tTap).map((r) => r.tTap! - r.t0)),
        produceAckMs: summary(m.filter((r) => r.tAck).map((r) => r.tAck! - r.t0)),
        breakdownMs: {
          kafkaInAndQueue: summary(withT.map(inQ)),
          contextAndTargetLookups: summary(withT.map(ctx)),
          retrieval: summary(withT.map((r) => r.timings!.retrievalMs)),
          generation: summary(withT.map((r) => r.timings!.generationMs)),
          serviceTotal: summary(withT.map((r) => r.timings!.totalMs)),
          suggestionToWidget: summary(withT.map(out)),
          slowest5pctMeans: {
            n: tail.length,
            e2e: mean(tail.map((r) => r.tWidget! - r.t0)),
            kafkaInAndQueue: mean(tail.map(inQ)),
            contextAndTargetLookups: mean(tail.map(ctx)),
            retrieval: mean(tail.map((r) => r.timings!.retrievalMs)),
            generation: mean(tail.map((r) => r.timings!.generationMs)),
            suggestionToWidget: mean(tail.map(out)),
          },
        },
        latencyPer5sWindow: windows,
        floor: {
          sent: mf.length,
          received: fGot.length,
          lost: mf.length - fGot.length,
          totalMs: summary(fGot.map((f) => f.tRecv! - f.t0)),
          kafkaInHopMs: summary(fGot.map((f) => f.tRelay! - f.t0)),
          kafkaOutHopMs: summary(fGot.map((f) => f.tGateway! - f.tRelay!)),
          socketIoHopMs: summary(fGot.map((f) => f.tRecv! - f.tEmit!)),
        },
        cpu: coresUsed(cpu0!, cpu1, sendWindowS),
        load: { before: load0.map(r2), after: load1.map(r2), uptimeBefore: up0, uptimeAfter: up1 },
        serviceLogs: {
          suggestionService: {
            warn: svc.logs.warn - logs0.svc.warn,
            error: svc.logs.error - logs0.svc.error,
          },
          assistGateway: { warn: gw.logs.warn - logs0.gw.warn, error: gw.logs.error - logs0.gw.error },
        },
      };
      // settle: let a backlog drain before the next rate (all suggestions seen on the tap)
      const settle = now() + (last ? 0 : 120_000);
      while (now() < settle && tapped < recs.size) await sleep(200);
      return result;
    };

    // warm-up: JIT, connection pools, the KB's entity index (built on first retrieval); not reported
    console.error('warm-up: 20 utterances at 5/s');
    const warmResult = await runPhase(5, 4, 0, 'warm-up');
    console.error(
      `warm-up p50 ${warmResult.utteranceToWidgetMs.p50} ms, received ${warmResult.receivedOnWidget}/${warmResult.sent}`,
    );
    // --sample-every S: a soak — RSS, heap and loop lag of both services, table sizes, consumer lag every S s
    const soak = values['sample-every'] ? startSoakSampler(Number(values['sample-every']) * 1000) : null;
    for (const [ri, rate] of rates.entries()) {
      console.error(`rate ${rate}/s for ${durationS} s (+${warmupS} s warm-up)…`);
      const r = await runPhase(rate, durationS, warmupS, `${rate}/s`, ri === rates.length - 1);
      phases.push(r);
      const u = r.utteranceToWidgetMs;
      const f = r.floor.totalMs;
      console.error(
        `  widget p50 ${u.p50} p95 ${u.p95} p99 ${u.p99} max ${u.max} ms; ${r.receivedOnWidget}/${r.sent} received, ` +
          `${r.throughputPerS}/s; floor p50 ${f.p50} p95 ${f.p95} ms; load ${r.load.after.join(' ')}` +
          (r.utteranceToFirstDeltaMs
            ? `; first token on widget p50 ${r.utteranceToFirstDeltaMs.p50} p95 ${r.utteranceToFirstDeltaMs.p95} ms` +
              ` (${r.withoutDelta} without)`
            : ''),
      );
    }

    const soakSamples = soak ? await soak.stop() : null;

    const result = {
      at: new Date().toISOString(),
      command: `npm run bench:assist -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: {
        cores: cpus().length,
        model: cpus()[0]?.model,
        note: 'shared with other engineers; Kafka, PostgreSQL, Redis, both services, floor and load generator on one machine',
      },
      loadChecks,
      loadAtStart: loadBefore.map(r2),
      knowledgeBase: {
        file: relative(ROOT, kbFile),
        documents: upBody.documents,
        chunks: upBody.chunks,
        bytes: upBody.bytes,
        ingestMs: Math.round(ingestMs),
      },
      generator: llm
        ? {
            kind: 'llm',
            server: 'local OpenAI-compatible (FakeOpenAi), streamed chat completions',
            tokenIntervalMs: llmTokenMs,
            tokens: llmTokens,
          }
        : 'extractive',
      retrieval: hybrid ? 'hybrid (in-process e5-small-v2-q + BM25F, RRF)' : 'lexical (BM25F)',
      setup: {
        partitions: Number(values.partitions),
        interactions: N,
        dialogues: relative(ROOT, values.dialogues!),
        agentTurnsSent,
        lifecycleEndedSent: lifecycleSent,
        dialoguePassesBeyondFirst: repeatedPasses,
        producer: 'kafkajs idempotent, acks=-1, one sendBatch per tick',
        suggestionServiceConsumerMembers: consumerMembers,
        gitHead: execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
          cwd: ROOT,
          encoding: 'utf8',
        }).trim(),
        uncommittedSuggestionServiceChanges:
          execFileSync('git', ['status', '--porcelain', 'apps/suggestion-service/src'], {
            cwd: ROOT,
            encoding: 'utf8',
          }).trim().length > 0,
      },
      sendErrors,
      sendErrorSamples,
      unexpectedWidgetMessages: unexpected,
      serviceLogSamples: { suggestionService: svc.logs.samples, assistGateway: gw.logs.samples },
      phases,
      ...(soakSamples ? { soakSamples } : {}),
    };
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, JSON.stringify(result, null, 2) + '\n');
    printTable(phases as unknown as PhaseView[]);
    if (soakSamples?.length) {
      const loads = soakSamples.map((x) => x.load1);
      const units = soakSamples.at(-1)!.units - soakSamples[0]!.units;
      console.log(
        [
          '',
          `Soak: ${soakSamples.length} samples every ${values['sample-every']} s, ${units} suggestions; load average ` +
            `${Math.min(...loads)}–${Math.max(...loads)} (2 cores).`,
          '',
          '| series | first | 2nd quarter | last quarter | last | slope per min | verdict |',
          '| --- | --- | --- | --- | --- | --- | --- |',
          ...soakRows(soakSamples, ['suggestion-service', 'assist-gateway']),
          '',
          '| table | size at end (MiB) | bytes per suggestion | rows per suggestion |',
          '| --- | --- | --- | --- |',
          ...tableRows(soakSamples),
        ].join('\n'),
      );
    }
    console.error(`wrote ${relative(process.cwd(), outPath)}`);
  } finally {
    for (const s of sockets) s.removeAllListeners('disconnect').close();
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    await producer.disconnect().catch(() => undefined);
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((r) => {
            if (c.exitCode !== null) return r();
            c.once('exit', () => r());
            c.kill('SIGTERM');
            setTimeout(() => {
              c.kill('SIGKILL');
              r();
            }, 10_000).unref();
          }),
      ),
    );
    await pg.end().catch(() => undefined);
    const a2 = kafka.admin();
    await a2
      .connect()
      .then(async () => {
        const mine = (await a2.listTopics()).filter((tp) => tp.startsWith(ns));
        if (mine.length) await a2.deleteTopics({ topics: mine });
        const groups = (await a2.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(runId));
        if (groups.length) await a2.deleteGroups(groups);
      })
      .catch(() => undefined)
      .finally(() => a2.disconnect());
    await llm?.stop();
    const redis = new Redis(world.env['REDIS_URL']);
    redis.on('error', () => undefined);
    const keys = await redis.keys(`${world.redisNamespace}*`).catch(() => [] as string[]);
    if (keys.length) await redis.del(...keys).catch(() => undefined);
    await redis.quit().catch(() => undefined);
    await world.drop();
  }
}

interface PhaseView {
  label: string;
  offeredRatePerS: number;
  sent: number;
  receivedOnWidget: number;
  lost: number;
  throughputPerS: number;
  utteranceToWidgetMs: Summary;
  breakdownMs: Record<string, Summary>;
  floor: { totalMs: Summary; kafkaInHopMs: Summary; kafkaOutHopMs: Summary; socketIoHopMs: Summary };
  load: { before: number[]; after: number[] };
}

function printTable(phases: PhaseView[]): void {
  const rows = [
    '| rate | sent | received | lost | throughput/s | p50 | p95 | p99 | max | floor p50 / p95 | floor hops in · out · socket (p50) | load 1m |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...phases.map(
      (p) =>
        `| ${p.label} | ${p.sent} | ${p.receivedOnWidget} | ${p.lost} | ${p.throughputPerS} | ${p.utteranceToWidgetMs.p50} | ` +
        `${p.utteranceToWidgetMs.p95} | ${p.utteranceToWidgetMs.p99} | ${p.utteranceToWidgetMs.max} | ` +
        `${p.floor.totalMs.p50} / ${p.floor.totalMs.p95} | ${p.floor.kafkaInHopMs.p50} · ${p.floor.kafkaOutHopMs.p50} · ` +
        `${p.floor.socketIoHopMs.p50} | ${p.load.before[0]} → ${p.load.after[0]} |`,
    ),
    '',
    '| rate | Kafka in + queue p50/p95 | context + target p50/p95 | retrieval p50/p95 | generation p50/p95 | suggestion → widget p50/p95 |',
    '|---|---|---|---|---|---|',
    ...phases.map((p) => {
      const b = p.breakdownMs;
      const f = (s: Summary) => `${s.p50} / ${s.p95}`;
      return `| ${p.label} | ${f(b.kafkaInAndQueue)} | ${f(b.contextAndTargetLookups)} | ${f(b.retrieval)} | ${f(b.generation)} | ${f(b.suggestionToWidget)} |`;
    }),
  ];
  console.log(rows.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
