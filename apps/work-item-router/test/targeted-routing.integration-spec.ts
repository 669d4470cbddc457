import type { INestApplication } from '@nestjs/common';
import { RouterTestBus, startInProcess, workItemIdOf } from './support/harness';

/**
 * Targeted routing (docs/routing.md "Targeted routing"): a work item naming `routing.agent_id` is offered
 * only to that agent while it is online with a free slot; after `routing.agent_wait_ms` (default
 * `ROUTER_TARGET_AGENT_WAIT_MS`) it falls back to the whole queue; a decline / expiry of the targeted
 * offer falls back at once; `agent_strict` never falls back. Real PostgreSQL, Kafka and Redis; the router
 * in-process.
 *
 * Every tenant has two agents in its default queue: ann (online first: longest idle, so she would get
 * every item without targeting) and bob (the target).
 */
describe('work-item-router: targeted routing (routing.agent_id)', () => {
  let bus: RouterTestBus;
  let app: INestApplication;

  beforeAll(async () => {
    bus = await RouterTestBus.create();
    ({ app, base: bus.base } = await startInProcess(bus, { ROUTER_TARGET_AGENT_WAIT_MS: '60000' }));
  }, 120000);

  afterAll(async () => {
    await app?.close();
    await bus?.close();
  });

  /** The tenant, ann and bob (1 chat slot each) in its default queue, with the given presences (ann first). */
  async function team(T: string, ann: 'online' | 'offline', bobPresence: 'online' | 'offline') {
    const q = await bus.tenant(T);
    await bus.agent(T, { id: 'ann', displayName: 'Ann', queueIds: [q], capacity: { chat: 1, call: 1 } }, ann);
    await new Promise((r) => setTimeout(r, 20)); // ann longest idle
    await bus.agent(
      T,
      { id: 'bob', displayName: 'Bob', queueIds: [q], capacity: { chat: 1, call: 1 } },
      bobPresence,
    );
    return q;
  }

  function offeredTo(T: string, agentId: string): (string | undefined)[] {
    return bus
      .messagesFor(T, agentId)
      .filter((m) => m.kind === 'offer')
      .map(workItemIdOf);
  }

  it('both online: the item goes to the named agent (not the longest idle one) and is assigned on accept', async () => {
    const T = 'target-online';
    await team(T, 'online', 'online');
    // control: without a target ann (longest idle) gets it
    const control = await bus.createItem(T, { n: 0 });
    await bus.waitEvent(T, control.workItemId, 'offered', (d) => d.agentId === 'ann');

    const c = await bus.createItem(T, { n: 1, routing: { agent_id: 'bob' } });
    const offered = await bus.waitEvent(T, c.workItemId, 'offered');
    expect(offered.agentId).toBe('bob');
    const msg = await bus.waitAgentMessage(T, 'bob', 'offer', c.workItemId);
    expect(msg.workItem.context.transcript.length).toBeGreaterThan(0);
    await bus.send(
      T,
      { command: 'accept', workItemId: c.workItemId, agentId: 'bob', offerId: offered.offerId },
      c.conversationId,
    );
    await bus.waitEvent(T, c.workItemId, 'assigned', (d) => d.agentId === 'bob');
    expect(offeredTo(T, 'ann')).toEqual([control.workItemId]);
    expect(await bus.workItem(T, c.workItemId)).toMatchObject({ status: 'assigned', agentId: 'bob' });
  });

  it('named agent offline: no one else is offered it during the wait (not even an agent coming online), then the queue takes it', async () => {
    const T = 'target-fallback';
    await team(T, 'offline', 'offline');
    const created = Date.now();
    const c = await bus.createItem(T, { n: 2, routing: { agent_id: 'bob', agent_wait_ms: 5000 } });
    await bus.waitEvent(T, c.workItemId, 'queued');
    await bus.presence(T, 'ann', 'online'); // ann's free slot is filled from the queue — but not with bob's item
    expect(await bus.workItem(T, c.workItemId)).toMatchObject({ status: 'waiting', agentId: null });

    // the offer to ann (online since just after the create) comes only once the 5 s wait ran out
    const offered = await bus.waitEvent(T, c.workItemId, 'offered', undefined, 30000);
    expect(offered.agentId).toBe('ann');
    expect(Date.now() - created).toBeGreaterThanOrEqual(5000);
    await bus.waitAgentMessage(T, 'ann', 'offer', c.workItemId);
    expect(offeredTo(T, 'bob')).toEqual([]);
  });

  it('named agent comes online within the wait: it gets the item', async () => {
    const T = 'target-late';
    await team(T, 'online', 'offline');
    const c = await bus.createItem(T, { n: 3, routing: { agent_id: 'bob', agent_wait_ms: 30000 } });
    await bus.waitEvent(T, c.workItemId, 'queued');
    await new Promise((r) => setTimeout(r, 500));
    expect(offeredTo(T, 'ann')).toEqual([]);
    await bus.presence(T, 'bob', 'online');
    const offered = await bus.waitEvent(T, c.workItemId, 'offered');
    expect(offered.agentId).toBe('bob');
  });

  it('named agent at capacity: the item waits for its free slot, not for another agent', async () => {
    const T = 'target-full';
    await team(T, 'online', 'online');
    const busy = await bus.createItem(T, { n: 4, routing: { agent_id: 'bob' } });
    const o1 = await bus.waitEvent(T, busy.workItemId, 'offered', (d) => d.agentId === 'bob');
    const c = await bus.createItem(T, { n: 5, routing: { agent_id: 'bob' } });
    await bus.waitEvent(T, c.workItemId, 'queued');
    await new Promise((r) => setTimeout(r, 500));
    expect(offeredTo(T, 'ann')).toEqual([]);
    // bob accepts and completes the first: his slot goes to the targeted item
    await bus.send(
      T,
      { command: 'accept', workItemId: busy.workItemId, agentId: 'bob', offerId: o1.offerId },
      busy.conversationId,
    );
    await bus.waitEvent(T, busy.workItemId, 'assigned');
    await bus.send(
      T,
      { command: 'complete', workItemId: busy.workItemId, agentId: 'bob', wrapUp: {} },
      busy.conversationId,
    );
    const offered = await bus.waitEvent(T, c.workItemId, 'offered');
    expect(offered.agentId).toBe('bob');
    expect(offeredTo(T, 'ann')).toEqual([]);
    const bobView = await bus.http('GET', '/v1/agents/bob', { tenant: T });
    expect(bobView.body).toMatchObject({ load: { chat: 1 } }); // capacity 1 never exceeded
  });

  it('named agent declines: the item falls back to the queue at once (long wait notwithstanding)', async () => {
    const T = 'target-decline';
    await team(T, 'online', 'online');
    const c = await bus.createItem(T, { n: 6, routing: { agent_id: 'bob', agent_wait_ms: 60000 } });
    const offered = await bus.waitEvent(T, c.workItemId, 'offered', (d) => d.agentId === 'bob');
    await bus.send(
      T,
      { command: 'decline', workItemId: c.workItemId, agentId: 'bob', offerId: offered.offerId },
      c.conversationId,
    );
    const next = await bus.waitEvent(T, c.workItemId, 'offered', (d) => d.offerId !== offered.offerId, 10000);
    expect(next.agentId).toBe('ann');
  });

  it('strict: no fallback after the wait; offered when the named agent comes online', async () => {
    const T = 'target-strict';
    await team(T, 'online', 'offline');
    const c = await bus.createItem(T, {
      n: 7,
      routing: { agent_id: 'bob', agent_wait_ms: 300, agent_strict: true },
    });
    await bus.waitEvent(T, c.workItemId, 'queued');
    await new Promise((r) => setTimeout(r, 2000));
    expect(offeredTo(T, 'ann')).toEqual([]);
    expect(await bus.workItem(T, c.workItemId)).toMatchObject({ status: 'waiting' });
    await bus.presence(T, 'bob', 'online');
    const offered = await bus.waitEvent(T, c.workItemId, 'offered');
    expect(offered.agentId).toBe('bob');
  });

  it('the default wait comes from ROUTER_TARGET_AGENT_WAIT_MS (60 s here): still targeted after 2 s', async () => {
    const T = 'target-default';
    await team(T, 'online', 'offline');
    const c = await bus.createItem(T, { n: 8, routing: { agent_id: 'bob' } });
    await bus.waitEvent(T, c.workItemId, 'queued');
    await new Promise((r) => setTimeout(r, 2000));
    expect(offeredTo(T, 'ann')).toEqual([]);
    const row = await bus.workItem(T, c.workItemId);
    expect(row).toMatchObject({ status: 'waiting', routing: { agent_id: 'bob' } });
  });
});
