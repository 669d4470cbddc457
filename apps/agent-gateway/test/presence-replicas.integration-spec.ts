import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentChannelMessage } from '@hub/contracts';
import { sleep, startService, type RunningService } from '@hub/testing';
import {
  collect,
  emitAck,
  probed,
  startHarness,
  TEST_SECRET,
  waitFor,
  type GatewayHarness,
} from './support/gateway-harness';
import { tenantJson } from './support/hub-services';

// Each test waits out the grace and the TTL several times (15–25 s on a loaded machine): above jest's 30 s.
jest.setTimeout(90_000);

// The grace must outlast a reconnect (socket.io handshake + JWT check on another replica) on a loaded
// machine: at 500 ms the "reload within the grace" step raced it. The TTL keeps the same margin above it.
const GRACE_MS = 1_500;
const TTL_MS = 6_000;
const HEARTBEAT_MS = 250;
/** Long enough for a wrong command to show: the grace period plus several sweeps. */
const SETTLE_MS = GRACE_MS + 6 * HEARTBEAT_MS;
const PRESENCE_ENV = {
  PRESENCE_OFFLINE_GRACE_MS: String(GRACE_MS),
  PRESENCE_CONNECTION_TTL_MS: String(TTL_MS),
  PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS),
  PRESENCE_ON_CONNECT: 'online',
};
const TENANT = 'acme';

type Cmd = { tenantId: string; data: { command: string; agentId?: string; presence?: string } };

/**
 * Two gateway replicas on one world: A in this process (the harness), B as its own process (so it can
 * be killed with SIGKILL), and the real work-item router applying the presence commands.
 */
describe('agent-gateway: presence across replicas', () => {
  let h: GatewayHarness;
  let b: RunningService;
  let router: RunningService;
  let filesB: string;

  /** Presence values of the `set_presence` commands sent for the agent, in topic order. */
  const sent = (agentId: string) =>
    probed<Cmd>(h, 'hub.workitem.commands.v1')
      .filter((c) => c.data.command === 'set_presence' && c.data.agentId === agentId)
      .map((c) => c.data.presence);
  const routerPresence = async (agentId: string) =>
    (await tenantJson<{ presence: string }>(router.url, 'GET', `/v1/agents/${agentId}`, TENANT)).body
      .presence;
  const routerSays = (agentId: string, presence: string) =>
    waitFor(async () => (await routerPresence(agentId)) === presence, {
      what: `router: ${agentId} ${presence}`,
    });
  const token = (agentId: string) => h.token(TENANT, agentId);

  beforeAll(async () => {
    h = await startHarness(PRESENCE_ENV);
    filesB = mkdtempSync(join(tmpdir(), 'gw-files-b-'));
    [b, router] = await Promise.all([
      startService('agent-gateway', {
        ...h.world.env,
        ...PRESENCE_ENV,
        AGENT_JWT_SECRET: TEST_SECRET,
        FILE_STORAGE_DIR: filesB,
      }),
      startService('work-item-router', h.world.env, { ready: 'readyz' }),
    ]);
    await h.prisma.tenant.create({ data: { id: TENANT, name: 'Acme' } });
    await h.prisma.agent.createMany({
      data: ['ada', 'bob', 'eve', 'cy', 'dee'].map((id) => ({
        tenantId: TENANT,
        id,
        displayName: id,
        presence: 'offline',
      })),
    });
  }, 150_000);

  afterAll(async () => {
    await Promise.allSettled([b?.stop(), router?.stop()]);
    await h?.close();
    if (filesB) rmSync(filesB, { recursive: true, force: true });
  }, 60_000);

  it('an agent on two replicas is set online once, and offline once only after the last connection closes', async () => {
    const t = await token('ada');
    const [onA, onB] = await Promise.all([h.connect(t), h.connect(t, b.url)]);
    await waitFor(() => sent('ada').length > 0, { what: 'online command' });
    await sleep(SETTLE_MS);
    expect(sent('ada')).toEqual(['online']);
    await routerSays('ada', 'online');

    onA.disconnect(); // the tab on replica A closes; the one on B stays
    await sleep(SETTLE_MS);
    expect(sent('ada')).toEqual(['online']);

    onB.disconnect(); // a reload on B within the grace period: still nothing
    const reloaded = await h.connect(t, b.url);
    await sleep(SETTLE_MS);
    expect(sent('ada')).toEqual(['online']);
    expect(await routerPresence('ada')).toBe('online');

    reloaded.disconnect(); // the last connection
    const closedAt = Date.now();
    await waitFor(() => sent('ada').length === 2, { what: 'offline command' });
    // After the grace period, not the (longer) TTL of a connection whose replica died.
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(Date.now() - closedAt).toBeLessThan(TTL_MS);
    await sleep(SETTLE_MS);
    expect(sent('ada')).toEqual(['online', 'offline']);
    await routerSays('ada', 'offline');
  });

  it('an explicit presence change applies to the agent on all their connections, on every replica', async () => {
    const t = await token('bob');
    const onA = await h.connect(t);
    const onB = await h.connect(t, b.url);
    await routerSays('bob', 'online');
    const eventsA = collect<AgentChannelMessage>(onA, 'agent:event');
    const eventsB = collect<AgentChannelMessage>(onB, 'agent:event');
    expect(await emitAck(onB, 'presence:set', { presence: 'away' })).toEqual({ ok: true });
    const away = (events: AgentChannelMessage[]) =>
      events.some((e) => e.kind === 'presence' && e.presence === 'away');
    await waitFor(() => away(eventsA) && away(eventsB), { what: 'away on both replicas' });
    await routerSays('bob', 'away');

    // Another tab is not the agent's first connection: the agent stays away.
    const third = await h.connect(t);
    await sleep(SETTLE_MS);
    expect(sent('bob')).toEqual(['online', 'away']);
    expect(await routerPresence('bob')).toBe('away');

    for (const s of [onA, onB, third]) s.disconnect();
    await waitFor(() => sent('bob').length === 3, { what: 'offline command' });
    expect(sent('bob')).toEqual(['online', 'away', 'offline']);
    await routerSays('bob', 'offline');
  });

  it('connects and disconnects racing on both replicas end in the right presence', async () => {
    const t = await token('eve');
    for (let round = 0; round < 8; round++) {
      // Both replicas see a connect at once; then both sockets close together, and the next round
      // starts anywhere between inside the grace period and after the sweep set the agent offline.
      const held = await Promise.all([h.connect(t), h.connect(t, b.url)]);
      for (const s of held) s.disconnect();
      await sleep(Math.floor(Math.random() * (GRACE_MS + 4 * HEARTBEAT_MS)));
    }
    const last = await h.connect(t, b.url);
    await sleep(SETTLE_MS);
    expect(sent('eve').at(-1)).toBe('online');
    await routerSays('eve', 'online');

    last.disconnect();
    await waitFor(() => sent('eve').at(-1) === 'offline', { what: 'final offline' });
    await sleep(SETTLE_MS);
    expect(sent('eve').at(-1)).toBe('offline');
    await routerSays('eve', 'offline');
  });

  it('a replica killed with SIGKILL: its agents go offline after the connection TTL, set by the survivor', async () => {
    const onlyB = await h.connect(await token('cy'), b.url);
    const both = await token('dee');
    await Promise.all([h.connect(both), h.connect(both, b.url)]);
    await routerSays('cy', 'online');
    await routerSays('dee', 'online');
    expect(onlyB.connected).toBe(true);

    await b.kill(); // no disconnect handling, no clean-up: its entries simply stop being refreshed
    const killedAt = Date.now();
    await sleep(GRACE_MS + 4 * HEARTBEAT_MS);
    expect(sent('cy')).toEqual(['online']); // a dead replica is not a closed tab: the TTL applies

    await waitFor(() => sent('cy').includes('offline'), {
      what: 'cy offline after the TTL',
      timeoutMs: TTL_MS + 15_000,
    });
    // The entry was last refreshed at most one heartbeat before the kill.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(TTL_MS - HEARTBEAT_MS - 100);
    await routerSays('cy', 'offline');

    await sleep(SETTLE_MS);
    expect(sent('cy')).toEqual(['online', 'offline']);
    expect(sent('dee')).toEqual(['online']); // still connected to replica A
    expect(await routerPresence('dee')).toBe('online');
  });
});
