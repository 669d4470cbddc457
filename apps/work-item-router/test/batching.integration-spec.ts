import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { waitFor } from '@hub/testing';
import { RouterTestBus, startInProcess } from './support/harness';

/**
 * Batch consumption of `create` (issue 14): a burst of creates fetched from one partition is created and
 * offered in one transaction with multi-row statements, with the guarantees of one create after the other.
 */
describe('work-item-router: a burst of creates in one transaction', () => {
  let bus: RouterTestBus;
  let app: INestApplication;

  beforeAll(async () => {
    bus = await RouterTestBus.create();
    ({ app, base: bus.base } = await startInProcess(bus));
  }, 120000);

  afterAll(async () => {
    await app?.close();
    await bus?.close();
  });

  async function tenantWith(t: string, agents: { id: string; chat: number }[]): Promise<string> {
    const q = await bus.tenant(t);
    for (const a of agents)
      await bus.agent(
        t,
        { id: a.id, displayName: `Agent ${a.id}`, queueIds: [q], capacity: { chat: a.chat, call: 1 } },
        'online',
      );
    return q;
  }

  it('offers every item once, never over an agent capacity, spread over the agents, in one transaction', async () => {
    const T = 'burst';
    await tenantWith(T, [
      { id: 'a1', chat: 3 },
      { id: 'a2', chat: 3 },
      { id: 'a3', chat: 3 },
      { id: 'a4', chat: 3 },
    ]);
    const cmds = Array.from({ length: 20 }, (_, n) => bus.createCommand({ n }));
    const sent = await bus.sendMany(T, `conv-burst-${randomUUID()}`, cmds);
    // 12 slots for 20 items: 12 offered, 8 waiting
    await waitFor(
      async () =>
        (await bus.prisma.workItem.count({
          where: { tenantId: T, status: { in: ['offered', 'waiting'] } },
        })) === 20
          ? true
          : null,
      { what: 'all 20 stored' },
    );
    await waitFor(
      () => (bus.events(T).filter((e) => e.data.event === 'offered').length >= 12 ? true : null),
      { what: '12 offers' },
    );
    await new Promise((r) => setTimeout(r, 500));
    const items = await bus.prisma.workItem.findMany({ where: { tenantId: T } });
    expect(items.filter((i) => i.status === 'offered')).toHaveLength(12);
    expect(items.filter((i) => i.status === 'waiting')).toHaveLength(8);
    const live = await bus.prisma.offer.findMany({ where: { tenantId: T, status: 'live' } });
    expect(live).toHaveLength(12);
    // one live offer per item, three per agent (its capacity), and the load says so
    expect(new Set(live.map((o) => o.workItemId)).size).toBe(12);
    const perAgent = new Map<string, number>();
    for (const o of live) perAgent.set(o.agentId, (perAgent.get(o.agentId) ?? 0) + 1);
    expect([...perAgent.entries()].sort()).toEqual([
      ['a1', 3],
      ['a2', 3],
      ['a3', 3],
      ['a4', 3],
    ]);
    const agents = await bus.prisma.agent.findMany({ where: { tenantId: T } });
    for (const a of agents) expect([a.id, a.loadChat]).toEqual([a.id, 3]);
    // round-robin as one create after the other: the first four items went to four different agents
    const byItem = new Map(live.map((o) => [o.workItemId, o.agentId]));
    const firstFour = cmds.slice(0, 4).map((c) => byItem.get(c.workItemId));
    expect(new Set(firstFour).size).toBe(4);
    // the items were created in fewer transactions than items (rows of one transaction share now())
    expect(new Set(items.map((i) => i.createdAt.getTime())).size).toBeLessThan(20);
    // each item's events: created, queued (, offered), caused by its own command, each once
    for (const [i, c] of cmds.entries()) {
      const evs = bus.events(T, c.workItemId);
      const kinds = evs.map((e) => e.data.event);
      expect(kinds.slice(0, 2)).toEqual(['created', 'queued']);
      expect(kinds.filter((k) => k === 'offered').length).toBe(byItem.has(c.workItemId) ? 1 : 0);
      for (const e of evs) expect(e.causationId).toBe(sent[i].id);
    }
    // a redelivered burst changes nothing (inbox)
    for (const e of sent) await bus.resend(e);
    const barrier = await bus.createItem(T, { n: 30 });
    await bus.waitEvent(T, barrier.workItemId, 'queued');
    expect(await bus.prisma.workItem.count({ where: { tenantId: T } })).toBe(21);
    expect(bus.events(T).filter((e) => e.data.event === 'created')).toHaveLength(21);
  });

  it('a burst with one poison create: that one is dead-lettered (and failed for its handoff), the rest are offered', async () => {
    const T = 'burst-poison';
    const OTHER = 'burst-other';
    await tenantWith(T, [{ id: 'b1', chat: 10 }]);
    await tenantWith(OTHER, []);
    const foreign = await bus.createItem(OTHER, { n: 0 });
    await bus.waitEvent(OTHER, foreign.workItemId, 'queued');
    const cmds = Array.from({ length: 6 }, (_, n) => bus.createCommand({ n }));
    // the fourth names a work item id that belongs to another tenant: PermanentError(tenant_mismatch)
    cmds[3] = { ...cmds[3], workItemId: foreign.workItemId };
    const sent = await bus.sendMany(T, `conv-poison-${randomUUID()}`, cmds);
    const dl = await waitFor(() => bus.deadLetters().find((d) => d.value.id === sent[3].id), {
      what: 'poison create dead-lettered',
    });
    expect(dl.reason).toBe('tenant_mismatch');
    expect(await bus.waitEvent(T, foreign.workItemId, 'failed')).toMatchObject({ reason: 'error' });
    for (const c of [0, 1, 2, 4, 5]) await bus.waitEvent(T, cmds[c].workItemId, 'offered');
    const live = await bus.prisma.offer.findMany({ where: { tenantId: T, status: 'live' } });
    expect(live.map((o) => o.workItemId).sort()).toEqual(
      [0, 1, 2, 4, 5].map((c) => cmds[c].workItemId).sort(),
    );
    expect((await bus.prisma.agent.findFirstOrThrow({ where: { tenantId: T, id: 'b1' } })).loadChat).toBe(5);
    // the other tenant's item is untouched
    expect(await bus.workItem(OTHER, foreign.workItemId)).toMatchObject({ status: 'waiting' });
    expect(bus.deadLetters().filter((d) => sent.some((s) => s.id === d.value.id))).toHaveLength(1);
  });

  it("a lone create naming another tenant's item, batched with another command: dead-lettered once, failed(error) once", async () => {
    const T = 'lone-poison';
    const OTHER = 'lone-poison-other';
    await tenantWith(T, [{ id: 'c1', chat: 10 }]);
    await tenantWith(OTHER, []);
    const foreign = await bus.createItem(OTHER, { n: 0 });
    await bus.waitEvent(OTHER, foreign.workItemId, 'queued');
    // one produce request: the create and a withdraw of an item T does not have arrive in one batch
    const sent = await bus.sendMany(T, `conv-lone-${randomUUID()}`, [
      bus.createCommand({ n: 1, workItemId: foreign.workItemId }),
      { command: 'withdraw', workItemId: randomUUID(), reason: 'withdrawn', revokeAssignment: false },
    ]);
    const dl = await waitFor(() => bus.deadLetters().find((d) => d.value.id === sent[0].id), {
      what: 'lone poison create dead-lettered',
    });
    expect(dl.reason).toBe('tenant_mismatch');
    expect(await bus.waitEvent(T, foreign.workItemId, 'failed')).toMatchObject({ reason: 'error' });
    await bus.waitEvent(T, (sent[1].data as { workItemId: string }).workItemId, 'withdrawn');
    await new Promise((r) => setTimeout(r, 300));
    expect(
      bus.events(T).filter((e) => e.data.event === 'failed' && e.data.workItemId === foreign.workItemId),
    ).toHaveLength(1);
    expect(await bus.workItem(OTHER, foreign.workItemId)).toMatchObject({ status: 'waiting' });
  });
});
