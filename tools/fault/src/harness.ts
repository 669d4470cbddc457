import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { io, type Socket } from 'socket.io-client';
import { SignJWT } from 'jose';
import { allTopics, dlqTopicName } from '@hub/contracts';
import { lastCommittedValue, OUTBOX_PROGRESS_TOPIC } from '@hub/messaging';
import {
  authHeaders,
  createTestWorld,
  KafkaProbe,
  platformAdminHeaders,
  startService,
  waitFor,
  type RunningService,
  type TestWorld,
} from '@hub/testing';
import { privatePorts } from './ports';
import { PrivateKafka, PrivatePostgres, PrivateRedis, TcpProxy } from './infra';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const SERVICES = ['handoff-orchestrator', 'work-item-router', 'agent-gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];
const SECRET = 'fault-suite-secret-0123456789-abcdefghijkl';
const TENANT = 'fault';
/** `DATABASE_STATEMENT_TIMEOUT_MS` (and the router's `ROUTER_TX_TIMEOUT_MS`) of the services in the suite. */
export const STATEMENT_TIMEOUT_MS = 8000;

/** Per-case figures (one row of the table in docs/reliability.md). */
export interface CaseResult {
  fault: string;
  handoffs: number;
  accepted: number;
  failed: number;
  stuck: number;
  duplicateWorkItems: number;
  doubleAssigned: number;
  leakedLoad: number;
  deadLetters: number;
  duplicateKafkaEvents: number;
  /** Services whose /readyz answered non-200 at least once between fault start and fault end + 5 s. */
  notReadySeen: string[];
  /** Services not ready at the end. */
  notReadyAfter: string[];
  /** Services that crashed (exited on their own) during the case. */
  crashed: string[];
  /** From the end of the fault until every handoff of the case was final, ms (the load goes on meanwhile). */
  recoveryMs: number;
  /** From the end of the fault until the first offer accepted after it (routing resumed), ms; -1 if none. */
  routingResumedMs: number;
  /**
   * SIGKILL of the orchestrator: from the new process answering HTTP (`/healthz`) to its first intake answer
   * 201/200 (a restarted service serves intake at once, not after the consumer group dropped its predecessor),
   * ms; -1 for other cases.
   */
  intakeServedMs: number;
  /** Up to 10 duplicated events (diagnosis): topic, event id, where each copy is (partition/offset). */
  duplicates: { topic: string; id: string; at: string[] }[];
}

/** A simulated agent: accepts every offer (live or from a `sync`), wraps up every assignment. */
class FaultAgent {
  socket?: Socket;
  constructor(
    readonly id: string,
    private readonly token: string,
    private readonly gateway: () => string,
  ) {}

  connect(): Promise<void> {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    return new Promise((resolve, reject) => {
      const s = io(`${this.gateway()}/agents`, {
        auth: { token: this.token },
        transports: ['websocket'],
        reconnection: true,
        reconnectionDelay: 200,
        reconnectionDelayMax: 1000,
      });
      this.socket = s;
      s.once('sync', () => resolve());
      s.once('connect_error', reject);
      s.on(
        'sync',
        (snap: {
          offers: { offerId: string; workItem: { workItemId: string } }[];
          assigned: { workItemId: string }[];
          presence: string | null;
        }) => {
          if (snap.presence === 'away') void this.setPresence('online');
          for (const o of snap.offers) void this.accept(o.workItem.workItemId, o.offerId);
          for (const w of snap.assigned) void this.complete(w.workItemId);
        },
      );
      s.on(
        'agent:event',
        (m: { kind: string; offerId?: string; workItem?: { workItemId: string }; presence?: string }) => {
          // the router sets an agent away after missed offers; a simulated agent comes straight back
          if (m.kind === 'presence' && m.presence === 'away') void this.setPresence('online');
          if (m.kind === 'offer' && m.workItem && m.offerId)
            void this.accept(m.workItem.workItemId, m.offerId);
          if (m.kind === 'assigned' && m.workItem) void this.complete(m.workItem.workItemId);
        },
      );
    });
  }

  emit(event: string, payload: unknown): Promise<{ ok: boolean }> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve({ ok: false }), 5000);
      this.socket?.emit(event, payload, (ack: { ok: boolean }) => {
        clearTimeout(t);
        resolve(ack);
      });
    });
  }

  private async accept(workItemId: string, offerId: string): Promise<void> {
    await this.emit('offer:accept', { workItemId, offerId });
  }

  private readonly completing = new Set<string>();
  /** Wrap-up after a short talk (desktop REST); retried until accepted (202) — the gateway may be down. */
  async complete(workItemId: string): Promise<void> {
    if (this.completing.has(workItemId)) return;
    this.completing.add(workItemId);
    await sleep(500);
    for (let i = 0; i < 120; i++) {
      const status = await fetch(`${this.gateway()}/v1/agent/work-items/${workItemId}/complete`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ note: 'fault suite', disposition: 'resolved' }),
      }).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status;
        },
        () => 0,
      );
      if (status === 202 || status === 409 || status === 404) break;
      await sleep(500);
    }
    this.completing.delete(workItemId);
  }

  setPresence(presence: string): Promise<{ ok: boolean }> {
    return this.emit('presence:set', { presence });
  }

  close(): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
  }
}

/**
 * The fault suite's world: private PostgreSQL (behind a controllable TCP proxy), Redis and Kafka; the
 * orchestrator, router and gateway as child processes; simulated agents; a bot load generator; and the
 * per-handoff checks.
 */
export class FaultHarness {
  readonly pg = new PrivatePostgres(privatePorts.postgres);
  readonly proxy = new TcpProxy(privatePorts.postgresProxy, privatePorts.postgres);
  readonly redis = new PrivateRedis(privatePorts.redis);
  readonly kafka = new PrivateKafka(privatePorts.kafka, privatePorts.kafkaController);
  world!: TestWorld;
  env!: Record<string, string>;
  readonly services = new Map<ServiceName, RunningService>();
  private agents: FaultAgent[] = [];
  private probe?: KafkaProbe;
  private integrationId = '';
  private db!: Client;

  async start(): Promise<void> {
    await Promise.all([this.pg.init(), this.redis.start(), this.kafka.init()]);
    await this.proxy.start();
    this.world = await createTestWorld('hub_fault');
    const direct = new URL(this.world.databaseUrl);
    direct.port = String(privatePorts.postgresProxy);
    this.env = {
      ...this.world.env,
      DATABASE_URL: direct.toString(),
      DATABASE_POOL_SIZE: '8',
      // shorter than the defaults (15 s / 20 s) so that the slow-queries case (tables locked) is short: every
      // pool of every service must cancel a statement after this long (asserted there)
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      ROUTER_TX_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      AGENT_JWT_SECRET: SECRET,
      PRESENCE_ON_CONNECT: 'none',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      LOG_LEVEL: process.env['FAULT_LOG_LEVEL'] ?? 'warn',
    };
    this.db = new Client({ connectionString: this.world.databaseUrl });
    this.db.on('error', () => undefined);
    await this.db.connect();
    await Promise.all(SERVICES.map((s) => this.startService(s)));
    this.probe = new KafkaProbe();
    const ns = this.world.kafkaNamespace;
    await this.probe.start([
      ...allTopics.map((t) => `${ns}${dlqTopicName(t.name)}`),
      `${ns}hub.workitem.events.v1`,
      `${ns}hub.workitem.commands.v1`,
      `${ns}hub.handoff.outcomes.v1`,
      `${ns}hub.handoff.requested.v1`,
    ]);
    await this.seed();
  }

  url(s: ServiceName): string {
    const svc = this.services.get(s);
    if (!svc) throw new Error(`${s} not running`);
    return svc.url;
  }

  /** Services that exited without being killed by the suite (a crash is a failure of the case). */
  readonly crashes: { service: ServiceName; output: string }[] = [];

  /**
   * Starts a service and waits for `ready` (default `/readyz` 200).
   * @param extraEnv added to the suite's env (e.g. `HUB_FAILPOINTS`)
   */
  async startService(
    s: ServiceName,
    extraEnv: Record<string, string> = {},
    ready: 'readyz' | 'healthz' = 'readyz',
  ): Promise<RunningService> {
    // generous: a cold start compiles TypeScript, slow on a busy 2-core machine
    const svc = await startService(s, { ...this.env, ...extraEnv }, { ready, timeoutMs: 300_000 });
    this.services.set(s, svc);
    svc.child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL' || signal === 'SIGTERM' || this.services.get(s) !== svc) return;
      const output = svc.output().slice(-20_000);
      this.crashes.push({ service: s, output });
      const dir = join(__dirname, '..', 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${s}-crash-${Date.now()}.log`), `exit ${code} ${signal}\n${output}`);
      // like a supervisor (Kubernetes) would; the case still fails on the crash
      void this.startService(s).catch(() => undefined);
    });
    return svc;
  }

  /** When the restarted orchestrator answered HTTP (see {@link CaseResult.intakeServedMs}). */
  private restartedAt = 0;
  /** Times of intake answers 200/201, and from which instance. */
  private readonly intakeOk: { t: number; url: string }[] = [];

  /** SIGKILLs a service and starts a new instance (new port; agents reconnect to a new gateway). */
  async killAndRestart(s: ServiceName): Promise<void> {
    await this.services.get(s)?.kill();
    this.services.delete(s);
    if (s === 'handoff-orchestrator') {
      // HTTP first: intake must be served while the consumer group still holds the dead member
      const svc = await this.startService(s, {}, 'healthz');
      this.restartedAt = Date.now();
      await waitFor(
        () =>
          fetch(`${svc.url}/readyz`, { signal: AbortSignal.timeout(3000) }).then(
            (r) => r.status === 200,
            () => false,
          ),
        { what: `${s} ready`, timeoutMs: 120_000, intervalMs: 250 },
      );
    } else await this.startService(s);
    if (s === 'agent-gateway') {
      for (const a of this.agents) {
        await a.connect();
        await a.setPresence('online');
      }
    }
  }

  private admin?: ReturnType<Kafka['admin']>;
  /** Members of the service's consumer group (`<namespace><service>`) on the private broker. */
  async groupMembers(s: ServiceName): Promise<number> {
    if (!this.admin) {
      this.admin = new Kafka({
        clientId: 'fault-admin',
        brokers: [this.kafka.brokers],
        logLevel: logLevel.NOTHING,
      }).admin();
      await this.admin.connect();
    }
    const { groups } = await this.admin.describeGroups([`${this.world.kafkaNamespace}${s}`]);
    return groups[0]?.members.length ?? 0;
  }

  /**
   * The service's exactly-once outbox progress on the private broker: the end offset of
   * `<namespace>hub.outbox.progress.<service>` (2 a committed batch: record + marker; 0 when the topic does
   * not exist — the relay delivered without transactions) and its last committed batch id.
   */
  async outboxProgress(s: ServiceName): Promise<{ endOffset: number; lastBatch?: string }> {
    const kafka = new Kafka({
      clientId: 'fault-progress',
      brokers: [this.kafka.brokers],
      logLevel: logLevel.NOTHING,
    });
    const topic = `${this.world.kafkaNamespace}${OUTBOX_PROGRESS_TOPIC}.${s}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic)) return { endOffset: 0 };
      const [p] = await admin.fetchTopicOffsets(topic);
      return { endOffset: Number(p?.high ?? 0), lastBatch: await lastCommittedValue(kafka, topic) };
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Stops a service gracefully (SIGTERM: Nest shutdown hooks) and starts it again with `extraEnv`.
   * @returns members left in its consumer group right after the old process exited (a graceful stop sends
   *          LeaveGroup: 0), and how long the stop took, ms
   */
  async restartWith(
    s: ServiceName,
    extraEnv: Record<string, string>,
  ): Promise<{ membersAfterStop: number; stopMs: number }> {
    const t = Date.now();
    const old = this.services.get(s);
    this.services.delete(s);
    await old?.stop();
    const stopMs = Date.now() - t;
    const membersAfterStop = await this.groupMembers(s);
    await this.startService(s, extraEnv);
    return { membersAfterStop, stopMs };
  }

  /**
   * Waits for the running instance of `s` (started with `HUB_FAILPOINTS`) to SIGKILL itself at its failpoint,
   * then starts a new instance without failpoints, like a supervisor would.
   * @throws when the failpoint did not fire within `timeoutMs`
   */
  async failpointCrash(
    s: ServiceName,
    extraEnv: Record<string, string> = {},
    timeoutMs = 60_000,
  ): Promise<void> {
    const svc = this.services.get(s);
    if (!svc) throw new Error(`${s} not running`);
    const signal = await new Promise<string | null>((resolve, reject) => {
      if (svc.child.exitCode !== null || svc.child.signalCode !== null) return resolve(svc.child.signalCode);
      const t = setTimeout(
        () => reject(new Error(`${s}: failpoint did not fire in ${timeoutMs} ms`)),
        timeoutMs,
      );
      svc.child.once('exit', (_code, sig) => {
        clearTimeout(t);
        resolve(sig);
      });
    });
    if (signal !== 'SIGKILL') throw new Error(`${s} exited with ${signal}, not by its failpoint's SIGKILL`);
    if (!/failpoint relay\.\w+ hit \d+: SIGKILL/.test(svc.output()))
      throw new Error(`${s} was SIGKILLed, but not by a failpoint`);
    this.failpointsFired.push(s);
    this.services.delete(s);
    await this.startService(s, extraEnv);
  }

  /** What {@link lockTables} saw: application name → longest lock wait, ms. */
  lockWaits = new Map<string, number>();

  /** Slow queries: locks the hot tables of the suite's database for `ms` (see PrivatePostgres.lockTables). */
  async lockTables(ms: number): Promise<void> {
    const db = new URL(this.world.databaseUrl).pathname.slice(1);
    this.lockWaits = await this.pg.lockTables(
      db,
      ['handoffs', 'work_items', 'offers', 'agents', 'outbox_events', 'processed_events'],
      ms,
    );
  }

  /** Services whose failpoint fired (in order). */
  readonly failpointsFired: ServiceName[] = [];

  private async query<R extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<R[]> {
    for (let i = 0; ; i++) {
      try {
        if (!this.db || (this.db as unknown as { _ending?: boolean })._ending) throw new Error('reconnect');
        return (await this.db.query<R>(sql, values)).rows;
      } catch (e) {
        if (i > 60) throw e;
        await sleep(500);
        this.db = new Client({ connectionString: this.world.databaseUrl });
        this.db.on('error', () => undefined);
        await this.db.connect().catch(() => undefined);
      }
    }
  }

  private async tenantJson(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
    const auth = path === '/v1/tenants' ? await platformAdminHeaders() : await authHeaders(TENANT);
    const res = await fetch(base + path, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(path === '/v1/tenants' ? { 'x-tenant-id': TENANT } : {}),
        ...auth,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400 && res.status !== 409) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  private async seed(): Promise<void> {
    const router = this.url('work-item-router');
    await this.tenantJson(router, 'POST', '/v1/tenants', { id: TENANT, name: 'Fault' });
    const q = (await this.tenantJson(router, 'POST', '/v1/queues', {
      name: 'support',
      // above the longest outage: an offer made while Redis is down reaches the agent by the resync after it
      offerTimeoutSeconds: 30,
    })) as { id: string };
    const ids = Array.from({ length: 8 }, (_, i) => `agent-${i}`);
    for (const id of ids)
      await this.tenantJson(router, 'POST', '/v1/agents', {
        id,
        displayName: id,
        queueIds: [q.id],
        capacity: { chat: 4, call: 0 },
        autoAccept: false,
      });
    const integ = (await this.tenantJson(this.url('handoff-orchestrator'), 'POST', '/v1/integrations', {
      type: 'internal',
      name: 'Agent Desktop',
    })) as { id: string };
    this.integrationId = integ.id;
    for (const id of ids) {
      // the gateway's defaults: issuer engagement-hub, audience agent-gateway, lifetime ≤ 24 h
      const token = await new SignJWT({ tid: TENANT })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(id)
        .setIssuer('engagement-hub')
        .setAudience('agent-gateway')
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(new TextEncoder().encode(SECRET));
      const a = new FaultAgent(
        id,
        token, // never throws: between a gateway's SIGKILL and its restart the agent's calls fail and are retried
        () => this.services.get('agent-gateway')?.url ?? 'http://127.0.0.1:1',
      );
      await a.connect();
      await a.setPresence('online');
      this.agents.push(a);
    }
    await waitFor(
      async () =>
        Number(
          (await this.query<{ n: string }>("SELECT count(*) n FROM agents WHERE presence = 'online'"))[0].n,
        ) === ids.length,
      { what: 'agents online', timeoutMs: 30_000 },
    );
  }

  /** Samples every service's /readyz every 250 ms. */
  private sampleReadiness(into: { t: number; s: ServiceName; ok: boolean }[]): () => void {
    let on = true;
    void (async () => {
      while (on) {
        await Promise.all(
          SERVICES.map(async (s) => {
            const svc = this.services.get(s);
            const ok = svc
              ? await fetch(`${svc.url}/readyz`, { signal: AbortSignal.timeout(3000) }).then(
                  (r) => r.status === 200,
                  () => false,
                )
              : false;
            into.push({ t: Date.now(), s, ok });
          }),
        );
        await sleep(250);
      }
    })();
    return () => (on = false);
  }

  /**
   * Runs one case: `rate` handoffs/s for `loadSeconds` (each retried by the "bot" with its Idempotency-Key
   * until the intake answers 200/201), `inject` at `faultAtSeconds`, then waits up to `settleMs` for every
   * handoff to be final and every agent's load to be back to zero, and measures.
   */
  async runCase(
    fault: string,
    inject: (h: FaultHarness) => Promise<void>,
    { rate = 5, loadSeconds = 16, faultAtSeconds = 4, settleMs = 90_000 } = {},
  ): Promise<CaseResult> {
    const prefix = `${fault.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${Date.now().toString(36)}-`;
    const samples: { t: number; s: ServiceName; ok: boolean }[] = [];
    const stopSampling = this.sampleReadiness(samples);
    const probeStart = this.probe!.messages.length;
    const crashesBefore = this.crashes.length;
    const n = Math.round(rate * loadSeconds);
    const sends: Promise<void>[] = [];
    const t0 = Date.now();
    let faultStart = 0;
    let faultEnd = 0;
    const faultDone = (async () => {
      await sleep(faultAtSeconds * 1000);
      faultStart = Date.now();
      await inject(this);
      faultEnd = Date.now();
    })();
    for (let i = 0; i < n; i++) {
      const wait = t0 + (i * 1000) / rate - Date.now();
      if (wait > 0) await sleep(wait);
      sends.push(this.sendHandoff(`${prefix}${i}`, t0 + settleMs + loadSeconds * 1000));
    }
    await faultDone;
    await Promise.all(sends);
    // Settle: every handoff final, every work item completed, no load.
    const deadline = Date.now() + settleMs;
    let final = false;
    let finalAt = Date.now();
    while (Date.now() < deadline) {
      const [r] = await this.query<{ open: string; load: string; items: string }>(
        `SELECT (SELECT count(*) FROM handoffs WHERE conversation_id LIKE $1 AND status NOT IN ('accepted','failed')) open,
                (SELECT count(*) FROM work_items WHERE conversation_id LIKE $1 AND status NOT IN ('completed','failed','withdrawn')) items,
                (SELECT coalesce(sum(load_chat),0) FROM agents) load`,
        [`${prefix}%`],
      );
      if (r.open === '0' && r.items === '0' && r.load === '0') {
        final = true;
        finalAt = Date.now();
        break;
      }
      await sleep(500);
    }
    await sleep(1500); // late duplicates / dead letters would show up here
    stopSampling();
    const rows = await this.query<{
      status: string;
      reason: string | null;
      items: string;
      accepted_offers: string;
    }>(
      `SELECT h.status, h.reason,
              (SELECT count(*) FROM work_items w WHERE w.handoff_id = h.id) items,
              (SELECT count(*) FROM offers o JOIN work_items w ON w.id = o.work_item_id
                WHERE w.handoff_id = h.id AND o.status = 'accepted') accepted_offers
         FROM handoffs h WHERE h.conversation_id LIKE $1`,
      [`${prefix}%`],
    );
    const [{ load }] = await this.query<{ load: string }>(
      'SELECT coalesce(sum(load_chat),0) load FROM agents',
    );
    const [{ resumed }] = await this.query<{ resumed: string | null }>(
      `SELECT (extract(epoch FROM min(o.resolved_at)) * 1000)::bigint::text resumed
         FROM offers o JOIN work_items w ON w.id = o.work_item_id
        WHERE w.conversation_id LIKE $1 AND o.status = 'accepted' AND o.resolved_at > to_timestamp($2::double precision / 1000)`,
      [`${prefix}%`, faultEnd],
    );
    const restartedUrl =
      this.restartedAt >= faultStart ? this.services.get('handoff-orchestrator')?.url : undefined;
    const firstServed = this.intakeOk.find((x) => x.t >= this.restartedAt && x.url === restartedUrl);
    const intakeServed = restartedUrl && firstServed ? firstServed.t - this.restartedAt : -1;
    const fresh = this.probe!.messages.slice(probeStart);
    const dlq = fresh.filter((m) => m.topic.endsWith('.dlq'));
    const ids = new Map<string, number>();
    const where = new Map<string, string[]>();
    // one record read twice (the probe's own consumer restarted during a broker restart and re-read from its
    // last committed offset) is not a duplicate: count each topic/partition/offset once
    const seen = new Set<string>();
    for (const m of fresh.filter((x) => !x.topic.endsWith('.dlq') && !x.headers['x-redriven-from'])) {
      const rec = `${m.topic}/${m.partition}/${m.offset}`;
      if (seen.has(rec)) continue;
      seen.add(rec);
      try {
        const id = (m.json() as { id: string }).id;
        const k = `${m.topic}:${id}`;
        ids.set(k, (ids.get(k) ?? 0) + 1);
        where.set(k, [...(where.get(k) ?? []), `${m.partition}/${m.offset}`]);
      } catch {
        /* not JSON: not ours */
      }
    }
    const duplicates = [...ids]
      .filter(([, c]) => c > 1)
      .slice(0, 10)
      .map(([k]) => {
        const i = k.lastIndexOf(':');
        return { topic: k.slice(0, i), id: k.slice(i + 1), at: where.get(k) ?? [] };
      });
    const windowEnd = faultEnd + 5000;
    const notReadySeen = SERVICES.filter((s) =>
      samples.some((x) => x.s === s && !x.ok && x.t >= faultStart && x.t <= windowEnd),
    );
    process.stderr.write(
      `[fault] ${fault}: ${rows.length} handoffs, final=${final}, recovery ${finalAt - faultEnd} ms\n`,
    );
    const last = new Map<ServiceName, boolean>();
    for (const x of samples) last.set(x.s, x.ok);
    return {
      fault,
      handoffs: rows.length,
      accepted: rows.filter((r) => r.status === 'accepted').length,
      failed: rows.filter((r) => r.status === 'failed').length,
      stuck: rows.filter((r) => r.status !== 'accepted' && r.status !== 'failed').length + (n - rows.length),
      duplicateWorkItems: rows.filter((r) => Number(r.items) !== 1).length,
      doubleAssigned: rows.filter((r) => Number(r.accepted_offers) > 1).length,
      leakedLoad: Number(load),
      deadLetters: dlq.length,
      duplicateKafkaEvents: [...ids.values()].filter((c) => c > 1).length,
      notReadySeen,
      notReadyAfter: SERVICES.filter((s) => last.get(s) === false),
      recoveryMs: final ? Math.max(0, finalAt - faultEnd) : -1,
      crashed: this.crashes.slice(crashesBefore).map((c) => c.service),
      routingResumedMs: resumed ? Math.max(0, Number(resumed) - faultEnd) : -1,
      intakeServedMs: intakeServed,
      duplicates,
    };
  }

  /** The bot: POST /v1/handoffs with an Idempotency-Key, retried until 200/201 or `until`. */
  private async sendHandoff(conversationId: string, until: number): Promise<void> {
    const body = JSON.stringify({
      integrationId: this.integrationId,
      botSessionId: `bot-${conversationId}`,
      conversationId,
      channel: 'web',
      routing: { queue: 'support' },
      transcript: [{ role: 'user', text: 'I need a human, please.', timestamp: new Date().toISOString() }],
      intent: 'billing_refund',
      timeoutSeconds: 300,
    });
    while (Date.now() < until) {
      const base = this.services.get('handoff-orchestrator')?.url;
      const status = base
        ? await fetch(`${base}/v1/handoffs`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'idempotency-key': conversationId,
              ...(await authHeaders(TENANT)),
            },
            body,
            signal: AbortSignal.timeout(10_000),
          }).then(
            async (r) => {
              await r.arrayBuffer();
              return r.status;
            },
            () => 0,
          )
        : 0;
      if (status === 200 || status === 201) {
        this.intakeOk.push({ t: Date.now(), url: base! });
        return;
      }
      await sleep(500);
    }
  }

  async stop(): Promise<void> {
    // the services' logs (FAULT_LOG_LEVEL, default warn), for a failed case's diagnosis
    const dir = join(__dirname, '..', 'results');
    mkdirSync(dir, { recursive: true });
    for (const [name, svc] of this.services) writeFileSync(join(dir, `${name}.log`), svc.output());
    for (const a of this.agents) a.close();
    await this.probe?.stop().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await Promise.allSettled([...this.services.values()].map((s) => s.stop()));
    await this.db?.end().catch(() => undefined);
    await this.proxy.stop().catch(() => undefined);
    await Promise.allSettled([this.pg.destroy(), this.redis.stop(), this.kafka.destroy()]);
  }
}

/** Markdown table of case results (docs/reliability.md). */
export function resultsTable(rows: CaseResult[]): string {
  const head =
    '| fault | handoffs | accepted | failed | stuck | dup. work items | double-assigned | leaked load | dead letters | dup. Kafka events | not ready during fault | routing resumed after (s) | all final after (s) |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|\n';
  return (
    head +
    rows
      .map(
        (r) =>
          `| ${r.fault} | ${r.handoffs} | ${r.accepted} | ${r.failed} | ${r.stuck} | ${r.duplicateWorkItems} | ${r.doubleAssigned} | ${r.leakedLoad} | ${r.deadLetters} | ${r.duplicateKafkaEvents} | ${r.notReadySeen.join(', ') || '—'} | ${r.routingResumedMs < 0 ? '—' : (r.routingResumedMs / 1000).toFixed(1)} | ${r.recoveryMs < 0 ? 'not settled' : (r.recoveryMs / 1000).toFixed(1)} |`,
      )
      .join('\n') +
    '\n'
  );
}
