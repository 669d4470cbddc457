import type { INestApplication } from '@nestjs/common';
import type { AgentChannelMessage } from '@hub/contracts';
import { waitFor } from '@hub/testing';
import { RouterTestBus, startInProcess, workItemIdOf } from './support/harness';

/**
 * "Not responding": an agent who lets `ROUTER_MISSED_OFFERS_BEFORE_AWAY` offers expire in a row is
 * set away by the router (event on `hub.workitem.events.v1` with `reason: missed_offers`, `presence`
 * message on its Redis channel, admin API), so the next work items go to agents at the desk. An
 * accept, a decline or a presence change ends the run; 0 turns it off.
 *
 * Each tenant has a queue "Short" (offers expire after 1 s) for the offers the agent lets expire and
 * its default queue (30 s) for the offers it answers, and for the probe "is the agent still offered
 * work?" at the end.
 */
describe('work-item-router: agents who let offers expire in a row go away (threshold 2)', () => {
  let bus: RouterTestBus;
  let app: INestApplication;

  beforeAll(async () => {
    bus = await RouterTestBus.create();
    ({ app, base: bus.base } = await startInProcess(bus, { ROUTER_MISSED_OFFERS_BEFORE_AWAY: '2' }));
  }, 120000);

  afterAll(async () => {
    await app?.close();
    await bus?.close();
  });

  it('two expiries in a row: the agent goes away (API, event with the reason, channel), work goes elsewhere', async () => {
    const T = 'miss-away';
    const { short } = await tenantWithMia(bus, T);
    await bus.agent(T, {
      id: 'max',
      displayName: 'Max',
      queueIds: [short],
      capacity: { chat: 5, call: 1 },
      autoAccept: true,
    }); // offline for now

    const a = await missOne(bus, T, 0);
    expect(await agentView(bus, T, 'mia')).toMatchObject({ presence: 'online', missedOffers: 1 });
    expect(presenceEvents(bus, T, 'mia').filter((e) => e.presence === 'away')).toEqual([]);

    const b = await missOne(bus, T, 1);
    const away = await bus.waitEvent(
      T,
      undefined,
      'agent_presence_changed',
      (d) => d.agentId === 'mia' && d.presence === 'away',
    );
    expect(away).toEqual({
      event: 'agent_presence_changed',
      agentId: 'mia',
      presence: 'away',
      reason: 'missed_offers',
    });
    const awayEnv = bus
      .events(T)
      .find((e) => e.data.event === 'agent_presence_changed' && e.data.presence === 'away');
    expect(awayEnv?.correlationId).toBe('agent:mia'); // keyed by agent, like every presence event
    expect(await waitPresenceMessage(bus, T, 'mia', 'away')).toMatchObject({ reason: 'missed_offers' });
    // the change committed with the expiry: the admin API shows it, the run was ended by it
    expect(await agentView(bus, T, 'mia')).toMatchObject({
      presence: 'away',
      missedOffers: 0,
      load: { chat: 0, call: 0 },
    });
    expect(await bus.workItem(T, a.workItemId)).toMatchObject({ status: 'waiting' });
    expect(await bus.workItem(T, b.workItemId)).toMatchObject({ status: 'waiting' });

    // the waiting items and the next one go to an agent at the desk, not to mia
    await bus.send(T, { command: 'set_presence', agentId: 'max', presence: 'online' });
    await bus.waitEvent(T, a.workItemId, 'assigned', (d) => d.agentId === 'max');
    await bus.waitEvent(T, b.workItemId, 'assigned', (d) => d.agentId === 'max');
    const c = await bus.createItem(T, { n: 2, routing: { queue: 'Short' } });
    await bus.waitEvent(T, c.workItemId, 'assigned', (d) => d.agentId === 'max');
    expect(offersTo(bus, T, 'mia')).toEqual([a.workItemId, b.workItemId]);
    expect(presenceEvents(bus, T, 'mia')).toEqual([
      { presence: 'online' },
      { presence: 'away', reason: 'missed_offers' },
    ]);
  });

  it('an accept between two expiries ends the run: expiry, accept, expiry → still online', async () => {
    const T = 'miss-accept';
    await tenantWithMia(bus, T);
    await missOne(bus, T, 0);
    expect(await agentView(bus, T, 'mia')).toMatchObject({ missedOffers: 1 });

    const b = await bus.createItem(T, { n: 1 }); // default queue: 30 s to answer
    const offerB = await bus.waitEvent(T, b.workItemId, 'offered', (d) => d.agentId === 'mia');
    await bus.send(
      T,
      { command: 'accept', workItemId: b.workItemId, agentId: 'mia', offerId: offerB.offerId },
      b.conversationId,
    );
    await bus.waitEvent(T, b.workItemId, 'assigned', (d) => d.agentId === 'mia');
    expect(await agentView(bus, T, 'mia')).toMatchObject({ missedOffers: 0 });
    await bus.send(
      T,
      { command: 'complete', workItemId: b.workItemId, agentId: 'mia', wrapUp: {} },
      b.conversationId,
    ); // frees mia's only slot for the next offer
    await bus.waitEvent(T, b.workItemId, 'completed');

    await missOne(bus, T, 2);
    await expectStillOnline(bus, T, 'mia', 1);
  });

  it('a decline is not a miss and ends the run: expiry, decline, expiry → still online', async () => {
    const T = 'miss-decline';
    await tenantWithMia(bus, T);
    await missOne(bus, T, 0);

    const b = await bus.createItem(T, { n: 1 });
    const offerB = await bus.waitEvent(T, b.workItemId, 'offered', (d) => d.agentId === 'mia');
    await bus.send(
      T,
      { command: 'decline', workItemId: b.workItemId, agentId: 'mia', offerId: offerB.offerId },
      b.conversationId,
    );
    await bus.waitEvent(T, b.workItemId, 'offer_declined', (d) => d.agentId === 'mia');
    expect(await agentView(bus, T, 'mia')).toMatchObject({ presence: 'online', missedOffers: 0 });

    await missOne(bus, T, 2);
    await expectStillOnline(bus, T, 'mia', 1);
  });

  it("the agent's own presence change ends the run: expiry, away + online, expiry → still online", async () => {
    const T = 'miss-presence';
    await tenantWithMia(bus, T);
    const a = await missOne(bus, T, 0);
    // the missed item leaves (else it would be offered to mia again when she comes back online)
    await bus.send(
      T,
      { command: 'withdraw', workItemId: a.workItemId, reason: 'withdrawn' },
      a.conversationId,
    );
    await bus.waitEvent(T, a.workItemId, 'withdrawn');

    await bus.send(T, { command: 'set_presence', agentId: 'mia', presence: 'away' });
    await bus.send(T, { command: 'set_presence', agentId: 'mia', presence: 'online' });
    await waitFor(
      () => presenceEvents(bus, T, 'mia').length === 3 || null, // online (setup), away, online
      { timeoutMs: 20000, what: "mia's away and online" },
    );
    expect(await agentView(bus, T, 'mia')).toMatchObject({ presence: 'online', missedOffers: 0 });

    await missOne(bus, T, 1);
    await expectStillOnline(bus, T, 'mia', 1);
  });
});

describe('work-item-router: ROUTER_MISSED_OFFERS_BEFORE_AWAY=0 turns the automatic away off', () => {
  let bus: RouterTestBus;
  let app: INestApplication;

  beforeAll(async () => {
    bus = await RouterTestBus.create();
    ({ app, base: bus.base } = await startInProcess(bus, { ROUTER_MISSED_OFFERS_BEFORE_AWAY: '0' }));
  }, 120000);

  afterAll(async () => {
    await app?.close();
    await bus?.close();
  });

  it('three expiries in a row: the agent stays online and keeps being offered work (the run is still counted)', async () => {
    const T = 'miss-off';
    await tenantWithMia(bus, T);
    await missOne(bus, T, 0);
    await missOne(bus, T, 1);
    await missOne(bus, T, 2);
    await expectStillOnline(bus, T, 'mia', 3);
  });
});

/**
 * A tenant with queue "Short" (1 s offer timeout) besides its default queue (30 s), and agent mia,
 * online, member of both, one chat slot.
 */
async function tenantWithMia(
  bus: RouterTestBus,
  T: string,
): Promise<{ defaultQueue: string; short: string }> {
  const defaultQueue = await bus.tenant(T);
  const short = await bus.queue(T, { name: 'Short', offerTimeoutSeconds: 1 });
  await bus.agent(
    T,
    { id: 'mia', displayName: 'Mia', queueIds: [defaultQueue, short], capacity: { chat: 1, call: 1 } },
    'online',
  );
  return { defaultQueue, short };
}

/** Creates an item in "Short", waits until it is offered to mia and her offer expired. @returns the create command */
async function missOne(bus: RouterTestBus, T: string, n: number) {
  const c = await bus.createItem(T, { n, routing: { queue: 'Short' } });
  const offered = await bus.waitEvent(T, c.workItemId, 'offered', (d) => d.agentId === 'mia');
  await bus.waitEvent(T, c.workItemId, 'offer_expired', (d) => d.offerId === offered.offerId);
  return c;
}

/**
 * Asserts the agent was not set away: after its last miss committed (its `offer_expired` was seen),
 * the row is online with `run` misses, a new item of the default queue is offered to it, and no
 * automatic presence change was announced.
 */
async function expectStillOnline(bus: RouterTestBus, T: string, agentId: string, run: number): Promise<void> {
  expect(await agentView(bus, T, agentId)).toMatchObject({ presence: 'online', missedOffers: run });
  const probe = await bus.createItem(T, { n: 5 });
  await bus.waitEvent(T, probe.workItemId, 'offered', (d) => d.agentId === agentId);
  await bus.waitAgentMessage(T, agentId, 'offer', probe.workItemId);
  // the router's own changes carry a reason (the agent's own ones do not)
  expect(presenceEvents(bus, T, agentId).filter((e) => e.reason !== undefined)).toEqual([]);
  expect(presenceMessages(bus, T, agentId).filter((m) => m.reason !== undefined)).toEqual([]);
}

/** GET /v1/agents/:id body. */
async function agentView(bus: RouterTestBus, T: string, id: string) {
  const r = await bus.http('GET', `/v1/agents/${id}`, { tenant: T });
  expect(r.status).toBe(200);
  return r.body;
}

/** The agent's `agent_presence_changed` events seen on Kafka, in order (presence and reason). */
function presenceEvents(bus: RouterTestBus, T: string, agentId: string) {
  return bus
    .events(T)
    .map((e) => e.data)
    .flatMap((d) =>
      d.event === 'agent_presence_changed' && d.agentId === agentId
        ? [{ presence: d.presence, ...(d.reason ? { reason: d.reason } : {}) }]
        : [],
    );
}

/** `presence` messages on the agent's Redis channel. */
function presenceMessages(bus: RouterTestBus, T: string, agentId: string) {
  return bus
    .messagesFor(T, agentId)
    .filter((m): m is Extract<AgentChannelMessage, { kind: 'presence' }> => m.kind === 'presence');
}

/** Waits for a `presence` message with this presence on the agent's channel. */
function waitPresenceMessage(bus: RouterTestBus, T: string, agentId: string, presence: string) {
  return waitFor(() => presenceMessages(bus, T, agentId).find((m) => m.presence === presence), {
    timeoutMs: 20000,
    what: `presence ${presence} on ${agentId}'s channel`,
  });
}

/** Work items offered to the agent on its channel, in order. */
function offersTo(bus: RouterTestBus, T: string, agentId: string): (string | undefined)[] {
  return bus
    .messagesFor(T, agentId)
    .filter((m) => m.kind === 'offer')
    .map(workItemIdOf);
}
