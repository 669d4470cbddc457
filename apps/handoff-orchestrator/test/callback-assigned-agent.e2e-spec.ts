import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import type { AgentChannelMessage } from '@hub/contracts';
import {
  createTestWorld,
  startService as startChild,
  waitFor,
  type RunningService as ChildService,
  type TestWorld,
} from '@hub/testing';
import { CallbackClock } from '../src/customer-callbacks/callback-clock';
import { http, startService, type Json, type RunningService } from './support/harness';

jest.setTimeout(300_000);

const T = 'e2e-assigned';
const ZONE = 'Europe/Paris';
const SECRET = 'e2e-assigned-agent-secret-0123456789-abcdef';
/** The router's target wait in this test (ROUTER_TARGET_AGENT_WAIT_MS), ms. */
const WAIT_MS = 4000;

const agentToken = (agentId: string) =>
  new SignJWT({ tid: T })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(agentId)
    .setIssuer('engagement-hub')
    .setAudience('agent-gateway')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));

/**
 * Issue 11 §3 "at the slot time a callback work item lands on the assigned agent's queue", end to end: this
 * service in-process (clock injected), the real work-item router and agent gateway as child processes. A callback
 * team with two members, both online on their Socket.IO channels: the booking is assigned to ann (policy: fewest
 * that day, ties by id), and at the slot time the offer reaches ann — not bob, who is as free. A second callback,
 * assigned to ann again, while ann is offline: nothing for ROUTER_TARGET_AGENT_WAIT_MS, then it falls back to bob.
 */
describe('callback at the slot time reaches the assigned agent (targeted routing), falls back when that agent is away', () => {
  let world: TestWorld;
  let svc: RunningService;
  let router: ChildService;
  let gateway: ChildService;
  let files: string;
  let queue: string;
  let clock: CallbackClock;
  const sockets: Socket[] = [];
  const events: Record<string, AgentChannelMessage[]> = { ann: [], bob: [] };
  const clockTo = (at: Date) => clock.advance(Math.max(0, at.getTime() - clock.now().getTime()));
  const api = (method: string, path: string, body?: unknown) =>
    http(svc.url, method, path, { tenant: T, body });
  const routerCall = async (method: string, path: string, body?: unknown, admin = false) => {
    const r = await http(router.url, method, path, admin ? { admin: true, body } : { tenant: T, body });
    if (r.status >= 300) throw new Error(`router ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Json;
  };
  const offers = (agent: string) =>
    events[agent].filter((e): e is Extract<AgentChannelMessage, { kind: 'offer' }> => e.kind === 'offer');

  beforeAll(async () => {
    world = await createTestWorld();
    files = mkdtempSync(join(tmpdir(), 'e2e-assigned-files-'));
    [router, gateway] = await Promise.all([
      startChild(
        'work-item-router',
        { ...world.env, ROUTER_TARGET_AGENT_WAIT_MS: String(WAIT_MS) },
        { ready: 'readyz' },
      ),
      startChild('agent-gateway', {
        ...world.env,
        AGENT_JWT_SECRET: SECRET,
        FILE_STORAGE_DIR: files,
        PRESENCE_ON_CONNECT: 'online',
      }),
    ]);
    svc = await startService(world, {
      ESCALATION_ROUTER_URL: router.url,
      CUSTOMER_CALLBACK_POLL_MS: '100',
      HUB_TEST_CLOCK_ADJUSTABLE: 'true',
    });
    clock = svc.app.get(CallbackClock);
    await routerCall('POST', '/v1/tenants', { id: T, name: 'E2E assigned agent' }, true);
    queue = (await routerCall('POST', '/v1/queues', { name: 'Advisers', offerTimeoutSeconds: 120 })).id;
    for (const id of ['ann', 'bob'])
      await routerCall('POST', '/v1/agents', {
        id,
        displayName: id,
        queueIds: [queue],
        capacity: { chat: 1, call: 1 },
      });
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await svc?.close();
    await Promise.allSettled([router?.stop(), gateway?.stop()]);
    await world?.drop();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it('the slot-time offer reaches the assigned agent of two online; with that agent offline it falls back to the other after the wait', async () => {
    // bob connects first (longest idle: without targeting the router would offer bob)
    for (const id of ['bob', 'ann']) {
      const s = io(`${gateway.url}/agents`, {
        auth: { token: await agentToken(id) },
        transports: ['websocket'],
        reconnection: true,
      });
      s.on('agent:event', (m: AgentChannelMessage) => events[id].push(m));
      await new Promise<void>((resolve, reject) => {
        s.once('sync', () => resolve());
        s.once('connect_error', reject);
      });
      sockets.push(s);
      await waitFor(async () => (await routerCall('GET', `/v1/agents/${id}`)).presence === 'online', {
        what: `${id} online`,
        timeoutMs: 30_000,
      });
      await new Promise((r) => setTimeout(r, 50));
    }
    const bot = await api('POST', '/v1/integrations', { type: 'internal', name: 'Bot', config: {} });
    expect(bot.status).toBe(201);
    const team = await api('PUT', `/v1/callbacks/teams/${queue}`, {
      zone: ZONE,
      weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '24:00' })),
      minNoticeMin: 30,
      members: [{ agentId: 'ann' }, { agentId: 'bob' }],
    });
    expect(team.status).toBe(200);
    const bookAt = async (n: number) => {
      const p = await api('POST', '/v1/callbacks/slots', {
        queueId: queue,
        customerId: `c${n}`,
        channel: 'voice',
      });
      expect(p.status).toBe(200);
      const slot = p.body.slots[0];
      const b = await api('POST', '/v1/callbacks', {
        queueId: queue,
        customerId: `c${n}`,
        channel: 'voice',
        startsAt: slot.start,
        conversationId: `conv-assigned-${n}`,
        integrationId: bot.body.id,
        context: { intent: 'advice' },
      });
      expect(b.status).toBe(201);
      return b.body as Json;
    };

    // ── 1. assigned to ann; at the slot time the offer reaches ann, not bob
    const first = await bookAt(1);
    expect(first.agentId).toBe('ann');
    clockTo(new Date(first.startsAt));
    const offer = await waitFor(
      () => offers('ann').find((o) => o.workItem.conversationId === 'conv-assigned-1'),
      { what: "callback offer on ann's socket", timeoutMs: 60_000 },
    );
    expect(offer.workItem).toMatchObject({ queueId: queue, type: 'call' });
    expect(offer.workItem.context.attributes).toMatchObject({ callbackId: first.id });
    expect(offers('bob')).toEqual([]);
    const ack = await new Promise<{ ok: boolean }>((resolve) =>
      sockets[1].emit(
        'offer:accept',
        { workItemId: offer.workItem.workItemId, offerId: offer.offerId },
        resolve,
      ),
    );
    expect(ack.ok).toBe(true);
    expect(
      (await api('PATCH', `/v1/callbacks/${first.id}`, { action: 'outcome', outcome: 'completed' })).status,
    ).toBe(200);

    // ── 2. the next booking is ann's again (no booked one left that day; tie → id); ann goes offline
    const second = await bookAt(2);
    expect(second.agentId).toBe('ann');
    await routerCall('PUT', '/v1/agents/ann/presence', { presence: 'offline' });
    clockTo(new Date(second.startsAt));
    const handoffAt = Date.now();
    const fallback = await waitFor(
      () => offers('bob').find((o) => o.workItem.conversationId === 'conv-assigned-2'),
      { what: "fallback offer on bob's socket", timeoutMs: 60_000 },
    );
    // bob got it only after the target wait ran out (the work item is created after handoffAt)
    expect(Date.now() - handoffAt).toBeGreaterThanOrEqual(WAIT_MS);
    expect(fallback.workItem.context.attributes).toMatchObject({ callbackId: second.id });
    expect(offers('ann').filter((o) => o.workItem.conversationId === 'conv-assigned-2')).toEqual([]);
  });
});
