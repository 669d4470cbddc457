import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { waitFor } from '@hub/testing';
import { RouterTestBus, startInProcess, workItemIdOf } from './support/harness';

/**
 * Offers and assignments end to end: commands on Kafka (as the orchestrator and the gateway send
 * them), events on `hub.workitem.events.v1`, messages on the agents' Redis channels, rows in
 * PostgreSQL. One router, one world; every test uses its own tenant.
 */
describe('work-item-router: offers, accept, decline, expiry, transfer, complete, withdraw', () => {
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

  const agentRow = (tenantId: string, id: string) =>
    bus.prisma.agent.findUniqueOrThrow({ where: { tenantId_id: { tenantId, id } } });

  /** Creates a tenant; agents join its default queue unless `queueIds` is given. */
  async function tenantWith(
    t: string,
    agents: {
      id: string;
      chat?: number;
      call?: number;
      autoAccept?: boolean;
      online?: boolean;
      queueIds?: string[];
    }[] = [],
    queue: Record<string, unknown> = {},
  ): Promise<string> {
    const q = await bus.tenant(t);
    if (Object.keys(queue).length) await bus.http('PATCH', `/v1/queues/${q}`, { tenant: t, body: queue });
    for (const a of agents) {
      await bus.agent(
        t,
        {
          id: a.id,
          displayName: `Agent ${a.id}`,
          queueIds: a.queueIds ?? [q],
          capacity: { chat: a.chat ?? 1, call: a.call ?? 1 },
          autoAccept: a.autoAccept ?? false,
        },
        a.online === false ? undefined : 'online',
      );
    }
    return q;
  }

  it('offer → accept: the agent gets the offer on its channel, accepts, is assigned', async () => {
    const T = 'offer-accept';
    const q = await tenantWith(T, [{ id: 'ana' }]);
    const c = await bus.createItem(T, { n: 0 });

    const offered = await bus.waitEvent(T, c.workItemId, 'offered');
    expect(offered).toMatchObject({
      agentId: 'ana',
      queueId: q,
      handoffId: c.handoffId,
      conversationId: c.conversationId,
    });
    const offer = await bus.waitAgentMessage(T, 'ana', 'offer', c.workItemId);
    expect(offer.offerId).toBe(offered.offerId);
    expect(offer.expiresAt).toBe(offered.expiresAt);
    expect(offer.workItem).toMatchObject({
      status: 'offered',
      queueId: q,
      queueName: 'Default',
      type: 'chat',
    });
    expect(offer.workItem.context).toEqual(c.context);
    const row = await bus.prisma.offer.findUniqueOrThrow({ where: { id: offer.offerId } });
    expect(row).toMatchObject({ status: 'live', agentId: 'ana', eventId: offer.eventId });
    expect((await agentRow(T, 'ana')).loadChat).toBe(1);

    const accept = await bus.send(
      T,
      { command: 'accept', workItemId: c.workItemId, agentId: 'ana', offerId: offer.offerId },
      c.conversationId,
    );
    await bus.resend(accept); // a redelivered command is processed once
    const assigned = await bus.waitEvent(T, c.workItemId, 'assigned');
    expect(assigned).toMatchObject({ agentId: 'ana', offerId: offer.offerId, autoAccepted: false });
    const msg = await bus.waitAgentMessage(T, 'ana', 'assigned', c.workItemId);
    expect(msg.workItem.status).toBe('assigned');

    // barrier on the same partition (same key), then: exactly one assignment, capacity still 1
    await bus.send(
      T,
      {
        command: 'complete',
        workItemId: c.workItemId,
        agentId: 'ana',
        wrapUp: { note: 'refund issued', disposition: 'resolved' },
      },
      c.conversationId,
    );
    await bus.waitEvent(T, c.workItemId, 'completed');
    expect(bus.events(T, c.workItemId).filter((e) => e.data.event === 'assigned')).toHaveLength(1);
    expect(await bus.workItem(T, c.workItemId)).toMatchObject({
      status: 'completed',
      agentId: 'ana',
      wrapUp: { note: 'refund issued', disposition: 'resolved' },
    });
    expect(await bus.prisma.offer.findUniqueOrThrow({ where: { id: offer.offerId } })).toMatchObject({
      status: 'accepted',
    });
    expect((await agentRow(T, 'ana')).loadChat).toBe(0);
    await bus.waitAgentMessage(T, 'ana', 'unassigned', c.workItemId);
  });

  it('auto-accept: the agent is assigned at once, no offer', async () => {
    const T = 'auto-accept';
    await tenantWith(T, [{ id: 'otto', autoAccept: true }]);
    const c = await bus.createItem(T, { n: 1 });
    const assigned = await bus.waitEvent(T, c.workItemId, 'assigned');
    expect(assigned).toMatchObject({ agentId: 'otto', autoAccepted: true, offerId: null });
    const msg = await bus.waitAgentMessage(T, 'otto', 'assigned', c.workItemId);
    expect(msg).toMatchObject({
      autoAccepted: true,
      offerId: null,
      workItem: { status: 'assigned', context: c.context },
    });
    expect(bus.events(T, c.workItemId).map((e) => e.data.event)).toEqual(['created', 'queued', 'assigned']);
    expect(bus.messagesFor(T, 'otto').some((m) => m.kind === 'offer')).toBe(false);
    expect(await bus.prisma.offer.count({ where: { workItemId: c.workItemId } })).toBe(0);
  });

  it('first available agent = longest idle (round robin over the queue)', async () => {
    const T = 'longest-idle';
    await tenantWith(T, [
      { id: 'first', chat: 3, autoAccept: true },
      { id: 'second', chat: 3, autoAccept: true },
    ]);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await bus.createItem(T, { n: i });
      got.push((await bus.waitEvent(T, c.workItemId, 'assigned')).agentId);
    }
    expect(got).toEqual(['first', 'second', 'first', 'second']);
  });

  it('decline moves the offer to the next agent; the decliner is skipped for that item', async () => {
    const T = 'decline';
    await tenantWith(T, [{ id: 'dora' }, { id: 'dave' }]);
    const c = await bus.createItem(T, { n: 2 });
    const first = await bus.waitEvent(T, c.workItemId, 'offered');
    expect(first.agentId).toBe('dora');
    await bus.send(
      T,
      {
        command: 'decline',
        workItemId: c.workItemId,
        agentId: 'dora',
        offerId: first.offerId,
        reason: 'on a break',
      },
      c.conversationId,
    );
    await bus.waitEvent(T, c.workItemId, 'offer_declined', (d) => d.agentId === 'dora');
    const revoked = await bus.waitAgentMessage(T, 'dora', 'offer_revoked', c.workItemId);
    expect(revoked).toMatchObject({ offerId: first.offerId, reason: 'declined' });
    const second = await bus.waitEvent(T, c.workItemId, 'offered', (d) => d.agentId === 'dave');
    await bus.waitAgentMessage(T, 'dave', 'offer', c.workItemId);

    // dave declines too: nobody left → waiting, and dora's slot is not refilled with it
    await bus.send(
      T,
      { command: 'decline', workItemId: c.workItemId, agentId: 'dave', offerId: second.offerId },
      c.conversationId,
    );
    await bus.waitEvent(T, c.workItemId, 'offer_declined', (d) => d.agentId === 'dave');
    expect(await bus.workItem(T, c.workItemId)).toMatchObject({ status: 'waiting' });
    expect(bus.events(T, c.workItemId).filter((e) => e.data.event === 'offered')).toHaveLength(2);
    expect((await agentRow(T, 'dora')).loadChat).toBe(0);
    expect((await agentRow(T, 'dave')).loadChat).toBe(0);

    // the exclusion lapses when the agent's presence changes (back at the desk)
    await bus.presence(T, 'dora', 'away');
    await bus.presence(T, 'dora', 'online');
    await bus.waitEvent(
      T,
      c.workItemId,
      'offered',
      (d) => d.agentId === 'dora' && d.offerId !== first.offerId,
    );
  });

  it('an offer expires after the queue offer timeout and moves to the next agent', async () => {
    const T = 'expiry';
    const q = await tenantWith(T, [{ id: 'eve' }, { id: 'ed' }], { offerTimeoutSeconds: 3 });
    const c = await bus.createItem(T, { n: 0 });
    const first = await bus.waitEvent(T, c.workItemId, 'offered');
    expect(first.agentId).toBe('eve');
    // eve's offer keeps its 3 s; later offers (ed's) get 120 s, so the accept below cannot miss a short
    // window on a loaded machine (an offer's deadline is fixed when it is made)
    await bus.http('PATCH', `/v1/queues/${q}`, { tenant: T, body: { offerTimeoutSeconds: 120 } });
    const expired = await bus.waitEvent(T, c.workItemId, 'offer_expired');
    expect(expired).toMatchObject({ offerId: first.offerId, agentId: 'eve' });
    const expiredEnv = bus.events(T, c.workItemId).find((e) => e.data.event === 'offer_expired')!;
    expect(new Date(expiredEnv.occurredAt).getTime()).toBeGreaterThanOrEqual(
      new Date(first.expiresAt).getTime(),
    );
    expect(await bus.waitAgentMessage(T, 'eve', 'offer_revoked', c.workItemId)).toMatchObject({
      reason: 'expired',
    });
    const second = await bus.waitEvent(T, c.workItemId, 'offered', (d) => d.agentId === 'ed');
    expect(second.offerId).not.toBe(first.offerId);
    expect(await bus.prisma.offer.findUniqueOrThrow({ where: { id: first.offerId } })).toMatchObject({
      status: 'expired',
    });
    // an accept after expiry is ignored
    await bus.send(
      T,
      { command: 'accept', workItemId: c.workItemId, agentId: 'eve', offerId: first.offerId },
      c.conversationId,
    );
    await bus.send(
      T,
      { command: 'accept', workItemId: c.workItemId, agentId: 'ed', offerId: second.offerId },
      c.conversationId,
    );
    const assigned = await bus.waitEvent(T, c.workItemId, 'assigned');
    expect(assigned.agentId).toBe('ed');
    expect(bus.events(T, c.workItemId).filter((e) => e.data.event === 'assigned')).toHaveLength(1);
  });

  it('no agent available → waits; offered when an agent comes online (set_presence command)', async () => {
    const T = 'comes-online';
    await tenantWith(T, [{ id: 'owen', online: false }]);
    const c = await bus.createItem(T, { n: 1 });
    await bus.waitEvent(T, c.workItemId, 'queued');
    expect(await bus.workItem(T, c.workItemId)).toMatchObject({ status: 'waiting', agentId: null });

    await bus.send(T, { command: 'set_presence', agentId: 'owen', presence: 'online' });
    const offered = await bus.waitEvent(T, c.workItemId, 'offered');
    expect(offered.agentId).toBe('owen');
    await bus.waitEvent(
      T,
      undefined,
      'agent_presence_changed',
      (d) => d.agentId === 'owen' && d.presence === 'online',
    );
    await bus.waitAgentMessage(T, 'owen', 'presence');
    await bus.waitAgentMessage(T, 'owen', 'offer', c.workItemId);
  });

  it('waiting items are offered by priority then age when capacity frees (complete frees capacity)', async () => {
    const T = 'capacity-frees';
    await tenantWith(T, [{ id: 'cara', chat: 1, autoAccept: true }]);
    const busy = await bus.createItem(T, { n: 0 });
    await bus.waitEvent(T, busy.workItemId, 'assigned');
    const low = await bus.createItem(T, { n: 1, priority: 1 });
    await bus.waitEvent(T, low.workItemId, 'queued');
    const high = await bus.createItem(T, { n: 2, priority: 60 });
    await bus.waitEvent(T, high.workItemId, 'queued');
    const call = await bus.createItem(T, {
      n: 0,
      priority: 99,
      context: { ...busy.context, channel: 'voice' },
    });
    const callAssigned = await bus.waitEvent(T, call.workItemId, 'assigned'); // call capacity is separate
    expect(callAssigned.agentId).toBe('cara');
    expect(await bus.workItem(T, low.workItemId)).toMatchObject({ status: 'waiting' });
    expect(await agentRow(T, 'cara')).toMatchObject({ loadChat: 1, loadCall: 1 });

    await bus.send(
      T,
      { command: 'complete', workItemId: busy.workItemId, agentId: 'cara', wrapUp: {} },
      busy.conversationId,
    );
    await bus.waitEvent(T, busy.workItemId, 'completed');
    expect((await bus.waitEvent(T, high.workItemId, 'assigned')).agentId).toBe('cara');
    expect(await bus.workItem(T, low.workItemId)).toMatchObject({ status: 'waiting' });

    await bus.send(
      T,
      { command: 'complete', workItemId: high.workItemId, agentId: 'cara', wrapUp: {} },
      high.conversationId,
    );
    expect((await bus.waitEvent(T, low.workItemId, 'assigned')).agentId).toBe('cara');
    expect((await agentRow(T, 'cara')).loadChat).toBe(1);
  });

  it('transfer: history recorded, waiting in the new queue, agent cleared, offered to the new queue, context intact', async () => {
    const T = 'transfer';
    const q1 = await tenantWith(T, [{ id: 'tom', autoAccept: true }]);
    const q2 = await bus.queue(T, { name: 'Escalations' });
    await bus.agent(T, { id: 'tina', displayName: 'Tina', queueIds: [q2] }, 'online');
    const c = await bus.createItem(T, { n: 2, priority: 5 });
    await bus.waitEvent(T, c.workItemId, 'assigned', (d) => d.agentId === 'tom');

    await bus.send(
      T,
      {
        command: 'transfer',
        workItemId: c.workItemId,
        toQueueId: q2,
        byAgentId: 'tom',
        reason: 'needs a supervisor',
      },
      c.conversationId,
    );
    const transferred = await bus.waitEvent(T, c.workItemId, 'transferred');
    expect(transferred).toMatchObject({
      fromQueueId: q1,
      toQueueId: q2,
      queueId: q2,
      byAgentId: 'tom',
      reason: 'needs a supervisor',
    });
    expect(await bus.waitAgentMessage(T, 'tom', 'unassigned', c.workItemId)).toMatchObject({
      reason: 'transferred',
    });
    const offered = await bus.waitEvent(T, c.workItemId, 'offered');
    expect(offered).toMatchObject({ agentId: 'tina', queueId: q2 });
    const offer = await bus.waitAgentMessage(T, 'tina', 'offer', c.workItemId);
    expect(offer.workItem).toMatchObject({ queueId: q2, queueName: 'Escalations', priority: 5 });
    expect(offer.workItem.context).toEqual(c.context);

    const w = (await bus.workItem(T, c.workItemId)) as unknown as {
      status: string;
      agentId: string | null;
      queueId: string;
      transfers: Record<string, unknown>[];
      context: unknown;
    };
    expect(w).toMatchObject({ status: 'offered', agentId: null, queueId: q2 });
    expect(w.transfers).toEqual([
      expect.objectContaining({
        fromQueueId: q1,
        toQueueId: q2,
        byAgentId: 'tom',
        fromAgentId: 'tom',
        reason: 'needs a supervisor',
      }),
    ]);
    expect(typeof w.transfers[0].at).toBe('string');
    expect(w.context).toEqual(c.context);
    expect((await agentRow(T, 'tom')).loadChat).toBe(0);

    // only the assigned agent may transfer: someone else's transfer is dead-lettered (forbidden)
    await bus.send(
      T,
      { command: 'accept', workItemId: c.workItemId, agentId: 'tina', offerId: offered.offerId },
      c.conversationId,
    );
    await bus.waitEvent(T, c.workItemId, 'assigned', (d) => d.agentId === 'tina');
    const bad = await bus.send(
      T,
      { command: 'transfer', workItemId: c.workItemId, toQueueId: q1, byAgentId: 'tom' },
      c.conversationId,
    );
    const dl = await waitFor(() => bus.deadLetters().find((d) => d.value.id === bad.id), {
      timeoutMs: 20000,
      what: 'forbidden transfer dead letter',
    });
    expect(dl.reason).toBe('forbidden');
    expect(await bus.workItem(T, c.workItemId)).toMatchObject({
      status: 'assigned',
      agentId: 'tina',
      queueId: q2,
    });
  });

  it('withdraw before accept revokes the offer; withdraw after accept is ignored (accept won)', async () => {
    const T = 'withdraw';
    await tenantWith(T, [{ id: 'wes', chat: 2 }]);
    const before = await bus.createItem(T, { n: 0 });
    const offered = await bus.waitEvent(T, before.workItemId, 'offered');
    await bus.send(
      T,
      { command: 'withdraw', workItemId: before.workItemId, reason: 'timeout' },
      before.conversationId,
    );
    expect(await bus.waitEvent(T, before.workItemId, 'withdrawn')).toMatchObject({ reason: 'timeout' });
    expect(await bus.waitAgentMessage(T, 'wes', 'offer_revoked', before.workItemId)).toMatchObject({
      offerId: offered.offerId,
      reason: 'withdrawn',
    });
    expect(await bus.workItem(T, before.workItemId)).toMatchObject({
      status: 'withdrawn',
      endReason: 'timeout',
    });
    // a late accept loses
    await bus.send(
      T,
      { command: 'accept', workItemId: before.workItemId, agentId: 'wes', offerId: offered.offerId },
      before.conversationId,
    );

    const after = await bus.createItem(T, { n: 1 });
    const o2 = await bus.waitEvent(T, after.workItemId, 'offered');
    await bus.send(
      T,
      { command: 'accept', workItemId: after.workItemId, agentId: 'wes', offerId: o2.offerId },
      after.conversationId,
    );
    await bus.waitEvent(T, after.workItemId, 'assigned');
    await bus.send(
      T,
      { command: 'withdraw', workItemId: after.workItemId, reason: 'timeout' },
      after.conversationId,
    );
    // barrier: a later command on the same key
    await bus.send(
      T,
      { command: 'complete', workItemId: after.workItemId, agentId: 'wes', wrapUp: {} },
      after.conversationId,
    );
    await bus.waitEvent(T, after.workItemId, 'completed');
    expect(bus.events(T, after.workItemId).some((e) => e.data.event === 'withdrawn')).toBe(false);
    expect(bus.events(T, before.workItemId).some((e) => e.data.event === 'assigned')).toBe(false);
    expect((await agentRow(T, 'wes')).loadChat).toBe(0);
  });

  it('withdraw with revokeAssignment takes an assignment back (agent told unassigned, slot freed)', async () => {
    const T = 'revoke';
    await tenantWith(T, [{ id: 'ria', chat: 1 }]);
    const c = await bus.createItem(T, { n: 2 });
    const offered = await bus.waitEvent(T, c.workItemId, 'offered');
    await bus.send(
      T,
      { command: 'accept', workItemId: c.workItemId, agentId: 'ria', offerId: offered.offerId },
      c.conversationId,
    );
    await bus.waitEvent(T, c.workItemId, 'assigned');
    expect((await agentRow(T, 'ria')).loadChat).toBe(1);
    await bus.send(
      T,
      { command: 'withdraw', workItemId: c.workItemId, reason: 'timeout', revokeAssignment: true },
      c.conversationId,
    );
    expect(await bus.waitEvent(T, c.workItemId, 'withdrawn')).toMatchObject({ reason: 'timeout' });
    expect(await bus.waitAgentMessage(T, 'ria', 'unassigned', c.workItemId)).toMatchObject({
      reason: 'withdrawn',
    });
    expect(await bus.workItem(T, c.workItemId)).toMatchObject({ status: 'withdrawn', endReason: 'timeout' });
    expect((await agentRow(T, 'ria')).loadChat).toBe(0);
  });

  it('withdraw of an unknown work item is answered with withdrawn, exactly once, not dead-lettered', async () => {
    const T = 'withdraw-unknown';
    await tenantWith(T);
    const id = randomUUID();
    const conv = `conv-${randomUUID()}`;
    const cmd = await bus.send(T, { command: 'withdraw', workItemId: id, reason: 'timeout' }, conv);
    expect(await bus.waitEvent(T, id, 'withdrawn')).toMatchObject({
      reason: 'timeout',
      conversationId: conv,
      handoffId: null,
      queueId: null,
    });
    await bus.resend(cmd); // redelivery
    const barrier = randomUUID();
    await bus.send(T, { command: 'withdraw', workItemId: barrier, reason: 'withdrawn' }, conv);
    await bus.waitEvent(T, barrier, 'withdrawn');
    expect(bus.events(T, id).filter((e) => e.data.event === 'withdrawn')).toHaveLength(1);
    expect(bus.deadLetters().filter((d) => d.value.id === cmd.id)).toEqual([]);
    expect(await bus.prisma.workItem.findUnique({ where: { id } })).toBeNull();
  });

  it('a create it cannot process (work item id of another tenant) is answered failed(error) once, then dead-lettered', async () => {
    const A = 'collide-a';
    const B = 'collide-b';
    await tenantWith(A);
    await tenantWith(B);
    const ca = await bus.createItem(A, { n: 3 });
    await bus.waitEvent(A, ca.workItemId, 'queued');
    const cmdB = bus.createCommand({ n: 4, workItemId: ca.workItemId });
    const envB = await bus.send(B, cmdB, cmdB.conversationId);
    const failed = await bus.waitEvent(B, ca.workItemId, 'failed');
    expect(failed).toMatchObject({
      reason: 'error',
      handoffId: cmdB.handoffId,
      conversationId: cmdB.conversationId,
      queueId: null,
    });
    expect(failed.detail).toMatch(/another tenant/);
    await waitFor(
      () => bus.deadLetters().find((d) => d.value.id === envB.id && d.reason === 'tenant_mismatch'),
      {
        what: 'colliding create dead-lettered',
      },
    );
    await bus.resend(envB); // redelivery: no second failed event
    const barrier = await bus.createItem(B, { n: 5, conversationId: cmdB.conversationId });
    await bus.waitEvent(B, barrier.workItemId, 'queued');
    expect(bus.events(B, ca.workItemId).filter((e) => e.data.event === 'failed')).toHaveLength(1);
    // A's item is untouched and nothing about it was announced to B
    expect(await bus.workItem(A, ca.workItemId)).toMatchObject({
      handoffId: ca.handoffId,
      status: 'waiting',
    });
    expect(bus.events(B, ca.workItemId).map((e) => e.data.event)).toEqual(['failed']);
  });

  it("tenant isolation: tenant A's commands cannot read, offer, accept or transfer tenant B's items", async () => {
    const A = 'tenant-a';
    const B = 'tenant-b';
    const qa = await tenantWith(A, [{ id: 'alice', online: false }]);
    const qb = await tenantWith(B, [{ id: 'bob' }]);
    const cb = await bus.createItem(B, { n: 0, routing: { queue_id: qb } });
    const offerB = await bus.waitEvent(B, cb.workItemId, 'offered');

    const attacks = [
      await bus.send(
        A,
        { command: 'accept', workItemId: cb.workItemId, agentId: 'bob', offerId: offerB.offerId },
        cb.conversationId,
      ),
      await bus.send(A, { command: 'set_presence', agentId: 'alice', presence: 'online' }), // legit, A's own
      await bus.send(
        A,
        { command: 'accept', workItemId: cb.workItemId, agentId: 'alice' },
        cb.conversationId,
      ),
      await bus.send(
        A,
        { command: 'decline', workItemId: cb.workItemId, agentId: 'alice' },
        cb.conversationId,
      ),
      await bus.send(
        A,
        { command: 'transfer', workItemId: cb.workItemId, toQueueId: qa, byAgentId: 'alice' },
        cb.conversationId,
      ),
      await bus.send(
        A,
        { command: 'complete', workItemId: cb.workItemId, agentId: 'alice', wrapUp: {} },
        cb.conversationId,
      ),
      await bus.send(A, { command: 'set_presence', agentId: 'bob', presence: 'offline' }),
      await bus.send(A, bus.createCommand({ workItemId: cb.workItemId }), cb.conversationId),
    ].filter((e) => !(e.data.command === 'set_presence' && e.data.agentId === 'alice'));
    // A withdraw naming B's item: A has no such item, so it is answered (for A) as withdrawn — B's
    // item is not touched (checked below).
    await bus.send(
      A,
      { command: 'withdraw', workItemId: cb.workItemId, reason: 'withdrawn', revokeAssignment: true },
      cb.conversationId,
    );

    const dls = await waitFor(
      () => {
        const got = bus.deadLetters().filter((d) => attacks.some((a) => a.id === d.value.id));
        return got.length === attacks.length ? got : null;
      },
      { timeoutMs: 30000, what: 'all cross-tenant commands dead-lettered' },
    );
    expect(new Set(dls.map((d) => d.reason))).toEqual(new Set(['not_found', 'tenant_mismatch']));
    // A's answers name only what A sent: the colliding create fails (error) for A, the withdraw is
    // answered for A; neither carries anything of B's item (no queue, handoff of A's command).
    expect(await bus.waitEvent(A, cb.workItemId, 'withdrawn')).toMatchObject({
      queueId: null,
      handoffId: null,
    });
    const failedA = await bus.waitEvent(A, cb.workItemId, 'failed');
    expect(failedA).toMatchObject({ reason: 'error', queueId: null });
    expect(failedA.handoffId).not.toBe(cb.handoffId);

    // A's create naming B's queue id lands in A's own default queue
    const ca = await bus.createItem(A, { n: 1, routing: { queue_id: qb } });
    expect(await bus.waitEvent(A, ca.workItemId, 'offered')).toMatchObject({ queueId: qa, agentId: 'alice' });

    // B's item is untouched: same live offer, same agent, bob still online and holding it
    expect(await bus.workItem(B, cb.workItemId)).toMatchObject({ status: 'offered', queueId: qb });
    expect(await bus.prisma.offer.findUniqueOrThrow({ where: { id: offerB.offerId } })).toMatchObject({
      status: 'live',
    });
    expect(await agentRow(B, 'bob')).toMatchObject({ presence: 'online', loadChat: 1 });
    expect(
      bus
        .events(B)
        .filter(
          (e) =>
            e.data.event !== 'created' &&
            e.data.event !== 'queued' &&
            e.data.event !== 'offered' &&
            e.data.event !== 'agent_presence_changed',
        ),
    ).toEqual([]);
    expect(bus.messagesFor(A, 'bob')).toEqual([]);
    expect(bus.messagesFor(B, 'alice')).toEqual([]);
    expect(bus.messagesFor(A, 'alice').map(workItemIdOf)).not.toContain(cb.workItemId);

    // and the admin API of A sees none of B's records
    expect((await bus.http('GET', `/v1/work-items/${cb.workItemId}`, { tenant: A })).status).toBe(404);
    expect((await bus.http('GET', '/v1/agents/bob', { tenant: A })).status).toBe(404);
    expect((await bus.http('GET', `/v1/queues/${qb}`, { tenant: A })).status).toBe(404);
    expect((await bus.http('PATCH', `/v1/queues/${qb}`, { tenant: A, body: { active: false } })).status).toBe(
      404,
    );
    expect(
      (await bus.http('PUT', '/v1/agents/bob/presence', { tenant: A, body: { presence: 'offline' } })).status,
    ).toBe(404);
    const listA = await bus.http<{ id: string }[]>('GET', '/v1/work-items', { tenant: A });
    expect(listA.body.map((w) => w.id)).toEqual([ca.workItemId]);
    expect(
      (
        await bus.http('POST', '/v1/agents', {
          tenant: A,
          body: { id: 'mallory', displayName: 'M', queueIds: [qb] },
        })
      ).status,
    ).toBe(422);
  });
});
