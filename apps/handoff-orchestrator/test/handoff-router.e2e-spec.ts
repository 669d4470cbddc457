import { writeFileSync } from 'node:fs';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { handoffBody, http, sql, startService, WorldKafka, type RunningService } from './support/harness';
import { spawnRouter, type ServiceProcess } from './support/service-process';

jest.setTimeout(180_000);

/**
 * Both halves of issue 3 together: this service in-process and the real work-item router as a
 * child process, on one world (database, Kafka namespace, Redis namespace). A bot's REST handoff
 * becomes a work item offered to an online agent; the agent's accept (a `workitem.commands` accept,
 * as the agent gateway sends it) ends as the `accepted` outcome. Also: the five queue-resolution
 * levels through REST, no active queue, and a timeout withdrawn by the router.
 */
describe('handoff → work-item router, end to end', () => {
  const T = 'acme';
  let world: TestWorld;
  let svc: RunningService;
  let router: ServiceProcess;
  let kafka: WorldKafka;
  let defaultQ: string;
  let billing: string;
  let integrationDefault: string;
  let integration: string;
  let plainIntegration: string;

  const admin = async (method: string, path: string, tenant: string | undefined, body?: unknown) => {
    const r = await http(router.url, method, path, tenant ? { tenant, body } : { admin: true, body });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  beforeAll(async () => {
    world = await createTestWorld();
    svc = await startService(world);
    router = await spawnRouter(world);
    kafka = new WorldKafka(world);
    await kafka.start();
    defaultQ = (await admin('POST', '/v1/tenants', undefined, { id: T, name: 'Acme' })).defaultQueue.id;
    billing = (await admin('POST', '/v1/queues', T, { name: 'Billing' })).id;
    integrationDefault = (await admin('POST', '/v1/queues', T, { name: 'Integration default' })).id;
    await admin('POST', '/v1/agents', T, { id: 'agent-1', displayName: 'Ada', queueIds: [billing] });
    await admin('PUT', '/v1/agents/agent-1/presence', T, { presence: 'online' });
    integration = (
      await http(svc.url, 'POST', '/v1/integrations', {
        tenant: T,
        body: { type: 'internal', name: 'Desk', config: { defaultQueueId: integrationDefault } },
      })
    ).body.id;
    plainIntegration = (
      await http(svc.url, 'POST', '/v1/integrations', {
        tenant: T,
        body: { type: 'internal', name: 'Plain' },
      })
    ).body.id;
  });

  afterAll(async () => {
    // E2E_ROUTER_LOG=/path keeps the router's log for diagnosis
    if (process.env['E2E_ROUTER_LOG']) writeFileSync(process.env['E2E_ROUTER_LOG'], router?.output() ?? '');
    await kafka?.stop();
    await router?.stop();
    await svc?.close();
    await world?.drop();
  });

  const outcome = (handoffId: string, status: string) =>
    waitFor(
      () =>
        kafka
          .events('handoffOutcomes')
          .find((e) => e.data.handoffId === handoffId && e.data.status === status),
      { what: `${status} outcome of ${handoffId}`, timeoutMs: 45_000 },
    );

  async function handoff(tenant: string, integrationId: string, over: Record<string, unknown> = {}) {
    const r = await http(svc.url, 'POST', '/v1/handoffs', { tenant, body: handoffBody(integrationId, over) });
    if (r.status !== 201) throw new Error(`handoff: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { id: string; workItemId: string; conversationId: string };
  }

  it('REST handoff → offered to the online agent → accept → accepted outcome', async () => {
    const h = await handoff(T, integration, { routing: { queue_name: 'Billing' } });
    const offered = await outcome(h.id, 'offered');
    expect(offered.data.queueId).toBe(billing);
    const offer = await waitFor(
      () =>
        kafka
          .events('workItemEvents')
          .map((e) => e.data)
          .find((d) => d.event === 'offered' && d.workItemId === h.workItemId),
      { what: 'offered work item event' },
    );
    if (offer.event !== 'offered') throw new Error('unreachable');
    expect(offer.agentId).toBe('agent-1');
    // the router stored the context this service derived
    const item = await admin('GET', `/v1/work-items/${h.workItemId}`, T);
    expect(item).toMatchObject({ handoffId: h.id, queueId: billing });

    await kafka.producer.publish(
      'workItemCommands',
      newEnvelope({
        type: 'workitem.command' as const,
        version: 1 as const,
        tenantId: T,
        source: 'agent-gateway',
        correlationId: h.conversationId,
        data: {
          command: 'accept' as const,
          workItemId: h.workItemId,
          agentId: 'agent-1',
          offerId: offer.offerId,
        },
      }) as TopicEvent<'workItemCommands'>,
    );
    const accepted = await outcome(h.id, 'accepted');
    expect(accepted.data).toMatchObject({ agentId: 'agent-1', queueId: billing, workItemId: h.workItemId });
    const view = await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
    expect(view.body).toMatchObject({ status: 'accepted', agentId: 'agent-1', queueId: billing });
    expect(view.body.transitions.map((t: { to: string }) => t.to)).toEqual(
      expect.arrayContaining(['requested', 'offered', 'accepted']),
    );
  });

  it('resolves the queue at each of the five levels for REST handoffs', async () => {
    const routedQueue = async (tenant: string, integrationId: string, routing: Record<string, unknown>) => {
      const h = await handoff(tenant, integrationId, { routing });
      const r = await waitFor(
        () =>
          kafka
            .events('handoffOutcomes')
            .find(
              (e) => e.data.handoffId === h.id && (e.data.status === 'routed' || e.data.status === 'offered'),
            ),
        { what: 'routed outcome', timeoutMs: 45_000 },
      );
      return r.data.queueId;
    };
    expect(await routedQueue(T, integration, { queue_id: integrationDefault, queue: 'Billing' })).toBe(
      integrationDefault,
    ); // 1
    expect(await routedQueue(T, integration, { queue: 'Billing' })).toBe(billing); // 2
    expect(await routedQueue(T, integration, { queue_name: 'No such queue' })).toBe(integrationDefault); // 3
    expect(await routedQueue(T, plainIntegration, {})).toBe(defaultQ); // 4

    const T5 = 'level5';
    const def5 = (await admin('POST', '/v1/tenants', undefined, { id: T5, name: 'Level 5' })).defaultQueue.id;
    await admin('PATCH', `/v1/queues/${def5}`, T5, { isDefault: false, active: false });
    const first = (await admin('POST', '/v1/queues', T5, { name: 'First' })).id;
    await admin('POST', '/v1/queues', T5, { name: 'Second' });
    const i5 = (
      await http(svc.url, 'POST', '/v1/integrations', {
        tenant: T5,
        body: { type: 'internal', name: 'Desk' },
      })
    ).body.id;
    expect(await routedQueue(T5, i5, {})).toBe(first); // 5
  });

  it('fails with no_active_queue when the tenant has no active queue', async () => {
    const T0 = 'noqueue';
    const def0 = (await admin('POST', '/v1/tenants', undefined, { id: T0, name: 'No queue' })).defaultQueue
      .id;
    await admin('PATCH', `/v1/queues/${def0}`, T0, { active: false });
    const i0 = (
      await http(svc.url, 'POST', '/v1/integrations', {
        tenant: T0,
        body: { type: 'internal', name: 'Desk' },
      })
    ).body.id;
    const h = await handoff(T0, i0);
    const failed = await outcome(h.id, 'failed');
    expect(failed.data.reason).toBe('no_active_queue');
  });

  it('times out: the router withdraws the waiting work item and the bot gets failed(timeout)', async () => {
    const h = await handoff(T, plainIntegration, { routing: { queue_id: defaultQ }, timeoutSeconds: 2 });
    await outcome(h.id, 'routed'); // nobody online in Default: the item waits
    const failed = await outcome(h.id, 'failed');
    expect(failed.data.reason).toBe('timeout');
    const item = await admin('GET', `/v1/work-items/${h.workItemId}`, T);
    expect(item.status).toBe('withdrawn');
  });

  it('a create the router cannot process fails the handoff with error at once, not after its timeout', async () => {
    // A poison command: the database refuses the router's work item row for this conversation (every
    // attempt), so the router's create fails until its retries are exhausted and it is dead-lettered.
    await sql(
      world,
      `CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'poison work item %', NEW.id; END $$`,
    );
    await sql(
      world,
      `CREATE TRIGGER test_poison BEFORE INSERT ON work_items FOR EACH ROW
       WHEN (NEW.conversation_id LIKE 'poison-%') EXECUTE FUNCTION test_poison()`,
    );
    try {
      const started = Date.now();
      const h = await handoff(T, plainIntegration, { conversationId: 'poison-1', timeoutSeconds: 120 });
      const failed = await outcome(h.id, 'failed');
      expect(failed.data.reason).toBe('error');
      expect(failed.data.detail).toMatch(/work item could not be created: .*poison work item/);
      expect(Date.now() - started).toBeLessThan(30_000); // long before the 120 s timeout
      const view = await http(svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
      expect(view.body).toMatchObject({ status: 'failed', reason: 'error' });
      expect((await http(router.url, 'GET', `/v1/work-items/${h.workItemId}`, { tenant: T })).status).toBe(
        404,
      );
      // answered exactly once (the inbox claim of the dead-lettered command)
      expect(
        kafka
          .events('workItemEvents')
          .filter((e) => e.data.event === 'failed' && e.data.workItemId === h.workItemId),
      ).toHaveLength(1);
    } finally {
      await sql(world, 'DROP TRIGGER test_poison ON work_items');
      await sql(world, 'DROP FUNCTION test_poison()');
    }
  });

  it('answers a withdraw of a work item the router never created, so the bot cancel finishes', async () => {
    const h = await handoff(T, plainIntegration, { routing: { queue_id: defaultQ } });
    await outcome(h.id, 'routed');
    // a withdraw for an id the router does not know (e.g. its create was dead-lettered)
    const unknown = '00000000-0000-4000-8000-000000000001';
    await kafka.producer.publish(
      'workItemCommands',
      newEnvelope({
        type: 'workitem.command' as const,
        version: 1 as const,
        tenantId: T,
        source: 'test',
        correlationId: 'conv-unknown',
        data: { command: 'withdraw' as const, workItemId: unknown, reason: 'withdrawn' as const },
      }) as TopicEvent<'workItemCommands'>,
    );
    const answer = await waitFor(
      () =>
        kafka
          .events('workItemEvents')
          .map((e) => e.data)
          .find((d) => d.event === 'withdrawn' && d.workItemId === unknown),
      { what: 'withdrawn answer for the unknown item' },
    );
    expect(answer).toMatchObject({ conversationId: 'conv-unknown', reason: 'withdrawn' });
    // the bot's own cancel goes through the router and fails the handoff (withdrawn)
    expect((await http(svc.url, 'POST', `/v1/handoffs/${h.id}/withdraw`, { tenant: T })).status).toBe(202);
    expect((await outcome(h.id, 'failed')).data.reason).toBe('withdrawn');
  });
});
