import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True once something accepts TCP connections on 127.0.0.1:port. */
export async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const p = join(root, v, 'bin', name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} not found under ${root}/*/bin`);
}

/** Runs a PostgreSQL binary as the `postgres` OS user when we are root (PostgreSQL refuses to run as root). */
function asPostgres(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  if (process.getuid?.() === 0) return run('runuser', ['-u', 'postgres', '--', bin, ...args]);
  return run(bin, args);
}

/**
 * A private PostgreSQL cluster (Debian's binaries under /usr/lib/postgresql/<v>/bin): initdb into a temp
 * dir, trust auth, durability off (a test cluster). Restart, terminate every session, read-only mode.
 */
export class PrivatePostgres {
  private readonly dir = mkdtempSync(join(tmpdir(), 'hub-fault-pg-'));
  readonly url: string;

  constructor(readonly port: number) {
    this.url = `postgresql://postgres@127.0.0.1:${port}`;
  }

  async init(): Promise<void> {
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: g } = await run('id', ['-g', 'postgres']);
      chownSync(this.dir, Number(stdout.trim()), Number(g.trim()));
    }
    await asPostgres(pgBin('initdb'), [
      '-D',
      join(this.dir, 'data'),
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
    ]);
    await this.start();
  }

  async start(): Promise<void> {
    const opts = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-k ${this.dir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=300',
      '-c shared_buffers=64MB',
    ].join(' ');
    await asPostgres(pgBin('pg_ctl'), [
      '-D',
      join(this.dir, 'data'),
      '-o',
      opts,
      '-l',
      join(this.dir, 'log'),
      '-w',
      'start',
    ]);
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await asPostgres(pgBin('pg_ctl'), ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']).catch(
      () => undefined,
    );
  }

  /** Stops (fast shutdown: every session terminated), stays down `downMs`, starts again. */
  async restart(downMs: number): Promise<void> {
    await this.stop('fast');
    await sleep(downMs);
    await this.start();
  }

  private async admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ connectionString: `${this.url}/postgres` });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  /** `pg_terminate_backend` of every client session. @returns sessions terminated */
  terminateAll(): Promise<number> {
    return this.admin(async (c) => {
      const r = await c.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'",
      );
      return r.rowCount ?? 0;
    });
  }

  /**
   * Slow queries: holds `LOCK TABLE … IN EXCLUSIVE MODE` on `tables` of database `db` for `ms` (reads go on,
   * every write waits for the lock) and samples `pg_stat_activity` every 250 ms meanwhile.
   * @returns per `application_name` of the sessions seen waiting for a lock, the longest wait observed, ms
   */
  async lockTables(db: string, tables: string[], ms: number): Promise<Map<string, number>> {
    const locker = new Client({ connectionString: `${this.url}/${db}` });
    const watcher = new Client({ connectionString: `${this.url}/${db}` });
    await locker.connect();
    await watcher.connect();
    const longest = new Map<string, number>();
    try {
      // LOCK TABLE takes the tables one by one: a service transaction holding one of them while waiting for
      // another can make the server pick this session as a deadlock victim (40P01) — take them again
      for (let attempt = 1; ; attempt++) {
        await locker.query('BEGIN');
        try {
          await locker.query(`LOCK TABLE ${tables.join(', ')} IN EXCLUSIVE MODE`);
          break;
        } catch (e) {
          await locker.query('ROLLBACK');
          if ((e as { code?: string }).code !== '40P01' || attempt >= 20) throw e;
        }
      }
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const { rows } = await watcher.query<{ app: string; ms: string }>(
          `SELECT application_name app, (extract(epoch FROM clock_timestamp() - query_start) * 1000)::bigint::text ms
             FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND backend_type = 'client backend'`,
        );
        for (const r of rows) longest.set(r.app, Math.max(longest.get(r.app) ?? 0, Number(r.ms)));
        await sleep(250);
      }
      await locker.query('COMMIT');
    } finally {
      await locker.end().catch(() => undefined);
      await watcher.end().catch(() => undefined);
    }
    return longest;
  }

  /** `ALTER SYSTEM SET default_transaction_read_only` + reload (every session, existing ones included). */
  readOnly(on: boolean): Promise<void> {
    return this.admin(async (c) => {
      await c.query('SET default_transaction_read_only = off');
      if (on) await c.query('ALTER SYSTEM SET default_transaction_read_only = on');
      else await c.query('ALTER SYSTEM RESET default_transaction_read_only');
      await c.query('SELECT pg_reload_conf()');
    });
  }

  async destroy(): Promise<void> {
    await this.stop('immediate');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A private `redis-server` (no persistence). Restart = SHUTDOWN NOSAVE, down for a while, start again. */
export class PrivateRedis {
  private proc?: ChildProcess;
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
      ],
      { stdio: 'ignore' },
    );
    await until(`redis on ${this.port}`, () => portOpen(this.port), 15_000);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async restart(downMs: number): Promise<void> {
    await this.stop();
    await sleep(downMs);
    await this.start();
  }
}

/**
 * A private single-node KRaft Kafka broker from the project's cached jars (tools/infra), on its own ports
 * and log dir — never the shared broker on 9092.
 */
export class PrivateKafka {
  private proc?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'hub-fault-kafka-'));
  private readonly libs: string;
  private readonly props: string;

  constructor(
    readonly port: number,
    readonly controllerPort: number,
  ) {
    const version = process.env['HUB_KAFKA_VERSION'] ?? '4.1.1';
    const cache = process.env['HUB_CACHE_DIR'] ?? join(homedir(), '.cache', 'engagement-hub');
    this.libs = process.env['HUB_KAFKA_HOME']
      ? join(process.env['HUB_KAFKA_HOME'], 'libs')
      : join(cache, `kafka-${version}`, 'libs');
    this.props = join(this.dir, 'server.properties');
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  private java(main: string, args: string[], heap = '-Xmx256m'): ChildProcess {
    return spawn(
      'java',
      [
        heap,
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(__dirname, '..', '..', 'infra', 'kafka', 'tools-log4j2.properties')}`,
        '-cp',
        `${this.libs}/*`,
        main,
        ...args,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  }

  async init(): Promise<void> {
    if (!existsSync(this.libs))
      throw new Error(`Kafka jars not found in ${this.libs}: run tools/infra/up.sh once`);
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    writeFileSync(
      this.props,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${this.controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}`,
        'inter.broker.listener.name=PLAINTEXT',
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${join(this.dir, 'data')}`,
        'num.partitions=3',
        'default.replication.factor=1',
        'min.insync.replicas=1',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=3',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        // the outbox relays' transaction coordinator reloads these after a restart: 3, not 50
        'transaction.state.log.num.partitions=3',
        // a transaction left open by a killed producer that never comes back is aborted ≤ 1 s after its
        // timeout (default check every 10 s); the relays' producers come back and abort it at once
        'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=false',
        'delete.topic.enable=true',
        'num.network.threads=2',
        'num.io.threads=2',
        'num.recovery.threads.per.data.dir=1',
        '',
      ].join('\n'),
    );
    const id = randomBytes(16).toString('base64url');
    const fmt = this.java('kafka.tools.StorageTool', ['format', '-t', id, '-c', this.props]);
    const code = await new Promise<number | null>((r) => fmt.once('exit', r));
    if (code !== 0) throw new Error(`kafka storage format failed (exit ${code})`);
    await this.start();
  }

  async start(): Promise<void> {
    const p = spawn(
      'java',
      [
        '-Xms256m',
        '-Xmx512m',
        '-XX:+UseSerialGC',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(__dirname, '..', '..', 'infra', 'kafka', 'log4j2.properties')}`,
        `-Dkafka.logs.dir=${join(this.dir, 'logs')}`,
        '-cp',
        `${this.libs}/*`,
        'kafka.Kafka',
        this.props,
      ],
      { stdio: 'ignore' },
    );
    this.proc = p;
    const kafka = new Kafka({ clientId: 'fault-probe', brokers: [this.brokers], logLevel: logLevel.NOTHING });
    await until(
      `kafka on ${this.port}`,
      async () => {
        if (p.exitCode !== null) throw new Error('kafka exited');
        if (!(await portOpen(this.port))) return false;
        const admin = kafka.admin();
        await admin.connect();
        try {
          await admin.describeCluster();
          return true;
        } finally {
          await admin.disconnect();
        }
      },
      120_000,
    );
    process.stderr.write(`[fault] kafka on ${this.port} answering at ${new Date().toISOString()}\n`);
  }

  /** SIGTERM (controlled shutdown), wait for exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(t);
  }

  async restart(downMs: number): Promise<void> {
    await this.stop();
    await sleep(downMs);
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A TCP proxy the test controls, in front of PostgreSQL: `partition(ms)` stops forwarding in both
 * directions on every connection (existing and new) for `ms` — packets are delayed, as in a network
 * partition that heals, so statements hang until client/server timeouts fire — then resumes.
 */
export class TcpProxy {
  private server?: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private partitioned = false;

  constructor(
    readonly port: number,
    readonly target: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.target });
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      if (this.partitioned) this.pause(pair);
      else if (this.delayMs) this.startSlow(pair);
      const close = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  private pause([a, b]: [Socket, Socket]): void {
    a.unpipe(b);
    b.unpipe(a);
    a.pause();
    b.pause();
  }

  private delayMs = 0;
  private readonly slowListeners = new Map<Socket, (d: Buffer) => void>();

  /** Forwards every chunk of `pair` `delayMs` late (order kept: equal timers fire in order). */
  private startSlow([a, b]: [Socket, Socket]): void {
    a.unpipe(b);
    b.unpipe(a);
    const delay = this.delayMs;
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const fwd = (d: Buffer) => void setTimeout(() => to.writable && to.write(d), delay);
      this.slowListeners.set(from, fwd);
      from.on('data', fwd);
    }
  }

  /**
   * Slow network: for `ms`, every chunk in either direction (existing and new connections) is delivered
   * `delayMs` late — each round trip takes ≥ 2 × `delayMs`, a connection handshake several; then traffic
   * flows normally again (chunks in flight are delivered first, in order).
   */
  async slow(ms: number, delayMs: number): Promise<void> {
    this.delayMs = delayMs;
    for (const p of this.pairs) this.startSlow(p);
    await sleep(ms);
    this.delayMs = 0;
    const pairs = [...this.pairs].filter(([a]) => this.slowListeners.has(a));
    for (const [a, b] of pairs) {
      a.pause();
      b.pause();
      for (const x of [a, b]) {
        const l = this.slowListeners.get(x);
        if (l) x.off('data', l);
        this.slowListeners.delete(x);
      }
    }
    await sleep(delayMs + 100); // the delayed chunks are written before anything newer
    for (const [a, b] of pairs) {
      a.pipe(b);
      b.pipe(a);
      a.resume();
      b.resume();
    }
  }

  /** Holds all traffic for `ms`, then lets it flow again. */
  async partition(ms: number): Promise<void> {
    this.partitioned = true;
    for (const p of this.pairs) this.pause(p);
    await sleep(ms);
    this.partitioned = false;
    for (const [a, b] of this.pairs) {
      a.pipe(b);
      b.pipe(a);
      a.resume();
      b.resume();
    }
  }

  async stop(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
