import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { RouterTestBus, startInProcess } from './support/harness';

/**
 * Queue resolution (seed 000 "Queue Routing"), end to end: `create` commands on Kafka, the work
 * item in PostgreSQL and the `created`/`queued`/`failed` events on the events topic. Also the
 * admin API's validation and the automatic default queue of a new tenant.
 */
describe('work-item-router: queue resolution and admin API', () => {
  let bus: RouterTestBus;
  let app: INestApplication;
  const T = 'acme';
  let defaultQ: string;
  let billing: string;
  let support: string;
  let integrationQ: string;

  beforeAll(async () => {
    bus = await RouterTestBus.create();
    ({ app, base: bus.base } = await startInProcess(bus));
    defaultQ = await bus.tenant(T);
    support = await bus.queue(T, { name: 'Support' });
    billing = await bus.queue(T, { name: 'Billing' });
    integrationQ = await bus.queue(T, { name: 'Integration default' });
  }, 120000);

  afterAll(async () => {
    await app?.close();
    await bus?.close();
  });

  it('POST /v1/tenants creates the tenant with its default queue "Default" (is_default)', async () => {
    const r = await bus.http<Record<string, unknown>[]>('GET', '/v1/queues', { tenant: T });
    expect(r.status).toBe(200);
    const def = r.body.find((q) => q.id === defaultQ);
    expect(def).toMatchObject({
      name: 'Default',
      isDefault: true,
      active: true,
      offerTimeoutSeconds: 30,
      priorityHandling: 'priority',
    });
    expect(r.body.filter((q) => q.isDefault)).toHaveLength(1);
    const dup = await bus.http('POST', '/v1/tenants', { admin: true, body: { id: T, name: 'again' } });
    expect(dup.status).toBe(409);
  });

  async function resolved(cmd: Parameters<RouterTestBus['createItem']>[1]) {
    const c = await bus.createItem(T, cmd);
    const queued = await bus.waitEvent(T, c.workItemId, 'queued');
    const row = await bus.prisma.workItem.findUniqueOrThrow({ where: { id: c.workItemId } });
    expect(row.queueId).toBe(queued.queueId);
    return { queueId: row.queueId, level: row.queueResolution };
  }

  it('level 1: queue_id in the routing data', async () => {
    expect(
      await resolved({
        routing: { queue_id: billing, queue: 'Support' },
        integrationDefaultQueueId: integrationQ,
      }),
    ).toEqual({ queueId: billing, level: 1 });
  });

  it('level 2: queue / queue_name, case-sensitive, active queues only', async () => {
    expect(
      await resolved({ routing: { queue: 'Support' }, integrationDefaultQueueId: integrationQ }),
    ).toEqual({
      queueId: support,
      level: 2,
    });
    expect(
      await resolved({ routing: { queue_name: 'Billing' }, integrationDefaultQueueId: integrationQ }),
    ).toEqual({
      queueId: billing,
      level: 2,
    });
    // wrong case → not a match → integration default (level 3)
    expect(
      await resolved({ routing: { queue: 'billing' }, integrationDefaultQueueId: integrationQ }),
    ).toEqual({
      queueId: integrationQ,
      level: 3,
    });
  });

  it('level 3: the integration default queue', async () => {
    expect(await resolved({ routing: {}, integrationDefaultQueueId: integrationQ })).toEqual({
      queueId: integrationQ,
      level: 3,
    });
  });

  it('level 4: the tenant default queue', async () => {
    expect(await resolved({ routing: {}, integrationDefaultQueueId: null })).toEqual({
      queueId: defaultQ,
      level: 4,
    });
    // another tenant's queue id (or an unknown one) is never trusted
    expect(
      await resolved({ routing: { queue_id: randomUUID() }, integrationDefaultQueueId: randomUUID() }),
    ).toEqual({
      queueId: defaultQ,
      level: 4,
    });
  });

  it('an inactive queue is skipped by name; level 5: first active queue when there is no default', async () => {
    const T2 = 'level5';
    const def2 = await bus.tenant(T2);
    const first = await bus.queue(T2, { name: 'First' });
    await bus.queue(T2, { name: 'Second' });
    const off = await bus.queue(T2, { name: 'Off', active: false });
    expect(
      (
        await bus.http('PATCH', `/v1/queues/${def2}`, {
          tenant: T2,
          body: { isDefault: false, active: false },
        })
      ).status,
    ).toBe(200);

    const c = await bus.createItem(T2, { routing: { queue: 'Off', queue_id: off } });
    await bus.waitEvent(T2, c.workItemId, 'queued');
    const row = await bus.prisma.workItem.findUniqueOrThrow({ where: { id: c.workItemId } });
    expect({ queueId: row.queueId, level: row.queueResolution }).toEqual({ queueId: first, level: 5 });
  });

  it('no active queue → failed(no_active_queue) at once', async () => {
    const T3 = 'noqueues';
    const def3 = await bus.tenant(T3);
    await bus.http('PATCH', `/v1/queues/${def3}`, { tenant: T3, body: { active: false } });
    const c = await bus.createItem(T3, { routing: { queue: 'Default' } });
    const failed = await bus.waitEvent(T3, c.workItemId, 'failed');
    expect(failed).toMatchObject({ reason: 'no_active_queue', queueId: null, handoffId: c.handoffId });
    const types = bus.events(T3, c.workItemId).map((e) => e.data.event);
    expect(types).toEqual(['created', 'failed']);
    expect(await bus.workItem(T3, c.workItemId)).toMatchObject({
      status: 'failed',
      endReason: 'no_active_queue',
    });
  });

  it('create is idempotent on the command id and on the work item id', async () => {
    const c = await bus.createItem(T, { routing: { queue: 'Support' } });
    await bus.resend(c.envelope); // redelivery of the same envelope
    await bus.send(T, { ...c, envelope: undefined } as never, c.conversationId); // new envelope, same work item id
    const marker = await bus.createItem(T, { routing: { queue: 'Support' } });
    await bus.waitEvent(T, marker.workItemId, 'queued');
    await bus.waitEvent(T, c.workItemId, 'queued');
    expect(bus.events(T, c.workItemId).filter((e) => e.data.event === 'created')).toHaveLength(1);
    expect(await bus.prisma.workItem.count({ where: { id: c.workItemId } })).toBe(1);
  });

  it('stores the full context and serves it on GET /v1/work-items/:id', async () => {
    const c = await bus.createItem(T, { n: 1, routing: { queue: 'Billing' }, priority: 7 });
    await bus.waitEvent(T, c.workItemId, 'queued');
    const w = await bus.workItem(T, c.workItemId);
    expect(w).toMatchObject({
      status: 'waiting',
      queueId: billing,
      priority: 7,
      type: 'chat',
      transfers: [],
    });
    expect(w!.context).toEqual(c.context);
    const call = await bus.createItem(T, { n: 2, context: { ...c.context, channel: 'phone' } });
    await bus.waitEvent(T, call.workItemId, 'created', (d) => d.type === 'call');
    const list = await bus.http<{ id: string }[]>('GET', `/v1/work-items?status=waiting&queueId=${billing}`, {
      tenant: T,
    });
    expect(list.body.map((x) => x.id)).toContain(c.workItemId);
    expect(list.body.every((x) => (x as unknown as { queueId: string }).queueId === billing)).toBe(true);
  });

  it('malformed requests: 400 naming the field; unknown ids: 404/422', async () => {
    const noTenant = await bus.http<{ message: string }>('GET', '/v1/queues');
    expect(noTenant.status).toBe(401);
    expect(noTenant.body.message).toContain('Authorization');

    const badQueue = await bus.http<{ message: string; errors: { field: string }[] }>('POST', '/v1/queues', {
      tenant: T,
      body: { name: '', offerTimeoutSeconds: 0 },
    });
    expect(badQueue.status).toBe(400);
    expect(badQueue.body.errors.map((e) => e.field).sort()).toEqual(['name', 'offerTimeoutSeconds']);

    const badAgent = await bus.http<{ errors: { field: string }[] }>('POST', '/v1/agents', {
      tenant: T,
      body: { id: 'a-x', displayName: 'X', capacity: { chat: -1 } },
    });
    expect(badAgent.status).toBe(400);
    expect(badAgent.body.errors[0].field).toBe('capacity.chat');

    const unknownQueue = await bus.http<{ message: string; errors: { field: string }[] }>(
      'POST',
      '/v1/agents',
      {
        tenant: T,
        body: { id: 'a-y', displayName: 'Y', queueIds: [support, randomUUID()] },
      },
    );
    expect(unknownQueue.status).toBe(422);
    expect(unknownQueue.body.errors[0].field).toBe('queueIds.1');

    expect((await bus.http('GET', `/v1/queues/${randomUUID()}`, { tenant: T })).status).toBe(404);
    expect((await bus.http('GET', `/v1/work-items/${randomUUID()}`, { tenant: T })).status).toBe(404);
    expect((await bus.http('GET', '/v1/agents/nobody', { tenant: T })).status).toBe(404);
    const badId = await bus.http<{ errors: { field: string }[] }>('GET', '/v1/work-items/not-a-uuid', {
      tenant: T,
    });
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0].field).toBe('id');
    const badStatus = await bus.http<{ errors: { field: string }[] }>('GET', '/v1/work-items?status=lost', {
      tenant: T,
    });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.errors[0].field).toBe('status');
    expect((await bus.http('POST', '/v1/queues', { tenant: 'ghost', body: { name: 'Q' } })).status).toBe(404);
    expect(
      (await bus.http('PUT', '/v1/agents/nobody/presence', { tenant: T, body: { presence: 'online' } }))
        .status,
    ).toBe(404);
    const docs = await bus.http<{ paths: Record<string, unknown> }>('GET', '/docs-json');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining(['/v1/queues', '/v1/agents/{id}/presence', '/v1/work-items/{id}']),
    );
  });
});
