import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { WorkItemEvent } from '@hub/contracts';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import {
  fakeServer,
  handoffBody,
  http,
  seedQueue,
  sql,
  startService,
  WorldKafka,
  type Recorded,
  type RunningService,
} from './support/harness';

jest.setTimeout(90_000);

const T = 'acme';
/** The callback receiver is a local http server (127.0.0.1): relax the SSRF policy for it. */
const callbackEnv = { HANDOFF_CALLBACK_ALLOW_HTTP: 'true', HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS: 'true' };

/**
 * The handoff state machine driven by work item events (published here as the router would),
 * durable timers across a restart, and callback delivery.
 */
describe('handoff lifecycle', () => {
  let world: TestWorld;
  let svc: RunningService;
  let kafka: WorldKafka;
  let integration: string;
  let queueId: string;
  let callbacks: Awaited<ReturnType<typeof fakeServer>>;
  let failNextCallbacks = 0;

  beforeAll(async () => {
    world = await createTestWorld();
    svc = await startService(world, callbackEnv);
    kafka = new WorldKafka(world);
    await kafka.start();
    queueId = await seedQueue(world, T, 'Support');
    integration = (
      await http(svc.url, 'POST', '/v1/integrations', { tenant: T, body: { type: 'internal', name: 'Desk' } })
    ).body.id;
    callbacks = await fakeServer((_req: Recorded, res: ServerResponse) => {
      if (failNextCallbacks > 0) {
        failNextCallbacks -= 1;
        res.writeHead(503).end();
        return;
      }
      res.writeHead(204).end();
    });
  });

  afterAll(async () => {
    await callbacks?.close();
    await kafka?.stop();
    await svc?.close();
    await world?.drop();
  });

  const outcomes = (handoffId: string) =>
    kafka.events('handoffOutcomes').filter((e) => e.data.handoffId === handoffId);
  const waitOutcome = (handoffId: string, status: string) =>
    waitFor(() => outcomes(handoffId).find((e) => e.data.status === status), {
      what: `${status} outcome`,
      timeoutMs: 30_000,
    });

  async function requestHandoff(over: Record<string, unknown> = {}) {
    const r = await http(svc?.url, 'POST', '/v1/handoffs', {
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

  it('follows routed → offered → accepted, announces each and POSTs the final outcome to the callback URL', async () => {
    const h = await requestHandoff({ callbackUrl: `${callbacks.url}/bot/hook?session=1` });
    await kafka.publishWorkItemEvent(T, { event: 'queued', ...ref(h) });
    await waitOutcome(h.id, 'routed');
    const offerId = randomUUID();
    await kafka.publishWorkItemEvent(T, {
      event: 'offered',
      ...ref(h),
      offerId,
      agentId: 'agent-7',
      expiresAt: new Date(Date.now() + 30_000).toISOString(),
    });
    await waitOutcome(h.id, 'offered');
    const assigned: WorkItemEvent = {
      event: 'assigned',
      ...ref(h),
      agentId: 'agent-7',
      offerId,
      autoAccepted: false,
    };
    const eventId = await kafka.publishWorkItemEvent(T, assigned);
    await kafka.publishWorkItemEvent(T, assigned, eventId); // redelivery: ignored (inbox)
    const accepted = await waitOutcome(h.id, 'accepted');
    expect(accepted.data).toMatchObject({ agentId: 'agent-7', queueId, workItemId: h.workItemId });
    expect(accepted.causationId).toBe(eventId);

    const view = await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
    expect(view.body).toMatchObject({
      status: 'accepted',
      agentId: 'agent-7',
      queueId,
      workItemId: h.workItemId,
    });
    expect(view.body.routedAt && view.body.offeredAt && view.body.acceptedAt).toBeTruthy();
    expect(view.body.transitions.map((t: { to: string }) => t.to)).toEqual([
      'requested',
      'routed',
      'offered',
      'accepted',
    ]);

    const hook = await waitFor(() => callbacks.requests.find((r) => r.body?.data?.handoffId === h.id), {
      what: 'callback',
    });
    expect(hook.url).toBe('/bot/hook?session=1');
    expect(hook.body).toMatchObject({
      type: 'handoff.outcome',
      id: accepted.id,
      data: { status: 'accepted' },
    });
    expect(hook.headers['idempotency-key']).toBe(accepted.id);
    // only the final outcome goes to the callback by default
    expect(callbacks.requests.filter((r) => r.body?.data?.handoffId === h.id)).toHaveLength(1);
    // a late event after the final state changes nothing
    await kafka.publishWorkItemEvent(T, { event: 'withdrawn', ...ref(h), reason: 'withdrawn' });
    const marker = await requestHandoff();
    await kafka.publishWorkItemEvent(T, { event: 'queued', ...ref(marker) });
    await waitOutcome(marker.id, 'routed');
    expect(outcomes(h.id).map((e) => e.data.status)).toEqual(['requested', 'routed', 'offered', 'accepted']);
  });

  it('fails with no_active_queue when the router cannot route, and retries the callback until it is delivered', async () => {
    // 3 in-process tries per durable attempt: attempt 1 fails (503 ×3); attempt 2 gets 503 once, then 204
    failNextCallbacks = 4;
    const h = await requestHandoff({ callbackUrl: `${callbacks.url}/fail-first` });
    await kafka.publishWorkItemEvent(T, {
      event: 'failed',
      ...ref(h),
      queueId: null,
      reason: 'no_active_queue',
      detail: 'tenant acme has no active queue',
    });
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data).toMatchObject({
      reason: 'no_active_queue',
      detail: 'tenant acme has no active queue',
    });
    const view = await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
    expect(view.body).toMatchObject({ status: 'failed', reason: 'no_active_queue' });

    const delivered = await waitFor(
      async () =>
        (
          await sql<{ status: string; attempts: number }>(
            world,
            "SELECT status, attempts FROM callback_deliveries WHERE handoff_id = $1 AND status = 'delivered'",
            [h.id],
          )
        )[0],
      { what: 'callback delivered', timeoutMs: 30_000 },
    );
    expect(delivered.attempts).toBe(2);
    const hits = callbacks.requests.filter((r) => r.url === '/fail-first');
    expect(hits).toHaveLength(5);
    expect(new Set(hits.map((r) => r.body.id))).toEqual(new Set([failed.id]));
  });

  it('ignores events of another tenant for the same work item', async () => {
    const h = await requestHandoff();
    await kafka.publishWorkItemEvent('globex', {
      event: 'assigned',
      ...ref(h),
      agentId: 'intruder',
      offerId: null,
      autoAccepted: true,
    });
    await kafka.publishWorkItemEvent(T, { event: 'queued', ...ref(h) });
    await waitOutcome(h.id, 'routed');
    const view = await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
    expect(view.body.status).toBe('routed');
    expect(view.body.agentId).toBeNull();
  });

  it('on timeout withdraws the work item; the router’s withdrawn makes it failed(timeout)', async () => {
    const h = await requestHandoff({ timeoutSeconds: 1 });
    await kafka.publishWorkItemEvent(T, { event: 'queued', ...ref(h) });
    const withdraw = await waitFor(
      () =>
        kafka
          .events('workItemCommands')
          .find((e) => e.data.command === 'withdraw' && e.data.workItemId === h.workItemId),
      { what: 'withdraw command', timeoutMs: 30_000 },
    );
    expect(withdraw.data).toMatchObject({ command: 'withdraw', reason: 'timeout' });
    expect(withdraw.tenantId).toBe(T);
    const pending = await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
    expect(pending.body.status).toBe('withdrawing');
    expect(outcomes(h.id).find((e) => e.data.status === 'failed')).toBeUndefined();

    await kafka.publishWorkItemEvent(T, { event: 'withdrawn', ...ref(h), reason: 'timeout' });
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data.reason).toBe('timeout');
    const view = await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
    expect(view.body).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(view.body.transitions.map((t: { to: string }) => t.to)).toEqual([
      'requested',
      'routed',
      'withdrawing',
      'failed',
    ]);
  });

  it('accepts when the agent’s accept wins the race against the timer', async () => {
    const h = await requestHandoff({ timeoutSeconds: 1 });
    await waitFor(
      () =>
        kafka
          .events('workItemCommands')
          .find((e) => e.data.command === 'withdraw' && e.data.workItemId === h.workItemId),
      { what: 'withdraw command', timeoutMs: 30_000 },
    );
    await kafka.publishWorkItemEvent(T, {
      event: 'assigned',
      ...ref(h),
      agentId: 'agent-9',
      offerId: null,
      autoAccepted: true,
    });
    const accepted = await waitOutcome(h.id, 'accepted');
    expect(accepted.data.agentId).toBe('agent-9');
    const view = await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
    expect(view.body).toMatchObject({ status: 'accepted', reason: null });
  });

  it('lets the bot cancel: withdraw (withdrawn) → failed(withdrawn); cancelling a final handoff is 409', async () => {
    const h = await requestHandoff();
    const c = await http(svc.url, 'POST', `/v1/handoffs/${h.id}/withdraw`, { tenant: T });
    expect(c.status).toBe(202);
    expect(c.body.status).toBe('withdrawing');
    const again = await http(svc.url, 'POST', `/v1/handoffs/${h.id}/withdraw`, { tenant: T });
    expect(again.status).toBe(202);
    await waitFor(
      () =>
        kafka
          .events('workItemCommands')
          .find((e) => e.data.command === 'withdraw' && e.data.workItemId === h.workItemId),
      { what: 'withdraw command' },
    );
    expect(
      kafka
        .events('workItemCommands')
        .filter((e) => e.data.command === 'withdraw' && e.data.workItemId === h.workItemId),
    ).toHaveLength(1);
    await kafka.publishWorkItemEvent(T, { event: 'withdrawn', ...ref(h), reason: 'withdrawn' });
    expect((await waitOutcome(h.id, 'failed')).data.reason).toBe('withdrawn');
    expect((await http(svc.url, 'POST', `/v1/handoffs/${h.id}/withdraw`, { tenant: T })).status).toBe(409);
  });

  it('keeps the timer across a restart: stopped before the deadline, a new instance fires it', async () => {
    const h = await requestHandoff({ timeoutSeconds: 6 });
    const timeoutAt = Date.parse(
      (
        await sql<{ t: Date }>(world, 'SELECT timeout_at AS t FROM handoffs WHERE id = $1', [h.id])
      )[0].t.toISOString(),
    );
    await svc.close();
    expect(Date.now()).toBeLessThan(timeoutAt); // the old instance is gone before the deadline
    svc = await startService(world, callbackEnv);
    const withdraw = await waitFor(
      () =>
        kafka
          .events('workItemCommands')
          .find((e) => e.data.command === 'withdraw' && e.data.workItemId === h.workItemId),
      { what: 'withdraw command after restart', timeoutMs: 30_000 },
    );
    expect(withdraw.data).toMatchObject({ reason: 'timeout' });
    const firedAt = Date.parse(withdraw.occurredAt);
    expect(firedAt).toBeGreaterThanOrEqual(timeoutAt);
    await kafka.publishWorkItemEvent(T, { event: 'withdrawn', ...ref(h), reason: 'timeout' });
    expect((await waitOutcome(h.id, 'failed')).data.reason).toBe('timeout');
    const view = await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
    expect(view.body.status).toBe('failed');
  });
});
