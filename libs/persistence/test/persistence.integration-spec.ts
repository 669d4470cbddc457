import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { createLogger } from '@hub/observability';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import {
  claimEvent,
  claimEventSql,
  createPgPool,
  createPrismaClient,
  CrossTenantError,
  forTenant,
  inTenantTransaction,
  tenantTransaction,
  InboxPruner,
  MIGRATIONS_DIR,
  Outbox,
  OutboxRelay,
  inPgTransaction,
  runMigrations,
  type OutboxMessage,
  type PrismaClient,
} from '../src';

const logger = createLogger('persistence-test', 'silent');

function outcome(tenantId: string, conversationId: string): TopicEvent<'handoffOutcomes'> {
  return newEnvelope({
    type: 'handoff.outcome',
    version: 1,
    tenantId,
    source: 'test',
    correlationId: conversationId,
    data: {
      handoffId: randomUUID(),
      integrationId: randomUUID(),
      botSessionId: 'bs-1',
      conversationId,
      status: 'accepted',
    },
  }) as TopicEvent<'handoffOutcomes'>;
}

describe('persistence against real PostgreSQL', () => {
  let world: TestWorld;
  let prisma: PrismaClient;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    world = await createTestWorld();
    prisma = createPrismaClient(world.databaseUrl, 4);
    await prisma.tenant.createMany({
      data: [
        { id: 'acme', name: 'Acme' },
        { id: 'globex', name: 'Globex' },
      ],
    });
  });
  afterEach(async () => {
    await Promise.allSettled(relays.splice(0).map((r) => r.stop()));
    await prisma.outboxEvent.deleteMany();
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await world.drop();
  });

  describe('migration runner', () => {
    it('records migrations in _prisma_migrations like prisma migrate deploy, and is idempotent', async () => {
      const again = await runMigrations(world.databaseUrl, MIGRATIONS_DIR);
      expect(again.applied).toEqual([]);
      expect(again.alreadyApplied.length).toBeGreaterThan(0);
      const rows = await prisma.$queryRaw<
        { migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }[]
      >`
        SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`;
      expect(rows.map((r) => r.migration_name)).toEqual(again.alreadyApplied);
      for (const r of rows) {
        expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(r.finished_at).toBeInstanceOf(Date);
        expect(r.applied_steps_count).toBe(1);
      }
    });

    it('every Prisma model can be queried against the migrated database (schema and SQL agree)', async () => {
      const dm = (prisma as unknown as { _runtimeDataModel: { models: Record<string, unknown> } })
        ._runtimeDataModel;
      const delegates = Object.keys(dm.models).map((m) => m[0].toLowerCase() + m.slice(1));
      expect(delegates.length).toBeGreaterThan(3);
      for (const d of delegates) {
        const delegate = (prisma as unknown as Record<string, { findFirst: () => Promise<unknown> }>)[d];
        await expect(delegate.findFirst()).resolves.not.toThrow();
      }
    });
  });

  describe('transactional outbox', () => {
    function collectingRelay(opts: { pollIntervalMs?: number } = {}): {
      relay: OutboxRelay;
      got: OutboxMessage[];
    } {
      const got: OutboxMessage[] = [];
      const relay = new OutboxRelay({
        databaseUrl: world.databaseUrl,
        logger,
        ...opts,
        sinks: {
          kafka: async (rows) => void got.push(...rows),
          redis: async (rows) => void got.push(...rows),
        },
      });
      relays.push(relay);
      return { relay, got };
    }

    it('publishes committed rows in order, woken by NOTIFY (not by the fallback poll)', async () => {
      // The fallback poll is a minute away, far beyond the wait below: only NOTIFY can wake the relay in time
      // (no wall-clock bound on the delivery itself, which a loaded machine may stretch).
      const { relay, got } = collectingRelay({ pollIntervalMs: 60_000 });
      await relay.start();
      const events = Array.from({ length: 5 }, (_, i) => outcome('acme', `c-${i}`));
      await prisma.$transaction(async (tx) => {
        await Outbox.enqueue(tx, ...events.map((e) => Outbox.kafka('handoffOutcomes', e)));
        await Outbox.enqueue(tx, Outbox.redis('acme', 'hub:t:acme:agent:a1', { hello: 1 }));
      });
      await waitFor(() => got.length === 6, { what: 'relay delivery woken by NOTIFY', timeoutMs: 20_000 });
      // Kafka and Redis rows are delivered (and committed) separately: order holds per destination
      const kafka = got.filter((m) => m.destination === 'kafka');
      expect(kafka.map((m) => JSON.parse(m.payload).id)).toEqual(events.map((e) => e.id));
      expect(kafka[0]).toMatchObject({
        destination: 'kafka',
        target: 'hub.handoff.outcomes.v1',
        key: 'c-0',
        tenantId: 'acme',
      });
      expect(got.filter((m) => m.destination === 'redis')).toEqual([
        expect.objectContaining({ destination: 'redis', target: 'hub:t:acme:agent:a1' }),
      ]);
      expect(await prisma.outboxEvent.count()).toBe(0);
    });

    it('never publishes rows written in a rolled-back transaction', async () => {
      const { relay, got } = collectingRelay();
      await relay.start();
      const rolledBack = outcome('acme', 'c-rollback');
      await expect(
        prisma.$transaction(async (tx) => {
          await Outbox.enqueue(tx, Outbox.kafka('handoffOutcomes', rolledBack));
          throw new Error('business rule failed');
        }),
      ).rejects.toThrow('business rule failed');
      const committed = outcome('acme', 'c-after');
      await prisma.$transaction((tx) => Outbox.enqueue(tx, Outbox.kafka('handoffOutcomes', committed)));
      await waitFor(() => got.length >= 1, { what: 'committed row' });
      await new Promise((r) => setTimeout(r, 200));
      expect(got.map((m) => JSON.parse(m.payload).id)).toEqual([committed.id]);
    });

    it('rejects an invalid event before commit, naming the field', () => {
      const bad = outcome('acme', 'c-bad') as unknown as { data: { status: string } };
      bad.data.status = 'maybe';
      expect(() => Outbox.kafka('handoffOutcomes', bad as never)).toThrow(/data\.status/);
    });

    it('keeps rows when the sink fails and delivers them once it recovers; a standby relay does not double-deliver', async () => {
      let healthy = false;
      const got: OutboxMessage[] = [];
      const flaky = new OutboxRelay({
        databaseUrl: world.databaseUrl,
        logger,
        retryDelayMs: 50,
        sinks: {
          kafka: async (rows) => {
            if (!healthy) throw new Error('broker down');
            got.push(...rows);
          },
        },
      });
      relays.push(flaky);
      await flaky.start();
      const standby = collectingRelay();
      await standby.relay.start();
      const ev = outcome('acme', 'c-retry');
      await prisma.$transaction((tx) => Outbox.enqueue(tx, Outbox.kafka('handoffOutcomes', ev)));
      await new Promise((r) => setTimeout(r, 300));
      expect(await prisma.outboxEvent.count()).toBe(1);
      healthy = true;
      await waitFor(() => got.length === 1, { what: 'delivery after recovery' });
      expect(standby.got).toEqual([]);
    });

    it("each service relays only its own rows (producer = the writer's application_name)", async () => {
      const routerDb = createPrismaClient(world.databaseUrl, 2, 'work-item-router');
      const got: Record<string, OutboxMessage[]> = { 'work-item-router': [], 'handoff-orchestrator': [] };
      for (const producer of Object.keys(got)) {
        const relay = new OutboxRelay({
          databaseUrl: world.databaseUrl,
          producer,
          logger,
          sinks: { kafka: async (rows) => void got[producer].push(...rows) },
        });
        relays.push(relay);
        await relay.start();
      }
      const ev = outcome('acme', 'c-producer');
      await routerDb.$transaction((tx) => Outbox.enqueue(tx, Outbox.kafka('handoffOutcomes', ev)));
      await waitFor(() => got['work-item-router'].length === 1, {
        what: "router relay delivering the router's row",
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(JSON.parse(got['work-item-router'][0].payload).id).toBe(ev.id);
      expect(got['handoff-orchestrator']).toEqual([]);
      await routerDb.$disconnect();
    });

    /** Terminates the backends of this world's database whose application_name matches (or all). */
    async function terminate(applicationName?: string): Promise<number> {
      const admin = new Client({ connectionString: world.databaseUrl });
      await admin.connect();
      try {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND ($1::text IS NULL OR application_name = $1)`,
          [applicationName ?? null],
        );
        return rowCount ?? 0;
      } finally {
        await admin.end();
      }
    }

    it('heals after its connection is terminated: reports unhealthy, reconnects, re-LISTENs, re-leads and delivers', async () => {
      const got: OutboxMessage[] = [];
      // The relay's own connection has no application_name; every session of the DB is terminated.
      const relay = new OutboxRelay({
        databaseUrl: world.databaseUrl,
        logger,
        retryDelayMs: 20,
        pollIntervalMs: 60_000, // no fallback poll: delivery below proves NOTIFY is LISTENed again
        sinks: { kafka: async (rows) => void got.push(...rows) },
      });
      relays.push(relay);
      await relay.start();
      expect(relay.health()).toEqual({ ok: true, role: 'leader' });
      const states: boolean[] = [];
      const probe = setInterval(() => states.push(relay.health().ok), 5);
      try {
        expect(await terminate()).toBeGreaterThan(0);
        await waitFor(() => relay.sessions >= 2 && relay.health().ok, { what: 'relay reconnected' });
      } finally {
        clearInterval(probe);
      }
      expect(states).toContain(false);
      const ev = outcome('acme', 'c-heal');
      const writer = createPrismaClient(world.databaseUrl, 1);
      await writer.$transaction((tx) => Outbox.enqueue(tx, Outbox.kafka('handoffOutcomes', ev)));
      await writer.$disconnect();
      // pollIntervalMs is 60 s: a delivery within this bound can only have been woken by the re-LISTENed NOTIFY
      await waitFor(() => got.length === 1, { what: 'delivery after reconnect (NOTIFY)', timeoutMs: 20_000 });
      expect(JSON.parse(got[0].payload).id).toBe(ev.id);
    });

    it('a connection lost between delivery and COMMIT does not deliver the rows again (no Kafka duplicates)', async () => {
      const got: string[] = [];
      let killed = false;
      const relay = new OutboxRelay({
        databaseUrl: world.databaseUrl,
        logger,
        retryDelayMs: 20,
        sinks: {
          kafka: async (rows) => {
            got.push(...rows.map((r) => r.id));
            if (!killed) {
              killed = true;
              await terminate(); // the relay's connection dies after delivery, before its COMMIT
              await new Promise((r) => setTimeout(r, 200));
            }
          },
        },
      });
      relays.push(relay);
      await relay.start();
      const writer = createPrismaClient(world.databaseUrl, 1);
      const evs = [outcome('acme', 'c-lost-commit-1'), outcome('acme', 'c-lost-commit-2')];
      await writer.$transaction((tx) =>
        Outbox.enqueue(tx, ...evs.map((e) => Outbox.kafka('handoffOutcomes', e))),
      );
      await writer.$disconnect();
      await waitFor(async () => killed && relay.sessions >= 2 && (await prisma.outboxEvent.count()) === 0, {
        what: 'rows dropped after the reconnect',
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(got.sort()).toEqual(evs.map((e) => e.id).sort());
    });

    it('a standby takes the lead when the leader loses its connection', async () => {
      const a = collectingRelay();
      await a.relay.start();
      const b = collectingRelay();
      await b.relay.start();
      expect([a.relay.health().role, b.relay.health().role].sort()).toEqual(['leader', 'standby']);
      const [leader, standby] = a.relay.health().role === 'leader' ? [a, b] : [b, a];
      // Stop the leader (its connection closes, so the advisory lock is released on the server).
      await leader.relay.stop();
      const ev = outcome('acme', 'c-takeover');
      await prisma.$transaction((tx) => Outbox.enqueue(tx, Outbox.kafka('handoffOutcomes', ev)));
      // the standby retries the lock every pollIntervalMs (1 s); no bound on how fast a loaded machine does it
      await waitFor(() => standby.got.length === 1, { what: 'standby delivering' });
      expect(standby.relay.health().role).toBe('leader');
    });

    it('delivers and commits per destination: a failing Redis sink never re-publishes Kafka rows', async () => {
      let redisUp = false;
      const kafkaGot: string[] = [];
      const redisGot: string[] = [];
      const relay = new OutboxRelay({
        databaseUrl: world.databaseUrl,
        logger,
        retryDelayMs: 20,
        maxRetryDelayMs: 50,
        unhealthyAfterMs: 100,
        sinks: {
          kafka: async (rows) => void kafkaGot.push(...rows.map((r) => r.id)),
          redis: async (rows) => {
            if (!redisUp) throw new Error('ECONNREFUSED redis');
            redisGot.push(...rows.map((r) => r.id));
          },
        },
      });
      relays.push(relay);
      await relay.start();
      for (let i = 0; i < 10; i++) {
        const ev = outcome('acme', `c-dest-${i}`);
        await prisma.$transaction((tx) =>
          Outbox.enqueue(tx, Outbox.kafka('handoffOutcomes', ev), Outbox.redis('acme', 'ch', { i })),
        );
      }
      await waitFor(() => kafkaGot.length === 10, { what: 'kafka rows while redis is down' });
      await waitFor(() => !relay.health().ok, { what: 'relay unhealthy while redis fails' });
      expect(relay.health().reason).toMatch(/redis delivery failing: .*ECONNREFUSED/);
      await new Promise((r) => setTimeout(r, 300)); // several redis retries happen meanwhile
      expect(await prisma.outboxEvent.count({ where: { destination: 'redis' } })).toBe(10);
      redisUp = true;
      await waitFor(() => redisGot.length === 10 && relay.health().ok, { what: 'redis rows after recovery' });
      expect(new Set(kafkaGot).size).toBe(10);
      expect(kafkaGot).toHaveLength(10); // each Kafka row exactly once
      expect(await prisma.outboxEvent.count()).toBe(0);
    });

    it('a new relay delivers what a stopped one left behind (crash between commit and publish)', async () => {
      const ev = outcome('acme', 'c-crash');
      await prisma.$transaction((tx) => Outbox.enqueue(tx, Outbox.kafka('handoffOutcomes', ev)));
      const { relay, got } = collectingRelay();
      await relay.start();
      await waitFor(() => got.length === 1, { what: 'delivery by the new relay' });
      expect(JSON.parse(got[0].payload).id).toBe(ev.id);
    });
  });

  describe('inbox', () => {
    it('processes a duplicate event once, also when two transactions race', async () => {
      const id = randomUUID();
      let applied = 0;
      const handle = () =>
        prisma.$transaction(async (tx) => {
          if (!(await claimEvent(tx, 'test-consumer', id))) return;
          applied += 1;
        });
      await Promise.all([handle(), handle(), handle()]);
      await handle();
      expect(applied).toBe(1);
      expect(await claimEvent(prisma, 'other-consumer', id)).toBe(true);
    });

    it('a rolled-back claim does not count as processed', async () => {
      const id = randomUUID();
      await expect(
        prisma.$transaction(async (tx) => {
          await claimEvent(tx, 'test-consumer', id);
          throw new Error('handler failed');
        }),
      ).rejects.toThrow();
      expect(await claimEvent(prisma, 'test-consumer', id)).toBe(true);
    });
  });

  describe('node-postgres transactions (createPgPool / inPgTransaction)', () => {
    it('a backend terminated mid-transaction rejects the call (no process crash) and the pool heals', async () => {
      const pool = createPgPool(world.databaseUrl, { max: 1, applicationName: 'victim' });
      try {
        const inside = inPgTransaction(pool, async (c) => {
          await c.query('SELECT 1');
          const admin = new Client({ connectionString: world.databaseUrl });
          await admin.connect();
          await admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'",
          );
          await admin.end();
          await new Promise((r) => setTimeout(r, 100)); // the 'error' event arrives on the idle client
          await c.query('SELECT 2');
        });
        await expect(inside).rejects.toThrow(/terminat|Connection/i);
        // The broken connection was destroyed, not returned: the next transaction gets a fresh one.
        const r = await inPgTransaction(pool, (c) => c.query<{ n: number }>('SELECT 3 AS n'));
        expect(r.rows[0].n).toBe(3);
      } finally {
        await pool.end();
      }
    });

    it('applies statement_timeout to every pooled connection (a hung query fails with 57014)', async () => {
      const pool = createPgPool(world.databaseUrl, { max: 1, statementTimeoutMs: 200 });
      try {
        await expect(pool.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
      } finally {
        await pool.end();
      }
    });

    it("commits outbox rows and inbox claims together, stamped with the pool's application name; rolls both back on error", async () => {
      const pool = createPgPool(world.databaseUrl, { max: 2, applicationName: 'work-item-router' });
      const got: OutboxMessage[] = [];
      const relay = new OutboxRelay({
        databaseUrl: world.databaseUrl,
        producer: 'work-item-router',
        logger,
        sinks: {
          kafka: async (rows) => void got.push(...rows),
          redis: async (rows) => void got.push(...rows),
        },
      });
      relays.push(relay);
      await relay.start();
      const failedId = randomUUID();
      const failed = outcome('acme', 'c-pg-rollback');
      await expect(
        inPgTransaction(pool, async (db) => {
          expect(await claimEventSql(db, 'pg-consumer', failedId)).toBe(true);
          await Outbox.enqueueSql(db, Outbox.kafka('handoffOutcomes', failed));
          throw new Error('handler failed');
        }),
      ).rejects.toThrow('handler failed');
      const ev = outcome('acme', 'c-pg');
      const id = randomUUID();
      const claimed = await inPgTransaction(pool, async (db) => {
        const first = await claimEventSql(db, 'pg-consumer', id);
        await Outbox.enqueueSql(
          db,
          Outbox.kafka('handoffOutcomes', ev),
          Outbox.redis('acme', 'hub:t:acme:agent:a1', { n: [1, 2] }),
        );
        return first;
      });
      expect(claimed).toBe(true);
      await waitFor(() => got.length === 2, { what: "the router relay delivering the pool's rows" });
      await new Promise((r) => setTimeout(r, 200));
      expect(got.map((m) => m.id)).toEqual([ev.id, expect.any(String)]);
      expect(got[0]).toMatchObject({ destination: 'kafka', key: 'c-pg', tenantId: 'acme' });
      expect(JSON.parse(got[1].payload)).toEqual({ n: [1, 2] });
      // the rolled-back claim is free again; the committed one is a duplicate
      expect(await claimEventSql(pool, 'pg-consumer', failedId)).toBe(true);
      expect(await claimEventSql(pool, 'pg-consumer', id)).toBe(false);
      // a failed transaction's connection is reusable (ROLLBACK ran; not left in an aborted state)
      await expect(inPgTransaction(pool, (db) => db.query('SELECT 1/0'))).rejects.toThrow(/division by zero/);
      const { rows } = await pool.query<{ app: string }>("SELECT current_setting('application_name') AS app");
      expect(rows[0].app).toBe('work-item-router');
      await pool.end();
    });
  });

  describe('tenancy', () => {
    it('a tenant-scoped client cannot read, update or create rows of another tenant', async () => {
      const acme = forTenant(prisma, 'acme');
      const globex = forTenant(prisma, 'globex');
      const a = await acme.integration.create({
        data: { id: randomUUID(), type: 'internal', name: 'Desk' } as never,
      });
      expect(a.tenantId).toBe('acme');
      expect(await globex.integration.findUnique({ where: { id: a.id } })).toBeNull();
      expect(await globex.integration.findMany()).toEqual([]);
      expect(
        (await globex.integration.updateMany({ where: { id: a.id }, data: { name: 'stolen' } })).count,
      ).toBe(0);
      await expect(globex.integration.findFirst({ where: { tenantId: 'acme' } })).rejects.toThrow(
        CrossTenantError,
      );
      await expect(
        globex.integration.create({
          data: { id: randomUUID(), tenantId: 'acme', type: 'internal', name: 'x' },
        }),
      ).rejects.toThrow(CrossTenantError);
      expect((await acme.integration.findUnique({ where: { id: a.id } }))?.name).toBe('Desk');
    });
  });

  describe('row-level security (runtime role hub_app)', () => {
    /** A table under RLS and the column that ties its rows to a tenant. */
    interface Owned {
      table: string;
      by: 'tenant_id' | 'knowledge_base_id';
    }
    const KB = { acme: randomUUID(), globex: randomUUID() } as const;
    type Tenant = keyof typeof KB;
    let owned: Owned[];
    let columns: Map<string, { name: string; type: string; udt: string }[]>;
    let appPool: ReturnType<typeof createPgPool>;
    let appPrisma: PrismaClient;
    let owner: Client;

    /** Literal SQL for a NOT NULL column without default (FK checks are off while seeding). */
    function valueFor(c: { name: string; type: string; udt: string }, tenant: Tenant): string {
      if (c.name === 'tenant_id') return `'${tenant}'`;
      if (c.name === 'knowledge_base_id') return `'${KB[tenant]}'::uuid`;
      if (c.type === 'ARRAY') return `'{}'::${c.udt.slice(1)}[]`;
      switch (c.type) {
        case 'uuid':
          return 'gen_random_uuid()';
        case 'jsonb':
          return `'{}'::jsonb`;
        case 'boolean':
          return 'false';
        case 'integer':
        case 'bigint':
        case 'double precision':
          return '0';
        case 'timestamp with time zone':
          return 'now()';
        case 'date':
          return 'current_date';
        case 'tsvector':
          return `''::tsvector`;
        case 'bytea':
          return `''::bytea`; // empty: satisfies length checks such as file_contents' size_bytes = octet_length
        default:
          return `'x-' || substr(md5(random()::text), 1, 8)`;
      }
    }

    /** One INSERT of a generated row of `tenant` into `t` (only the required columns). */
    function insertSql(t: Owned, tenant: Tenant): string {
      const cols = columns.get(t.table) ?? [];
      const names = cols.map((c) => `"${c.name}"`).join(', ');
      const values = cols
        .map((c) =>
          t.table === 'knowledge_bases' && c.name === 'id' ? `'${KB[tenant]}'::uuid` : valueFor(c, tenant),
        )
        .join(', ');
      return `INSERT INTO "${t.table}" (${names}) VALUES (${values})`;
    }
    const ofTenant = (t: Owned, tenant: Tenant) =>
      t.by === 'tenant_id' ? `tenant_id = '${tenant}'` : `knowledge_base_id = '${KB[tenant]}'::uuid`;

    beforeAll(async () => {
      owner = new Client({ connectionString: world.databaseUrl });
      await owner.connect();
      const { rows } = await owner.query<{ table: string; has_tenant: boolean }>(
        `SELECT c.table_name AS table, bool_or(c.column_name = 'tenant_id') AS has_tenant
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
           AND c.column_name IN ('tenant_id', 'knowledge_base_id')
           AND c.table_name <> ALL (hub_rls_exempt_tables())
         GROUP BY c.table_name ORDER BY c.table_name`,
      );
      owned = rows.map((r) => ({ table: r.table, by: r.has_tenant ? 'tenant_id' : 'knowledge_base_id' }));
      const cols = await owner.query<{
        table: string;
        name: string;
        type: string;
        udt: string;
        required: boolean;
      }>(
        `SELECT table_name AS table, column_name AS name, data_type AS type, udt_name AS udt,
                (is_nullable = 'NO' AND column_default IS NULL) AS required
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY ordinal_position`,
      );
      columns = new Map();
      for (const c of cols.rows) {
        const isOwnerColumn = c.name === 'tenant_id' || c.name === 'knowledge_base_id';
        if (!c.required && !isOwnerColumn) continue;
        const list = columns.get(c.table) ?? [];
        list.push(c);
        columns.set(c.table, list);
      }
      // one row of each tenant in every tenant-owned table, written by the owner (RLS does not bind it)
      // with foreign-key triggers off: the rows only need to exist
      await owner.query('BEGIN');
      await owner.query("SET LOCAL session_replication_role = 'replica'");
      for (const t of owned)
        for (const tenant of ['acme', 'globex'] as const) await owner.query(insertSql(t, tenant));
      await owner.query('COMMIT');
      appPool = createPgPool(world.appDatabaseUrl, { max: 2 });
      appPrisma = createPrismaClient(world.appDatabaseUrl, 2);
    });
    afterAll(async () => {
      await appPool.end();
      await appPrisma.$disconnect();
      await owner.end();
    });

    it('covers every table with a tenant_id (and every knowledge base child table): RLS enabled, forced, with the tenant policy', async () => {
      expect(owned.map((t) => t.table)).toEqual(
        expect.arrayContaining(['handoffs', 'integrations', 'kb_chunks', 'work_items']),
      );
      const { rows } = await owner.query<{
        table: string;
        enabled: boolean;
        forced: boolean;
        using: string | null;
        check: string | null;
      }>(
        `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                p.qual AS using, p.with_check AS check
         FROM pg_class c LEFT JOIN pg_policies p ON p.tablename = c.relname AND p.policyname = 'hub_tenant_isolation'
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'`,
      );
      const byTable = new Map(rows.map((r) => [r.table, r]));
      const uncovered = owned.filter((t) => {
        const r = byTable.get(t.table);
        const ref = t.by === 'tenant_id' ? "current_setting('hub.tenant_id'::text, true)" : 'knowledge_bases';
        return !r || !r.enabled || !r.forced || !r.using?.includes(ref) || !r.check?.includes(ref);
      });
      // a new tenant-owned table fails here until a migration runs `SELECT hub_apply_tenant_rls();`
      expect(uncovered).toEqual([]);
      // every other table is on the documented exemption list
      const { rows: exempt } = await owner.query<{ t: string[] }>('SELECT hub_rls_exempt_tables() AS t');
      const withoutRls = rows
        .filter((r) => !r.enabled)
        .map((r) => r.table)
        .sort();
      expect(withoutRls).toEqual([...exempt[0].t].sort());
    });

    it('the services connect as a role that row-level security binds (no superuser, no BYPASSRLS)', async () => {
      const { rows } = await appPool.query<{ rolsuper: boolean; rolbypassrls: boolean; user: string }>(
        'SELECT rolsuper, rolbypassrls, current_user AS user FROM pg_roles WHERE rolname = current_user',
      );
      expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, user: 'hub_app' });
      expect(world.env.DATABASE_URL).toBe(world.appDatabaseUrl);
    });

    it('without the tenant setting a query sees no row of any tenant-owned table and cannot write one', async () => {
      for (const t of owned) {
        const all = await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t.table}"`);
        expect(all.rows[0].n).toBeGreaterThanOrEqual(2);
        const seen = await appPool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t.table}"`);
        expect({ table: t.table, n: seen.rows[0].n }).toEqual({ table: t.table, n: 0 });
        expect((await appPool.query(`DELETE FROM "${t.table}"`)).rowCount).toBe(0);
        await expect(appPool.query(insertSql(t, 'acme'))).rejects.toMatchObject({ code: '42501' });
      }
      // the Prisma root client on the runtime role is the same: nothing without a tenant
      expect(await appPrisma.integration.findMany()).toEqual([]);
    });

    it("a tenant's transaction reads only its rows and cannot read, change, delete or create another tenant's, on every table", async () => {
      const count = async (t: Owned, tenant: Tenant) =>
        (
          await owner.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${t.table}" WHERE ${ofTenant(t, tenant)}`,
          )
        ).rows[0].n;
      for (const t of owned) {
        const acmeRows = await count(t, 'acme');
        const globexRows = await count(t, 'globex');
        expect(acmeRows * globexRows).toBeGreaterThan(0);
        const seen = await inTenantTransaction(appPool, 'acme', async (db) => {
          const mine = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t.table}"`);
          const theirs = await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${t.table}" WHERE ${ofTenant(t, 'globex')}`,
          );
          const col = t.by;
          const updated = await db.query(
            `UPDATE "${t.table}" SET ${col} = ${col} WHERE ${ofTenant(t, 'globex')}`,
          );
          const deleted = await db.query(`DELETE FROM "${t.table}" WHERE ${ofTenant(t, 'globex')}`);
          return {
            table: t.table,
            mine: mine.rows[0].n,
            theirs: theirs.rows[0].n,
            updated: updated.rowCount,
            deleted: deleted.rowCount,
          };
        });
        expect(seen).toEqual({ table: t.table, mine: acmeRows, theirs: 0, updated: 0, deleted: 0 });
        // writing a row of another tenant, or moving one's own row to it, violates the policy
        await expect(
          inTenantTransaction(appPool, 'acme', (db) => db.query(insertSql(t, 'globex'))),
        ).rejects.toMatchObject({ code: '42501' });
        if (t.by === 'tenant_id') {
          await expect(
            inTenantTransaction(appPool, 'acme', (db) =>
              db.query(`UPDATE "${t.table}" SET tenant_id = 'globex'`),
            ),
          ).rejects.toMatchObject({ code: '42501' });
        }
        expect({ table: t.table, n: await count(t, 'globex') }).toEqual({ table: t.table, n: globexRows });
      }
    });

    it('the setting ends with the transaction: the next user of a pooled connection sees nothing', async () => {
      const pool = createPgPool(world.appDatabaseUrl, { max: 1 });
      const acmeIntegrations = (
        await owner.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM integrations WHERE tenant_id = 'acme'",
        )
      ).rows[0].n;
      try {
        const inside = await inTenantTransaction(
          pool,
          'acme',
          async (db) =>
            (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM integrations')).rows[0].n,
        );
        expect(inside).toBe(acmeIntegrations);
        const after = await pool.query<{ n: number; t: string | null }>(
          "SELECT count(*)::int AS n, current_setting('hub.tenant_id', true) AS t FROM integrations",
        );
        expect(after.rows[0].n).toBe(0);
        expect(after.rows[0].t || null).toBeNull();
        await expect(inTenantTransaction(pool, '', async () => 1)).rejects.toThrow(/tenant id is required/);
        // a tenant id is a value, never SQL
        const odd = await inTenantTransaction(
          pool,
          "x'; SET LOCAL hub.tenant_id = 'acme",
          async (db) =>
            (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM integrations')).rows[0].n,
        );
        expect(odd).toBe(0);
      } finally {
        await pool.end();
      }
    });

    it('forTenant and tenantTransaction on the runtime role: RLS is what scopes them', async () => {
      const ownerCount = async (table: string, tenant: Tenant) =>
        (
          await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE tenant_id = $1`, [
            tenant,
          ])
        ).rows[0].n;
      const acme = forTenant(appPrisma, 'acme');
      const rows = await acme.integration.findMany();
      expect(rows.length).toBe(await ownerCount('integrations', 'acme'));
      expect(new Set(rows.map((r) => r.tenantId))).toEqual(new Set(['acme']));
      // raw SQL through the scoped client is scoped too (no tenant_id filter written)
      const raw = await acme.$queryRawUnsafe<{ tenant_id: string }[]>('SELECT tenant_id FROM integrations');
      expect(raw.length).toBe(rows.length);
      expect(new Set(raw.map((r) => r.tenant_id))).toEqual(new Set(['acme']));
      // a knowledge base id of another tenant reaches none of its chunks
      expect(
        await forTenant(appPrisma, 'globex').kbChunk.findMany({ where: { knowledgeBaseId: KB.acme } }),
      ).toEqual([]);
      expect((await acme.kbChunk.findMany({ where: { knowledgeBaseId: KB.acme } })).length).toBe(1);
      // an interactive transaction of the scoped client: every statement of tx in the tenant
      const both = await acme.$transaction(async (tx) => [
        await tx.integration.count(),
        await tx.queue.count(),
      ]);
      expect(both).toEqual([await ownerCount('integrations', 'acme'), await ownerCount('queues', 'acme')]);
      const n = await tenantTransaction(appPrisma, 'globex', async (tx) => {
        await tx.$executeRawUnsafe(`UPDATE integrations SET name = 'renamed'`);
        return tx.integration.count();
      });
      expect(n).toBe(await ownerCount('integrations', 'globex'));
      const names = await owner.query<{ tenant_id: string; name: string }>(
        'SELECT tenant_id, name FROM integrations',
      );
      expect(names.rows.filter((r) => r.tenant_id === 'acme').some((r) => r.name === 'renamed')).toBe(false);
      expect(names.rows.filter((r) => r.tenant_id === 'globex').every((r) => r.name === 'renamed')).toBe(
        true,
      );
    });

    it('a vendor identifier selects one tenant: another tenant cannot configure the same CCAI subscription or AudioHook API key', async () => {
      // `selector` is what @hub/integrations' vendorSelector stores (normalised subscription, API key hash)
      const add = (tenant: Tenant, type: string, selector: string) =>
        owner.query(
          `INSERT INTO integrations (id, tenant_id, type, name, config, selector, updated_at)
           VALUES (gen_random_uuid(), $1, $2, 'vendor-' || gen_random_uuid(), '{}'::jsonb, $3, now())`,
          [tenant, type, selector],
        );
      const subscription = `projects/p/subscriptions/s-${randomUUID()}`;
      await add('acme', 'ccai', subscription);
      await expect(add('globex', 'ccai', subscription)).rejects.toMatchObject({ code: '23505' });
      const apiKeyHash = `sha256:${randomUUID()}`;
      await add('acme', 'genesys_audiohook', apiKeyHash);
      await expect(add('globex', 'genesys_audiohook', apiKeyHash)).rejects.toMatchObject({ code: '23505' });
      const found = await appPool.query<{ tenant_id: string }>(
        "SELECT tenant_id FROM hub_integration_by_selector('ccai', $1)",
        [subscription],
      );
      expect(found.rows).toEqual([{ tenant_id: 'acme' }]);
      // the same lookup written directly, as the runtime role, sees nothing
      expect(
        (await appPool.query('SELECT 1 FROM integrations WHERE selector = $1', [subscription])).rowCount,
      ).toBe(0);
    });

    it('system jobs find due rows of every tenant only through the SECURITY DEFINER functions, which return (tenant, id)', async () => {
      await owner.query(`UPDATE offers SET status = 'live', expires_at = now() - interval '1 minute'`);
      const due = await appPool.query<{ tenant_id: string; id: string }>('SELECT * FROM hub_due_offers(10)');
      expect(due.rows.map((r) => r.tenant_id).sort()).toEqual(['acme', 'globex']);
      expect(Object.keys(due.rows[0]).sort()).toEqual(['id', 'tenant_id']);
      // the same scan written directly sees nothing
      expect((await appPool.query("SELECT id FROM offers WHERE status = 'live'")).rowCount).toBe(0);
      const { rows } = await owner.query<{ owner: string; definer: boolean }>(
        `SELECT pg_get_userbyid(proowner) AS owner, prosecdef AS definer FROM pg_proc WHERE proname = 'hub_due_offers'`,
      );
      expect(rows[0]).toEqual({ owner: 'hub_rls_definer', definer: true });
    });
  });

  it('inbox pruning deletes only dedupe keys older than the retention, in batches, one pruner at a time', async () => {
    const pool = createPgPool(world.databaseUrl, { max: 4 });
    try {
      // 25 keys 10 days old, 5 keys 1 hour old
      await pool.query(
        `INSERT INTO processed_events (consumer, event_id, processed_at)
         SELECT 'prune-test', 'old-' || g, now() - interval '10 days' FROM generate_series(1, 25) g
         UNION ALL
         SELECT 'prune-test', 'new-' || g, now() - interval '1 hour' FROM generate_series(1, 5) g`,
      );
      const a = new InboxPruner(pool, { retentionHours: 24 * 7, intervalMs: 0, batchSize: 10 });
      const b = new InboxPruner(pool, { retentionHours: 24 * 7, intervalMs: 0, batchSize: 10 });
      const [na, nb] = await Promise.all([a.pruneOnce(), b.pruneOnce()]);
      // both may run in turn, never on the same rows: together exactly the 25 old keys
      expect(na + nb).toBe(25);
      const left = await pool.query<{ event_id: string }>(
        `SELECT event_id FROM processed_events WHERE consumer = 'prune-test' ORDER BY event_id`,
      );
      expect(left.rows.map((r) => r.event_id)).toEqual(['new-1', 'new-2', 'new-3', 'new-4', 'new-5']);
      // a pruned key can be claimed again; a kept one is still a duplicate
      expect(await claimEventSql(pool, 'prune-test', 'old-1')).toBe(true);
      expect(await claimEventSql(pool, 'prune-test', 'new-1')).toBe(false);
      expect(await a.pruneOnce()).toBe(0);
    } finally {
      await pool.query(`DELETE FROM processed_events WHERE consumer = 'prune-test'`);
      await pool.end();
    }
  });

  it('NOTIFY trigger fires on commit only', async () => {
    const c = new Client({ connectionString: world.databaseUrl });
    await c.connect();
    const notes: string[] = [];
    c.on('notification', (n) => notes.push(n.channel));
    await c.query('LISTEN hub_outbox');
    await prisma.$transaction(async (tx) => {
      await Outbox.enqueue(tx, Outbox.kafka('handoffOutcomes', outcome('acme', 'c-notify')));
      await new Promise((r) => setTimeout(r, 100));
      expect(notes).toEqual([]);
    });
    await waitFor(() => notes.length === 1, { what: 'notification' });
    await c.end();
  });
});
