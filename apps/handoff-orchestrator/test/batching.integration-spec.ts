import { randomUUID } from 'node:crypto';
import type { WorkItemEvent } from '@hub/contracts';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import {
  handoffBody,
  http,
  seedQueue,
  sql,
  startService,
  WorldKafka,
  type RunningService,
} from './support/harness';

jest.setTimeout(90_000);

const T = 'acme-batch';

/**
 * Router events consumed in partition batches (issue 14): the events of one produce request are
 * applied in one transaction per batch, with the outcomes, audit rows and inbox guarantees of one event
 * after the other.
 */
describe('handoff orchestrator: router events in batches', () => {
  let world: TestWorld;
  let svc: RunningService;
  let kafka: WorldKafka;
  let integration: string;
  let queueId: string;

  beforeAll(async () => {
    world = await createTestWorld();
    svc = await startService(world);
    kafka = new WorldKafka(world);
    await kafka.start();
    queueId = await seedQueue(world, T, 'Support');
    integration = (
      await http(svc.url, 'POST', '/v1/integrations', { tenant: T, body: { type: 'internal', name: 'Desk' } })
    ).body.id;
  });

  afterAll(async () => {
    await kafka?.stop();
    await svc?.close();
    await world?.drop();
  });

  it('queued + offered + assigned of several handoffs in one request: each applied once, in order, one transaction per batch', async () => {
    const hs: { id: string; workItemId: string; conversationId: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await http(svc.url, 'POST', '/v1/handoffs', { tenant: T, body: handoffBody(integration) });
      expect(r.status).toBe(201);
      hs.push(r.body as (typeof hs)[number]);
    }
    const events: WorkItemEvent[] = [];
    const ids: string[] = [];
    for (const h of hs) {
      const ref = { workItemId: h.workItemId, handoffId: h.id, conversationId: h.conversationId, queueId };
      const offerId = randomUUID();
      const assignedId = randomUUID();
      events.push(
        { event: 'created', ...ref, type: 'chat', priority: 0 },
        { event: 'queued', ...ref },
        {
          event: 'offered',
          ...ref,
          offerId,
          agentId: 'agent-1',
          expiresAt: new Date(Date.now() + 30_000).toISOString(),
        },
        { event: 'assigned', ...ref, agentId: 'agent-1', offerId, autoAccepted: false },
        // a redelivery of the assignment in the same batch: ignored (inbox)
        { event: 'assigned', ...ref, agentId: 'agent-1', offerId, autoAccepted: false },
      );
      ids.push(randomUUID(), randomUUID(), randomUUID(), assignedId, assignedId);
    }
    // an event of a work item no handoff has: ignored, leaves no inbox row
    const stray = {
      workItemId: randomUUID(),
      handoffId: randomUUID(),
      conversationId: 'conv-stray',
      queueId,
    };
    events.push({ event: 'queued', ...stray });
    ids.push(randomUUID());
    await kafka.publishWorkItemEvents(T, events, ids);

    const outcomes = (id: string) => kafka.events('handoffOutcomes').filter((e) => e.data.handoffId === id);
    for (const h of hs)
      await waitFor(() => outcomes(h.id).find((e) => e.data.status === 'accepted'), {
        what: `accepted outcome of ${h.id}`,
        timeoutMs: 30_000,
      });
    await new Promise((r) => setTimeout(r, 500));
    for (const [i, h] of hs.entries()) {
      // every outcome once, in order, each caused by its event
      const o = outcomes(h.id);
      expect(o.map((e) => e.data.status)).toEqual(['requested', 'routed', 'offered', 'accepted']);
      expect(o.slice(1).map((e) => e.causationId)).toEqual(ids.slice(i * 5 + 1, i * 5 + 4));
      const view = await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
      expect(view.body).toMatchObject({ status: 'accepted', agentId: 'agent-1', queueId });
      expect(view.body.routedAt && view.body.offeredAt && view.body.acceptedAt).toBeTruthy();
      expect(view.body.transitions.map((t: { to: string }) => t.to)).toEqual([
        'requested',
        'routed',
        'offered',
        'accepted',
      ]);
    }
    // the three router transitions of a handoff were applied in fewer transactions than events
    // (rows of one transaction share now())
    const rows = await sql<{ n: string }>(
      world,
      `SELECT count(DISTINCT at)::text AS n FROM handoff_transitions
       WHERE tenant_id = $1 AND handoff_id = ANY($2::uuid[]) AND to_status <> 'requested'`,
      [T, hs.map((h) => h.id)],
    );
    expect(Number(rows[0].n)).toBeLessThan(12);
    const inbox = await sql<{ n: string }>(
      world,
      'SELECT count(*)::text AS n FROM processed_events WHERE event_id = ANY($1::text[])',
      [ids],
    );
    // queued, offered, assigned per handoff (created never changes a handoff; the duplicate and the
    // stray event leave no row)
    expect(Number(inbox[0].n)).toBe(12);
  });
});
