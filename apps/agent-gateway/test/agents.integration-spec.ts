import { randomUUID } from 'node:crypto';
import { RealtimeChannels, type AgentChannelMessage } from '@hub/contracts';
import {
  collect,
  emitAck,
  probed,
  sampleContext,
  seedWorkItem,
  startHarness,
  waitFor,
  type GatewayHarness,
} from './support/gateway-harness';

type Cmd = {
  tenantId: string;
  data: { command: string; agentId?: string; workItemId?: string; presence?: string; offerId?: string };
};

describe('agent-gateway: auth, presence, offers, resync, commands, isolation', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startHarness();
  }, 90_000);
  afterAll(async () => {
    await h?.close();
  }, 30_000);

  describe('JWT', () => {
    const get = (token?: string) =>
      fetch(`${h.baseUrl}/v1/agent/me`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    it('accepts a valid token and exposes tenant and agent from the claims', async () => {
      const res = await get(await h.token('acme', 'agent-1'));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ tenantId: 'acme', agentId: 'agent-1' });
      const s = await h.connect(await h.token('acme', 'agent-1'));
      expect(s.connected).toBe(true);
    });

    it('rejects a token signed with another secret, an expired one, and missing claims', async () => {
      const wrong = await h.token('acme', 'agent-1', { secret: 'another-secret-0123456789-abcdefghijkl' });
      const r1 = await get(wrong);
      expect(r1.status).toBe(401);
      expect((await r1.json()).message).toMatch(/signature/);

      const { SignJWT } = await import('jose');
      const key = new TextEncoder().encode(h.config.AGENT_JWT_SECRET);
      const expired = await new SignJWT({ tid: 'acme' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('engagement-hub')
        .setAudience('agent-gateway')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
        .setSubject('agent-1')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(key);
      const r2 = await get(expired);
      expect(r2.status).toBe(401);
      expect((await r2.json()).message).toMatch(/expired/);

      const noTenant = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('engagement-hub')
        .setAudience('agent-gateway')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
        .setSubject('agent-1')
        .setExpirationTime('1h')
        .sign(key);
      const r3 = await get(noTenant);
      expect(r3.status).toBe(401);
      expect((await r3.json()).message).toMatch(/tid/);

      const noSub = await new SignJWT({ tid: 'acme' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('engagement-hub')
        .setAudience('agent-gateway')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
        .setExpirationTime('1h')
        .sign(key);
      expect((await get(noSub)).status).toBe(401);
      expect((await get()).status).toBe(401);

      await expect(h.connect(wrong)).rejects.toThrow(/signature/);
      await expect(h.connect(expired)).rejects.toThrow(/expired/);
      await expect(h.connect(noTenant)).rejects.toThrow(/tid/);
    });

    it('closes the Socket.IO connection when its token expires', async () => {
      const token = await h.token('acme', 'agent-exp', { ttlSeconds: 2 });
      const socket = await h.connect(token);
      expect(socket.connected).toBe(true);
      const reason = await new Promise<string>((resolve) => socket.once('disconnect', (r) => resolve(r)));
      expect(reason).toBe('io server disconnect');
      expect(socket.connected).toBe(false);
    });
  });

  it('publishes presence as a set_presence command with tenant and agent from the token', async () => {
    const s = await h.connect(await h.token('acme', 'agent-presence'));
    // The client cannot choose the agent: extra fields are ignored, the token's identity is used.
    const ack = await emitAck(s, 'presence:set', { presence: 'online', agentId: 'someone-else' });
    expect(ack).toEqual({ ok: true });
    const cmd = await waitFor(
      () => probed<Cmd>(h, 'hub.workitem.commands.v1').find((c) => c.data.agentId === 'agent-presence'),
      { what: 'set_presence command' },
    );
    expect(cmd).toMatchObject({ tenantId: 'acme', data: { command: 'set_presence', presence: 'online' } });
    expect(probed<Cmd>(h, 'hub.workitem.commands.v1').some((c) => c.data.agentId === 'someone-else')).toBe(
      false,
    );

    const bad = await emitAck(s, 'presence:set', { presence: 'busy' });
    expect(bad).toMatchObject({ ok: false, code: 'invalid' });
    expect(bad.error).toMatch(/^presence:/);
  });

  it('pushes an offer from Redis to the agent once, even when the relay delivers it twice', async () => {
    const s = await h.connect(await h.token('acme', 'agent-offer'));
    const other = await h.connect(await h.token('acme', 'agent-other'));
    const events = collect<AgentChannelMessage>(s, 'agent:event');
    const otherEvents = collect<AgentChannelMessage>(other, 'agent:event');
    const msg: AgentChannelMessage = {
      kind: 'offer',
      eventId: randomUUID(),
      offerId: randomUUID(),
      expiresAt: new Date(Date.now() + 30_000).toISOString(),
      workItem: {
        workItemId: randomUUID(),
        conversationId: 'conv-offer-1',
        queueId: randomUUID(),
        queueName: 'Returns',
        type: 'chat',
        status: 'offered',
        priority: 0,
        context: sampleContext(),
        createdAt: new Date().toISOString(),
      },
    };
    await h.bus.publish(RealtimeChannels.agent, ['acme', 'agent-offer'], msg);
    await h.bus.publish(RealtimeChannels.agent, ['acme', 'agent-offer'], msg); // at-least-once duplicate
    const second = { ...msg, eventId: randomUUID(), offerId: randomUUID() };
    await h.bus.publish(RealtimeChannels.agent, ['acme', 'agent-offer'], second);
    await waitFor(() => events.length >= 2, { what: 'two offers' });
    // Same tenant, other agent; and another tenant's agent with the same id: neither receives it.
    await h.bus.publish(RealtimeChannels.agent, ['other-co', 'agent-offer'], {
      ...msg,
      eventId: randomUUID(),
    });
    await waitFor(async () => {
      // a marker published after everything else proves the earlier messages were processed
      await h.bus.publish(RealtimeChannels.agent, ['acme', 'agent-offer'], {
        kind: 'presence',
        eventId: randomUUID(),
        presence: 'online',
      });
      return events.some((e) => e.kind === 'presence');
    });
    const offers = events.filter((e) => e.kind === 'offer');
    expect(offers.map((e) => e.eventId)).toEqual([msg.eventId, second.eventId]);
    expect(offers[0]).toMatchObject({ workItem: { context: { intent: 'return_size' } } });
    expect(otherEvents).toHaveLength(0);
  });

  it("resynchronises every connected agent after the gateway's Redis subscriber reconnects (offers made meanwhile arrive)", async () => {
    const token = await h.token('acme', 'agent-outage');
    const s = await h.connect(token);
    await waitFor(() => s.syncs[0], { what: 'sync on connect' });
    expect(s.syncs[0].offers).toEqual([]);
    // Kill the gateway's subscriber connection; the offer below is made "during the outage" and its Redis
    // message (never published here) would be lost anyway: only a resync from PostgreSQL brings it.
    const name = `${h.world.redisNamespace.replace(/[^a-zA-Z0-9]/g, '_')}sub`;
    const list = (await h.bus.publisher.call('CLIENT', 'LIST')) as string;
    const id = list
      .split('\n')
      .find((l) => l.includes(` name=${name} `))
      ?.match(/id=(\d+)/)?.[1];
    expect(id).toBeDefined();
    const offered = await seedWorkItem(h.prisma, {
      tenantId: 'acme',
      agentId: 'agent-outage',
      state: 'offered',
    });
    await h.bus.publisher.call('CLIENT', 'KILL', 'ID', id!);
    const resync = await waitFor(() => s.syncs[1], { what: 'resync after the subscriber reconnected' });
    expect(resync.offers.map((o) => o.offerId)).toEqual([offered.offerId]);
    // …and the re-subscribed relay delivers live events again
    const msg: AgentChannelMessage = { kind: 'presence', eventId: randomUUID(), presence: 'away' };
    const events = collect<AgentChannelMessage>(s, 'agent:event');
    await waitFor(
      async () => {
        await h.bus.publish(RealtimeChannels.agent, ['acme', 'agent-outage'], msg);
        return events.length > 0;
      },
      { what: 'live event after re-subscription', intervalMs: 200 },
    );
    expect(events[0]).toEqual(msg);
  });

  it('re-sends live offers and assigned work items from PostgreSQL on connect and reconnect', async () => {
    const offered = await seedWorkItem(h.prisma, {
      tenantId: 'acme',
      agentId: 'agent-sync',
      state: 'offered',
    });
    const assigned = await seedWorkItem(h.prisma, {
      tenantId: 'acme',
      agentId: 'agent-sync',
      state: 'assigned',
    });
    await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-else', state: 'offered' });
    const token = await h.token('acme', 'agent-sync');

    const first = await h.connect(token);
    const sync1 = await waitFor(() => first.syncs[0], { what: 'sync' });
    first.disconnect();
    // While disconnected, the router assigns the offered item (Redis message lost); reconnect sees it.
    await h.prisma.offer.update({ where: { id: offered.offerId! }, data: { status: 'accepted' } });
    await h.prisma.workItem.update({
      where: { id: offered.workItemId },
      data: { status: 'assigned', agentId: 'agent-sync' },
    });
    // …and sets the agent away (e.g. missed offers): the reconnecting desktop learns it from the sync
    await h.prisma.agent.update({
      where: { tenantId_id: { tenantId: 'acme', id: 'agent-sync' } },
      data: { presence: 'away' },
    });
    const second = await h.connect(token);
    const sync2 = await waitFor(() => second.syncs[0], { what: 'sync after reconnect' });

    expect(sync1.offers.map((o) => o.offerId)).toEqual([offered.offerId]);
    expect(sync1.offers[0].workItem.context.contact.name).toBe('Crystal Minh');
    expect(sync1.assigned.map((w) => w.workItemId)).toEqual([assigned.workItemId]);
    expect(sync1.presence).toBe('online');
    expect(sync2.presence).toBe('away');
    expect(sync2.offers).toEqual([]);
    expect(sync2.assigned.map((w) => w.workItemId).sort()).toEqual(
      [assigned.workItemId, offered.workItemId].sort(),
    );
  });

  it('sends accept and decline for live offers only, as commands keyed by the conversation', async () => {
    const a = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-acc', state: 'offered' });
    const d = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-acc', state: 'offered' });
    const s = await h.connect(await h.token('acme', 'agent-acc'));
    const ackA = await emitAck<{ ok: boolean; commandId: string }>(s, 'offer:accept', {
      workItemId: a.workItemId,
      offerId: a.offerId,
    });
    const ackD = await emitAck(s, 'offer:decline', { workItemId: d.workItemId, reason: 'on a break' });
    expect(ackA.ok).toBe(true);
    expect(ackD.ok).toBe(true);
    const cmds = await waitFor(() => {
      const c = probed<Cmd & { correlationId: string }>(h, 'hub.workitem.commands.v1').filter(
        (x) => x.data.agentId === 'agent-acc',
      );
      return c.length >= 2 ? c : null;
    });
    expect(cmds.find((c) => c.data.command === 'accept')).toMatchObject({
      tenantId: 'acme',
      correlationId: a.conversationId,
      data: { workItemId: a.workItemId, offerId: a.offerId },
    });
    expect(cmds.find((c) => c.data.command === 'decline')).toMatchObject({
      correlationId: d.conversationId,
      data: { workItemId: d.workItemId, offerId: d.offerId, reason: 'on a break' },
    });
    // An item offered to someone else cannot be accepted.
    const foreign = await seedWorkItem(h.prisma, {
      tenantId: 'acme',
      agentId: 'agent-zzz',
      state: 'offered',
    });
    expect(await emitAck(s, 'offer:accept', { workItemId: foreign.workItemId })).toMatchObject({
      ok: false,
      code: 'not_found',
    });
  });

  it("refuses another tenant's work item: REST 404 and socket accept not_found, no command sent", async () => {
    const theirs = await seedWorkItem(h.prisma, { tenantId: 'globex', agentId: 'agent-x', state: 'offered' });
    const mine = await h.token('acme', 'agent-x'); // same agent id, other tenant
    for (const path of ['', '/messages']) {
      const res = await fetch(`${h.baseUrl}/v1/agent/work-items/${theirs.workItemId}${path}`, {
        headers: { authorization: `Bearer ${mine}` },
      });
      expect(res.status).toBe(404);
    }
    const complete = await fetch(`${h.baseUrl}/v1/agent/work-items/${theirs.workItemId}/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mine}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(complete.status).toBe(404);
    const s = await h.connect(mine);
    expect(
      await emitAck(s, 'offer:accept', { workItemId: theirs.workItemId, offerId: theirs.offerId }),
    ).toMatchObject({
      ok: false,
      code: 'not_found',
    });
    // The owner (globex/agent-x) sees it.
    const owner = await h.token('globex', 'agent-x');
    const ok = await fetch(`${h.baseUrl}/v1/agent/work-items/${theirs.workItemId}`, {
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      workItemId: theirs.workItemId,
      offer: { offerId: theirs.offerId },
    });
    await new Promise((r) => setTimeout(r, 300)); // let any (wrong) command reach the probe
    expect(
      probed<Cmd>(h, 'hub.workitem.commands.v1').some((c) => c.data.workItemId === theirs.workItemId),
    ).toBe(false);
  });

  it('REST: context with transcript and transfers; transfer and wrap-up answer 202 and send commands', async () => {
    const w = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-rest', state: 'assigned' });
    const billing = await h.prisma.queue.create({
      data: { id: randomUUID(), tenantId: 'acme', name: 'Billing' },
    });
    await h.prisma.workItemTransfer.create({
      data: {
        id: randomUUID(),
        tenantId: 'acme',
        workItemId: w.workItemId,
        fromQueueId: billing.id,
        toQueueId: w.queueId,
        byAgentId: 'agent-0',
        reason: 'returns question',
      },
    });
    const auth = {
      authorization: `Bearer ${await h.token('acme', 'agent-rest')}`,
      'content-type': 'application/json',
    };
    const detail = await (
      await fetch(`${h.baseUrl}/v1/agent/work-items/${w.workItemId}`, { headers: auth })
    ).json();
    expect(detail).toMatchObject({
      status: 'assigned',
      queueName: 'Returns',
      context: {
        intent: 'return_size',
        sentiment: -0.2,
        attributes: { selected_queue: 'Returns' },
        contact: { email: 'cminh730@email.com' },
      },
      transfers: [
        {
          fromQueueName: 'Billing',
          toQueueName: 'Returns',
          byAgentId: 'agent-0',
          reason: 'returns question',
        },
      ],
    });
    expect(detail.context.transcript).toHaveLength(3);

    const bad = await fetch(`${h.baseUrl}/v1/agent/work-items/${w.workItemId}/transfer`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ toQueueId: 'nope' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/^toQueueId:/);

    const tr = await fetch(`${h.baseUrl}/v1/agent/work-items/${w.workItemId}/transfer`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ toQueueId: billing.id, reason: 'billing issue' }),
    });
    expect(tr.status).toBe(202);
    const done = await fetch(`${h.baseUrl}/v1/agent/work-items/${w.workItemId}/complete`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ note: 'refund issued', disposition: 'resolved' }),
    });
    expect(done.status).toBe(202);
    const cmds = await waitFor(() => {
      const c = probed<Cmd & { data: Record<string, unknown> }>(h, 'hub.workitem.commands.v1').filter(
        (x) => x.data.workItemId === w.workItemId,
      );
      return c.length >= 2 ? c : null;
    });
    expect(cmds.map((c) => c.data)).toEqual([
      {
        command: 'transfer',
        workItemId: w.workItemId,
        toQueueId: billing.id,
        byAgentId: 'agent-rest',
        reason: 'billing issue',
      },
      {
        command: 'complete',
        workItemId: w.workItemId,
        agentId: 'agent-rest',
        wrapUp: { note: 'refund issued', disposition: 'resolved' },
      },
    ]);
  });
});
