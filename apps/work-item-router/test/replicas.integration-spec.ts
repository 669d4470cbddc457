import type { AgentChannelMessage } from '@hub/contracts';
import { waitFor } from '@hub/testing';
import { RouterTestBus, spawnRouter, stopRouter, workItemIdOf, type RouterProcess } from './support/harness';

/**
 * Two router replicas (two processes, same consumer group, same database) and a burst of 200
 * work items while agents come online mid-burst, accept their offers and complete their items —
 * a test gateway driven by the agents' Redis channels. Asserts one agent per work item, every
 * item assigned exactly once, and no agent ever holding more than its capacity.
 */
describe('work-item-router: two replicas, one burst', () => {
  let bus: RouterTestBus;
  const replicas: RouterProcess[] = [];
  const T = 'burst';
  const N = 200;
  const agents = [
    { id: 'auto-1', chat: 2, autoAccept: true },
    { id: 'auto-2', chat: 2, autoAccept: true },
    { id: 'auto-3', chat: 1, autoAccept: true },
    { id: 'man-1', chat: 3, autoAccept: false },
    { id: 'man-2', chat: 2, autoAccept: false },
    { id: 'man-3', chat: 3, autoAccept: false },
  ];
  const capacity = new Map(agents.map((a) => [a.id, a.chat]));

  beforeAll(async () => {
    bus = await RouterTestBus.create();
    const [a, b] = await Promise.all([spawnRouter(bus), spawnRouter(bus)]);
    replicas.push(a, b);
    bus.base = a.base;
  }, 180000);

  afterAll(async () => {
    if (process.env['ROUTER_TEST_DUMP'])
      replicas.forEach((r, i) => require('node:fs').writeFileSync(`/tmp/wir-replica-${i}.log`, r.output()));
    await Promise.all(replicas.map((r) => stopRouter(r)));
    await bus?.close();
  });

  it(`${N} creates across two replicas: each item assigned once, capacity never exceeded`, async () => {
    const q = await bus.tenant(T);
    for (const a of agents)
      await bus.agent(T, {
        id: a.id,
        displayName: a.id,
        queueIds: [q],
        capacity: { chat: a.chat, call: 0 },
        autoAccept: a.autoAccept,
      });

    // The test gateway: accept every offer, complete every assignment shortly after.
    const conversations = new Map<string, string>();
    const handled = new Set<string>();
    let sendErrors = 0;
    const timer = setInterval(() => {
      for (const { tenantId, agentId, msg } of bus.agentMessages) {
        if (tenantId !== T || handled.has(msg.eventId)) continue;
        handled.add(msg.eventId);
        const wid = workItemIdOf(msg);
        if (msg.kind === 'offer') {
          void bus
            .send(
              T,
              { command: 'accept', workItemId: msg.workItem.workItemId, agentId, offerId: msg.offerId },
              msg.workItem.conversationId,
            )
            .catch(() => sendErrors++);
        } else if (msg.kind === 'assigned' && wid) {
          const delay = Math.floor(Math.random() * 40);
          setTimeout(() => {
            void bus
              .send(
                T,
                { command: 'complete', workItemId: wid, agentId, wrapUp: { disposition: 'resolved' } },
                conversations.get(wid),
              )
              .catch(() => sendErrors++);
          }, delay);
        }
      }
    }, 20);

    try {
      const ids: string[] = [];
      const chunk = 20;
      for (let i = 0; i < N; i += chunk) {
        await Promise.all(
          Array.from({ length: Math.min(chunk, N - i) }, async (_, k) => {
            const cmd = bus.createCommand({ n: i + k, priority: (i + k) % 3 });
            conversations.set(cmd.workItemId, cmd.conversationId);
            ids.push(cmd.workItemId);
            await bus.send(T, cmd, cmd.conversationId);
          }),
        );
        // agents come online mid-burst, as set_presence commands (handled by whichever replica owns the partition)
        if (i === 40)
          for (const a of agents.slice(0, 3))
            await bus.send(T, { command: 'set_presence', agentId: a.id, presence: 'online' });
        if (i === 100)
          for (const a of agents.slice(3))
            await bus.send(T, { command: 'set_presence', agentId: a.id, presence: 'online' });
      }

      // Sample the committed state while the burst drains: holdings never exceed capacity, and the
      // load counters always equal the real holdings (live offers + assigned items).
      const violations: string[] = [];
      let samples = 0;
      await waitFor(
        async () => {
          samples++;
          const rows = await bus.prisma.$queryRaw<{ id: string; held: number; load: number; cap: number }[]>`
            SELECT a.id, a.load_chat AS load, a.capacity_chat AS cap,
              ((SELECT count(*) FROM offers o WHERE o.tenant_id = a.tenant_id AND o.agent_id = a.id AND o.status = 'live')
             + (SELECT count(*) FROM work_items w WHERE w.tenant_id = a.tenant_id AND w.agent_id = a.id AND w.status = 'assigned'))::int AS held
            FROM agents a WHERE a.tenant_id = ${T}`;
          for (const r of rows) {
            if (r.held > r.cap) violations.push(`${r.id} holds ${r.held} > capacity ${r.cap}`);
            if (r.held !== r.load) violations.push(`${r.id} load counter ${r.load} != held ${r.held}`);
          }
          const done = await bus.prisma.workItem.count({ where: { tenantId: T, status: 'completed' } });
          return done === N;
        },
        { timeoutMs: 240000, intervalMs: 25, what: `all ${N} work items completed` },
      );
      expect(samples).toBeGreaterThan(10);
      expect(violations).toEqual([]);
      expect(sendErrors).toBe(0);

      // Every work item was assigned exactly once (events deduplicated by envelope id) …
      const assigned = new Map<string, Set<string>>();
      await waitFor(
        () => {
          assigned.clear();
          for (const e of bus.events(T))
            if (e.data.event === 'assigned') {
              const s = assigned.get(e.data.workItemId) ?? new Set<string>();
              s.add(e.id);
              assigned.set(e.data.workItemId, s);
            }
          return assigned.size === N;
        },
        { timeoutMs: 60000, what: 'assigned events of every item' },
      );
      expect([...assigned.values()].filter((s) => s.size !== 1)).toEqual([]);
      expect(new Set(ids)).toEqual(new Set(assigned.keys()));

      // … to one agent: at most one accepted offer per item, and it is the agent that completed it.
      const accepted = await bus.prisma.offer.groupBy({
        by: ['workItemId'],
        where: { tenantId: T, status: 'accepted' },
        _count: true,
      });
      expect(accepted.filter((a) => a._count > 1)).toEqual([]);
      const items = await bus.prisma.workItem.findMany({ where: { tenantId: T }, include: { offers: true } });
      for (const w of items) {
        const acc = w.offers.filter((o) => o.status === 'accepted');
        if (acc.length) expect(acc[0].agentId).toBe(w.agentId);
        expect(w.offers.filter((o) => o.status === 'live')).toEqual([]);
      }
      expect(
        await bus.prisma.agent.findMany({
          where: { tenantId: T, OR: [{ loadChat: { not: 0 } }, { loadCall: { not: 0 } }] },
        }),
      ).toEqual([]);

      // From each agent's point of view (its Redis channel, in order, duplicates dropped by eventId,
      // as the gateway does): it never held more than its capacity at once.
      for (const a of agents) {
        const seen = new Set<string>();
        const held = new Set<string>();
        let max = 0;
        for (const m of bus.messagesFor(T, a.id) as AgentChannelMessage[]) {
          if (seen.has(m.eventId)) continue;
          seen.add(m.eventId);
          const wid = workItemIdOf(m);
          if (!wid) continue;
          if (m.kind === 'offer' || m.kind === 'assigned') held.add(wid);
          else held.delete(wid);
          max = Math.max(max, held.size);
        }
        expect(max).toBeGreaterThan(0);
        expect(max).toBeLessThanOrEqual(capacity.get(a.id)!);
        expect(held.size).toBe(0);
      }

      // Both replicas did part of the work.
      for (const r of replicas) {
        const text = await (await fetch(`${r.base}/metrics`)).text();
        const handledHere = [...text.matchAll(/^router_commands_total\{[^}]*\} (\d+)/gm)].reduce(
          (s, m) => s + Number(m[1]),
          0,
        );
        expect(handledHere).toBeGreaterThan(0);
      }
    } finally {
      clearInterval(timer);
    }
  }, 420000);
});
