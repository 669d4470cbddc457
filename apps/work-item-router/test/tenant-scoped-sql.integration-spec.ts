import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { RoutingRepository } from '../src/routing/routing.repository';
import { RouterTestBus, startInProcess } from './support/harness';

/**
 * Tenant isolation by construction (docs/architecture.md): every hand-written statement of the routing
 * repository on a tenant-owned table filters on `tenant_id`, also those that run after an earlier
 * tenant-scoped read. Here each statement is called directly as tenant B with tenant A's ids (as if an
 * id had leaked past the use case's checks): it reads nothing / changes nothing, and A's rows are
 * unchanged afterwards.
 */
describe('work-item-router: hand-written SQL is tenant-scoped', () => {
  let bus: RouterTestBus;
  let app: INestApplication;
  let repo: RoutingRepository;
  let db: Client;

  beforeAll(async () => {
    bus = await RouterTestBus.create();
    ({ app, base: bus.base } = await startInProcess(bus));
    repo = app.get(RoutingRepository);
    db = new Client({ connectionString: bus.world.databaseUrl });
    await db.connect();
  }, 120000);

  afterAll(async () => {
    await db?.end();
    await app?.close();
    await bus?.close();
  });

  /** Runs `fn` in a transaction that is rolled back; returns its result or the error it threw. */
  async function asTx<T>(fn: () => Promise<T>): Promise<T | Error> {
    await db.query('BEGIN');
    try {
      return await fn();
    } catch (e) {
      return e as Error;
    } finally {
      await db.query('ROLLBACK');
    }
  }

  it("tenant B's statements naming tenant A's work item, offer and agent read and change nothing", async () => {
    const A = 'sql-a';
    const B = 'sql-b';
    const qa = await bus.tenant(A);
    const qb = await bus.tenant(B);
    await bus.agent(
      A,
      { id: 'ann', displayName: 'Ann', queueIds: [qa], capacity: { chat: 1, call: 1 } },
      'online',
    );
    await bus.agent(
      B,
      { id: 'ann', displayName: 'Ann of B', queueIds: [qb], capacity: { chat: 1, call: 1 } },
      'online',
    );
    const c = await bus.createItem(A, { n: 0 });
    const offer = await bus.waitEvent(A, c.workItemId, 'offered');
    const snapshot = async () => ({
      item: await bus.prisma.workItem.findUniqueOrThrow({ where: { id: c.workItemId } }),
      offers: await bus.prisma.offer.findMany({
        where: { workItemId: c.workItemId },
        orderBy: { id: 'asc' },
      }),
      agent: await bus.prisma.agent.findUniqueOrThrow({ where: { tenantId_id: { tenantId: A, id: 'ann' } } }),
    });
    const before = await snapshot();
    expect(before.item.status).toBe('offered');

    // reads: nothing of A's is visible to B
    expect(await asTx(() => repo.lockItem(db, B, c.workItemId))).toBeNull();
    expect(await asTx(() => repo.lockLiveOffer(db, B, c.workItemId))).toBeNull();
    const pre = await asTx(() =>
      repo.prepareItemChange(db, {
        consumer: 'test',
        eventId: null,
        tenantId: B,
        workItemId: c.workItemId,
        agentId: null,
        extraAgentIds: [],
      }),
    );
    expect(pre).toMatchObject({ item: null });
    expect(await asTx(() => repo.candidateAgents(db, B, qa, c.workItemId))).toEqual([]);

    // writes: each matches no row of A's (and refuses to go on)
    expect(
      await asTx(() =>
        repo.assignItem(db, {
          tenantId: B,
          workItemId: c.workItemId,
          agentId: 'ann',
          acceptedOfferId: offer.offerId,
        }),
      ),
    ).toBeInstanceOf(Error);
    expect(await asTx(() => repo.moveToQueue(db, B, c.workItemId, qb))).toBeInstanceOf(Error);
    expect(
      await asTx(() =>
        repo.insertOffer(db, {
          id: randomUUID(),
          tenantId: B,
          workItemId: c.workItemId,
          agentId: 'ann',
          queueId: qb,
          eventId: randomUUID(),
          timeoutSeconds: 30,
        }),
      ),
    ).toBeInstanceOf(Error);
    expect(
      await asTx(() =>
        repo.releaseItem(db, {
          tenantId: B,
          workItemId: c.workItemId,
          type: 'chat',
          offerId: offer.offerId,
          offerStatus: 'revoked',
          offerReason: 'withdrawn',
          freeAgentId: 'ann',
          missed: 'count',
          status: 'withdrawn',
          endReason: 'timeout',
        }),
      ),
    ).toBeInstanceOf(Error);
    // statements without a row check: run them committed, then prove A's rows did not move (B's own
    // agent "ann" is the one set away)
    await repo.resolveOffer(db, B, offer.offerId, 'revoked', 'withdrawn');
    expect(await repo.markAwayAfterMissedOffers(db, B, 'ann')).toBe(true);
    expect(
      await bus.prisma.agent.findUniqueOrThrow({ where: { tenantId_id: { tenantId: B, id: 'ann' } } }),
    ).toMatchObject({ presence: 'away' });

    expect(await snapshot()).toEqual(before);
    // and A's own statement does see the row (the filter is the tenant, not something else)
    expect(await asTx(() => repo.lockItem(db, A, c.workItemId))).toMatchObject({
      id: c.workItemId,
      status: 'offered',
    });
  });
});
