import type { INestApplication } from '@nestjs/common';
import { DateTime } from 'luxon';
import { waitFor } from '@hub/testing';
import { RouterTestBus, startInProcess } from './support/harness';

/**
 * Business hours, availability and queue position of the router (issue 11 part 2, docs/business-hours.md),
 * against real PostgreSQL (row-level security as hub_app), Kafka and Redis. Each test has its own tenant.
 */
describe('work-item-router: business hours, availability, position', () => {
  let bus: RouterTestBus;
  let app: INestApplication;

  beforeAll(async () => {
    bus = await RouterTestBus.create();
    ({ app, base: bus.base } = await startInProcess(bus));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await bus?.close();
  });

  type Problem = { errors: { field: string; message: string }[] };
  const fields = (body: unknown) => (body as Problem).errors.map((e) => e.field);

  it('PUT validates (400 naming the field), stores with revisions; GET and DELETE', async () => {
    const T = 'bh-crud';
    const q = await bus.tenant(T);
    const none = await bus.http('GET', `/v1/queues/${q}/business-hours`, { tenant: T });
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ queueId: q, schedule: null, revision: 0, openNow: true });

    const put = (body: unknown) => bus.http('PUT', `/v1/queues/${q}/business-hours`, { tenant: T, body });
    const badZone = await put({ timeZone: 'Mars/Olympus', weekly: [] });
    expect(badZone.status).toBe(400);
    expect(fields(badZone.body)).toEqual(['timeZone']);
    const badEnd = await put({
      timeZone: 'Europe/Berlin',
      weekly: [{ day: 1, start: '09:00', end: '25:00' }],
    });
    expect(fields(badEnd.body)).toEqual(['weekly.0.end']);
    const badCountry = await put({ timeZone: 'Europe/Berlin', weekly: [], holidays: { country: 'XX' } });
    expect(badCountry.status).toBe(400);
    expect(fields(badCountry.body)).toEqual(['holidays.country']);

    const schedule = {
      timeZone: 'Europe/Berlin',
      weekly: [1, 2, 3, 4, 5].map((day) => ({ day, start: '08:00', end: '18:00' })),
      overrides: [{ date: '2027-12-24', closed: true }],
      holidays: { country: 'DE', state: 'BE' },
    };
    const first = await put(schedule);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ queueId: q, revision: 1, schedule });
    expect((await put(schedule)).body).toMatchObject({ revision: 2 });
    const got = await bus.http('GET', `/v1/queues/${q}/business-hours`, { tenant: T });
    expect(got.body).toMatchObject({ revision: 2, schedule });
    // Another tenant cannot see it (RLS): 404
    await bus.tenant('bh-crud-other');
    expect(
      (await bus.http('GET', `/v1/queues/${q}/business-hours`, { tenant: 'bh-crud-other' })).status,
    ).toBe(404);

    const removed = await bus.http('DELETE', `/v1/queues/${q}/business-hours`, { tenant: T });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ schedule: null, openNow: true });
    expect((await bus.http('GET', `/v1/queues/${q}/business-hours`, { tenant: T })).body).toMatchObject({
      schedule: null,
      revision: 0,
    });
    expect((await bus.http('DELETE', `/v1/queues/${q}/business-hours`, { tenant: T })).status).toBe(404);
  });

  it('availability: closed by an override → openNow false with the next opening in the queue zone', async () => {
    const T = 'bh-closed';
    const q = await bus.tenant(T);
    const zone = 'Asia/Kolkata';
    const today = DateTime.now().setZone(zone).startOf('day');
    const r = await bus.http('PUT', `/v1/queues/${q}/business-hours`, {
      tenant: T,
      body: {
        timeZone: zone,
        weekly: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '24:00' })),
        overrides: [
          { date: today.toISODate(), closed: true },
          { date: today.plus({ days: 1 }).toISODate(), intervals: [{ start: '10:30', end: '12:00' }] },
        ],
      },
    });
    expect(r.status).toBe(200);
    const a = await bus.http('GET', `/v1/queues/default/availability`, { tenant: T });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      queueId: q,
      hasBusinessHours: true,
      timeZone: zone,
      openNow: false,
      closesAt: null,
      onlineAgents: 0,
      freeCapacity: { chat: 0, call: 0 },
      waiting: 0,
      estimatedWaitMs: null,
      estimatedWaitSamples: 0,
    });
    expect(a.body.nextOpening).toBe(today.plus({ days: 1, hours: 10, minutes: 30 }).toISO());
  });

  it('availability counts online agents, free capacity per type, waiting items, and the median pickup; position', async () => {
    const T = 'bh-capacity';
    const q = await bus.tenant(T);
    await bus.agent(
      T,
      { id: 'ana', displayName: 'Ana', queueIds: [q], capacity: { chat: 2, call: 1 }, autoAccept: true },
      'online',
    );
    await bus.agent(
      T,
      { id: 'bo', displayName: 'Bo', queueIds: [q], capacity: { chat: 1, call: 0 }, autoAccept: true },
      'online',
    );
    await bus.agent(T, { id: 'cy', displayName: 'Cy', queueIds: [q], capacity: { chat: 3, call: 3 } }); // offline

    const empty = await bus.http('GET', `/v1/queues/${q}/availability`, { tenant: T });
    expect(empty.body).toMatchObject({
      hasBusinessHours: false,
      openNow: true,
      onlineAgents: 2,
      freeCapacity: { chat: 3, call: 1 },
      waiting: 0,
    });

    // Three chats fill the chat capacity (auto-accept: assigned at once).
    const assigned = [];
    for (let i = 0; i < 3; i++) assigned.push(await bus.createItem(T, { n: i }));
    for (const c of assigned)
      await waitFor(
        async () => ((await bus.workItem(T, c.workItemId))?.status === 'assigned' ? true : null),
        { what: 'assigned' },
      );
    // Their time to pickup: 60 s, 6 min, 10 min → median 6 min (set in the router's table, as if measured).
    const pickups = [60_000, 360_000, 600_000];
    for (const [i, c] of assigned.entries()) {
      await bus.prisma
        .$executeRaw`UPDATE work_items SET enqueued_at = assigned_at - make_interval(secs => ${pickups[i] / 1000}::int) WHERE id = ${c.workItemId}::uuid`;
    }
    // Two more chats wait (no chat capacity left); the second is behind the first.
    const w1 = await bus.createItem(T, { n: 3 });
    await waitFor(async () => ((await bus.workItem(T, w1.workItemId))?.status === 'waiting' ? true : null), {
      what: 'w1 waiting',
    });
    const w2 = await bus.createItem(T, { n: 4 });
    await waitFor(async () => ((await bus.workItem(T, w2.workItemId))?.status === 'waiting' ? true : null), {
      what: 'w2 waiting',
    });

    const full = await bus.http('GET', `/v1/queues/${q}/availability`, { tenant: T });
    expect(full.body).toMatchObject({
      onlineAgents: 2,
      freeCapacity: { chat: 0, call: 1 },
      waiting: 2,
      waitingByType: { chat: 2, call: 0 },
      estimatedWaitMs: 360_000,
      estimatedWaitSamples: 3,
    });

    const p1 = await bus.http('GET', `/v1/work-items/${w1.workItemId}/position`, { tenant: T });
    expect(p1.body).toMatchObject({
      workItemId: w1.workItemId,
      queueId: q,
      status: 'waiting',
      position: 1,
      waiting: 2,
      estimatedWaitMs: 360_000,
    });
    const p2 = await bus.http('GET', `/v1/work-items/${w2.workItemId}/position`, { tenant: T });
    expect(p2.body).toMatchObject({ position: 2, waiting: 2 });
    const pa = await bus.http('GET', `/v1/work-items/${assigned[0].workItemId}/position`, { tenant: T });
    expect(pa.body).toMatchObject({ status: 'assigned', position: null, estimatedWaitMs: null });

    // A higher-priority chat goes ahead of both.
    const urgent = await bus.createItem(T, { n: 5, priority: 90 });
    await waitFor(
      async () => ((await bus.workItem(T, urgent.workItemId))?.status === 'waiting' ? true : null),
      { what: 'urgent waiting' },
    );
    expect(
      (await bus.http('GET', `/v1/work-items/${urgent.workItemId}/position`, { tenant: T })).body,
    ).toMatchObject({ position: 1, waiting: 3 });
    expect(
      (await bus.http('GET', `/v1/work-items/${w2.workItemId}/position`, { tenant: T })).body,
    ).toMatchObject({ position: 3 });
  });
});
