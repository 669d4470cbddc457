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

const T = 'grace';
// Long enough that a loaded machine finishes what a test does *during* the grace (see the withdraw command
// on Kafka, publish the router's answer, close the service) before it ends: 1.5 s was raced.
const GRACE_MS = 5000;

/**
 * The bounded wait for the router's answer to a withdraw (HANDOFF_WITHDRAW_GRACE_MS). No router runs
 * in this world, so nobody answers the withdraw commands unless a test publishes the router's events.
 */
describe('handoff withdraw grace', () => {
  let world: TestWorld;
  let svc: RunningService;
  let kafka: WorldKafka;
  let integration: string;
  let queueId: string;
  const env = { HANDOFF_WITHDRAW_GRACE_MS: String(GRACE_MS) };

  beforeAll(async () => {
    world = await createTestWorld();
    svc = await startService(world, env);
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

  const outcomes = (handoffId: string, status?: string) =>
    kafka
      .events('handoffOutcomes')
      .filter((e) => e.data.handoffId === handoffId && (!status || e.data.status === status));
  const waitOutcome = (handoffId: string, status: string, timeoutMs = 30_000) =>
    waitFor(() => outcomes(handoffId, status)[0], { what: `${status} outcome`, timeoutMs });
  const withdrawCommands = (workItemId: string) =>
    kafka
      .events('workItemCommands')
      .filter((e) => e.data.command === 'withdraw' && e.data.workItemId === workItemId);
  const row = async (id: string) =>
    (
      await sql<{ status: string; withdraw_requested_at: Date; failed_at: Date | null }>(
        world,
        'SELECT status, withdraw_requested_at, failed_at FROM handoffs WHERE id = $1',
        [id],
      )
    )[0];

  async function requestHandoff(over: Record<string, unknown> = {}) {
    const r = await http(svc.url, 'POST', '/v1/handoffs', {
      tenant: T,
      body: handoffBody(integration, over),
    });
    expect(r.status).toBe(201);
    return r.body as { id: string; workItemId: string; conversationId: string };
  }
  const ref = (h: { id: string; workItemId: string; conversationId: string }) => ({
    workItemId: h.workItemId,
    handoffId: h.id,
    conversationId: h.conversationId,
    queueId,
  });

  it('a timeout nobody answers fails the handoff with timeout after the grace; a late withdrawn changes nothing', async () => {
    const h = await requestHandoff({ timeoutSeconds: 1 });
    await waitFor(() => withdrawCommands(h.workItemId)[0], { what: 'withdraw command', timeoutMs: 30_000 });
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(failed.data.detail).toMatch(new RegExp(`did not answer the withdraw within ${GRACE_MS} ms`));
    const r = await row(h.id);
    expect(r.status).toBe('failed');
    const waited = r.failed_at!.getTime() - r.withdraw_requested_at.getTime();
    expect(waited).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(waited).toBeLessThan(GRACE_MS + 5_000);

    // the router's answer comes late: ignored (no second outcome, status and audit trail unchanged)
    const before = (await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T })).body;
    const lateId = await kafka.publishWorkItemEvent(T, { event: 'withdrawn', ...ref(h), reason: 'timeout' });
    await waitFor(
      async () =>
        (await sql(world, 'SELECT 1 FROM processed_events WHERE event_id = $1', [lateId])).length > 0 || null,
      { what: 'late withdrawn consumed' },
    );
    const after = (await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T })).body;
    expect(after).toMatchObject({ status: 'failed', reason: 'timeout', detail: before.detail });
    expect(after.transitions).toEqual(before.transitions);
    expect(outcomes(h.id, 'failed')).toHaveLength(1);
  });

  it('a bot cancel nobody answers fails the handoff with withdrawn after the grace', async () => {
    const h = await requestHandoff();
    expect((await http(svc.url, 'POST', `/v1/handoffs/${h.id}/withdraw`, { tenant: T })).status).toBe(202);
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data).toMatchObject({ reason: 'withdrawn' });
    const view = (await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T })).body;
    expect(view.transitions.map((t: { to: string }) => t.to)).toEqual(['requested', 'withdrawing', 'failed']);
  });

  it('an accept reported during the grace still wins (outcome not announced yet)', async () => {
    const h = await requestHandoff({ timeoutSeconds: 1 });
    await waitFor(() => withdrawCommands(h.workItemId)[0], { what: 'withdraw command', timeoutMs: 30_000 });
    await kafka.publishWorkItemEvent(T, {
      event: 'assigned',
      ...ref(h),
      agentId: 'agent-7',
      offerId: null,
      autoAccepted: true,
    });
    expect((await waitOutcome(h.id, 'accepted')).data.agentId).toBe('agent-7');
    await new Promise((r) => setTimeout(r, GRACE_MS + 500)); // past the grace: nothing more happens
    expect(outcomes(h.id, 'failed')).toEqual([]);
    expect((await row(h.id)).status).toBe('accepted');
  });

  it('an assignment reported after the failed outcome is revoked: withdraw with revokeAssignment, handoff stays failed', async () => {
    const h = await requestHandoff({ timeoutSeconds: 1 });
    await waitOutcome(h.id, 'failed');
    const eventId = await kafka.publishWorkItemEvent(T, {
      event: 'assigned',
      ...ref(h),
      agentId: 'agent-late',
      offerId: null,
      autoAccepted: false,
    });
    const revoke = await waitFor(
      () => withdrawCommands(h.workItemId).find((c) => c.causationId === eventId),
      {
        what: 'revoking withdraw',
      },
    );
    expect(revoke.data).toMatchObject({ reason: 'timeout', revokeAssignment: true });
    const view = (await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T })).body;
    expect(view).toMatchObject({ status: 'failed', reason: 'timeout', agentId: null });
    const last = view.transitions[view.transitions.length - 1];
    expect(last).toMatchObject({ from: 'failed', to: 'failed' });
    expect(last.detail).toMatch(/late assignment to agent agent-late revoked/);
    expect(outcomes(h.id, 'accepted')).toEqual([]);
    expect(outcomes(h.id, 'failed')).toHaveLength(1);
    // a redelivery of the same event sends nothing more
    await kafka.publishWorkItemEvent(
      T,
      { event: 'assigned', ...ref(h), agentId: 'agent-late', offerId: null, autoAccepted: false },
      eventId,
    );
    const barrier = await kafka.publishWorkItemEvent(T, { event: 'withdrawn', ...ref(h), reason: 'timeout' });
    await waitFor(
      async () =>
        (await sql(world, 'SELECT 1 FROM processed_events WHERE event_id = $1', [barrier])).length > 0 ||
        null,
      { what: 'barrier consumed' },
    );
    expect(
      withdrawCommands(h.workItemId).filter((c) => c.data.command === 'withdraw' && c.data.revokeAssignment),
    ).toHaveLength(1);
  });

  it('fails with error at once when the router reports failed(error) for the create', async () => {
    const h = await requestHandoff({ timeoutSeconds: 60 });
    await kafka.publishWorkItemEvent(T, {
      event: 'failed',
      ...ref(h),
      queueId: null,
      reason: 'error',
      detail: 'work item could not be created: poison',
    });
    const failed = await waitOutcome(h.id, 'failed', 15_000);
    expect(failed.data).toMatchObject({ reason: 'error', detail: 'work item could not be created: poison' });
    expect(withdrawCommands(h.workItemId)).toEqual([]);
  });

  it('the grace is durable: a restart while withdrawing still fails the handoff', async () => {
    const h = await requestHandoff({ timeoutSeconds: 1 });
    await waitFor(() => withdrawCommands(h.workItemId)[0], { what: 'withdraw command', timeoutMs: 30_000 });
    await svc.close(); // during the grace
    const r0 = await row(h.id);
    expect(r0.status).toBe('withdrawing');
    expect(Date.now()).toBeLessThan(r0.withdraw_requested_at.getTime() + GRACE_MS);
    await new Promise((r) => setTimeout(r, GRACE_MS)); // the deadline passes while no instance runs
    svc = await startService(world, env);
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data.reason).toBe('timeout');
    expect(Date.parse(failed.occurredAt)).toBeGreaterThanOrEqual(
      r0.withdraw_requested_at.getTime() + GRACE_MS,
    );
    expect(withdrawCommands(h.workItemId)).toHaveLength(1);
  });
});
