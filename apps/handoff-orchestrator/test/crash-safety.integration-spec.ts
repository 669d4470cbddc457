import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { handoffBody, http, sql, WorldKafka } from './support/harness';
import { spawnService, type ServiceProcess } from './support/service-process';

jest.setTimeout(180_000);

/**
 * Crash safety of the intake: the service (a real child process, `main.ts`) is SIGKILLed in the
 * middle of a burst of handoff requests; the bot retries every request with the same
 * Idempotency-Key against a fresh instance. Every key ends as exactly one handoff, and every
 * handoff has exactly one work item `create` command (one event id; the relay is at-least-once, so
 * a redelivered copy carries the same id and the router's inbox drops it).
 */
describe('intake crash safety', () => {
  const T = 'acme';
  const N = 40;
  let world: TestWorld;
  let svc: ServiceProcess | undefined;
  let kafka: WorldKafka;

  beforeAll(async () => {
    world = await createTestWorld();
  });

  afterAll(async () => {
    await kafka?.stop();
    await svc?.stop();
    await world?.drop();
  });

  it('neither loses nor duplicates handoffs when the process is killed mid-burst', async () => {
    svc = await spawnService('handoff-orchestrator', world);
    kafka = new WorldKafka(world);
    await kafka.start();
    const integration = (
      await http(svc.url, 'POST', '/v1/integrations', { tenant: T, body: { type: 'internal', name: 'Desk' } })
    ).body.id as string;
    const requests = Array.from({ length: N }, (_, i) => ({
      key: `crash-${i}`,
      body: handoffBody(integration),
    }));

    // burst: 8 in flight; SIGKILL once 15 requests were answered
    const answered: string[] = [];
    let next = 0;
    const url = svc.url;
    const worker = async () => {
      while (next < N) {
        const r = requests[next++];
        try {
          const res = await http(url, 'POST', '/v1/handoffs', {
            tenant: T,
            body: r.body,
            headers: { 'Idempotency-Key': r.key },
          });
          if (res.status === 201) answered.push(r.key);
        } catch {
          // connection reset by the crash: the bot will retry
        }
      }
    };
    const burst = Promise.all(Array.from({ length: 8 }, worker));
    await waitFor(() => answered.length >= 15, { what: '15 answered requests' });
    await svc.kill();
    await burst;
    expect(answered.length).toBeLessThan(N); // the crash really interrupted the burst

    // the bot retries everything with the same keys against a new instance
    svc = await spawnService('handoff-orchestrator', world);
    const ids = new Map<string, string>();
    for (const r of requests) {
      const res = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: T,
        body: r.body,
        headers: { 'Idempotency-Key': r.key },
      });
      expect([200, 201]).toContain(res.status);
      if (answered.includes(r.key)) expect(res.status).toBe(200); // acknowledged before the crash → kept
      ids.set(r.key, res.body.id);
    }
    expect(new Set(ids.values()).size).toBe(N);

    const creates = () =>
      kafka.events('workItemCommands').filter((e) => e.data.command === 'create' && e.tenantId === T);
    await waitFor(
      () => {
        const seen = new Set(creates().map((e) => (e.data.command === 'create' ? e.data.handoffId : '')));
        return [...ids.values()].every((id) => seen.has(id));
      },
      { what: 'a create command for every handoff', timeoutMs: 60_000 },
    );
    for (const id of ids.values()) {
      const mine = creates().filter((e) => e.data.command === 'create' && e.data.handoffId === id);
      expect(new Set(mine.map((e) => e.id)).size).toBe(1);
    }
    const rows = await sql<{ n: string }>(world, 'SELECT count(*) AS n FROM handoffs WHERE tenant_id = $1', [
      T,
    ]);
    expect(Number(rows[0].n)).toBe(N);
  });
});
