import { randomUUID } from 'node:crypto';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { http, seedQueue, sql, startService, type Json, type RunningService } from './support/harness';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

jest.setTimeout(120_000);

const T = 'cbm-tenant';
const ZONE = 'Europe/Berlin';
const MEMBERS = [
  { agentId: 'ann', email: 'ann@example.com' },
  { agentId: 'bob', email: 'bob@example.com' },
  { agentId: 'cy', email: null }, // falls back to the team's address
];
const TEAM_MAIL = 'team@example.com';

/**
 * Callback teams with members (docs/callbacks.md "Team members"): each booking is assigned to one free member
 * (fewest bookings that local day, ties by agent id), the exclusion constraint is per agent — a team of N takes N
 * callbacks at the same time — the agent's confirmation goes to that agent, and the slot-time work item names the
 * agent (`routing.agent_id`). Real PostgreSQL, a local SMTP server, the service in-process.
 */
describe('customer callbacks: team members and per-agent booking', () => {
  let world: TestWorld;
  let svc: RunningService;
  let smtp: SmtpSink;
  let queue: string;

  const api = (method: string, path: string, body?: unknown) =>
    http(svc.url, method, path, { tenant: T, body });
  const book = (startsAt: string, extra: Record<string, unknown> = {}) =>
    api('POST', '/v1/callbacks', {
      queueId: queue,
      customerId: `cust-${randomUUID()}`,
      channel: 'voice',
      startsAt,
      customer: { name: 'Ada', email: 'ada@example.com' },
      ...extra,
    });
  const slots = async (): Promise<Json[]> => {
    const r = await api('POST', '/v1/callbacks/slots', { queueId: queue, customerId: 'c', channel: 'voice' });
    expect(r.status).toBe(200);
    return r.body.slots;
  };

  beforeAll(async () => {
    [world, smtp] = await Promise.all([createTestWorld(), startSmtpSink()]);
    svc = await startService(world, {
      CUSTOMER_CALLBACK_SMTP_URL: smtp.url,
      CUSTOMER_CALLBACK_POLL_MS: '100',
    });
    queue = await seedQueue(world, T, 'Advisers');
    const team = await api('PUT', `/v1/callbacks/teams/${queue}`, {
      zone: ZONE,
      weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '24:00' })),
      slotIntervalMin: 15,
      minNoticeMin: 30,
      agentEmail: TEAM_MAIL,
      members: MEMBERS,
    });
    expect(team.status).toBe(200);
    expect(team.body.members).toEqual(MEMBERS);
  });

  afterAll(async () => {
    await svc?.close();
    await Promise.all([smtp?.close(), world?.drop()]);
  });

  it('N+1 parallel bookings of one slot with N free members: exactly N succeed (distinct agents), the rest 409', async () => {
    const [slot] = await slots();
    const results = await Promise.all(Array.from({ length: 4 }, () => book(slot.start)));
    const created = results.filter((r) => r.status === 201);
    const conflicts = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(3);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0].body.errors?.[0]?.field ?? conflicts[0].body.field).toBe('startsAt');
    expect(created.map((r) => r.body.agentId).sort()).toEqual(['ann', 'bob', 'cy']);
    // every member is busy then: the slot is no longer proposed
    expect((await slots()).map((s) => s.start)).not.toContain(slot.start);
    // the guarantee is the database's: a second overlapping row for one agent is refused, for another it is not
    const insert = (agent: string) =>
      sql(
        world,
        `INSERT INTO customer_callbacks (id, tenant_id, queue_id, customer_id, channel, starts_at, ends_at, agent_id)
         VALUES ($1, $2, $3, 'sneaky', 'voice', $4, $5, $6)`,
        [randomUUID(), T, queue, slot.start, slot.end, agent],
      );
    await expect(insert('bob')).rejects.toMatchObject({
      code: '23P01',
      constraint: 'customer_callbacks_no_double_booking',
    });
    await expect(insert('someone-else')).resolves.toBeDefined();
    await sql(world, `DELETE FROM customer_callbacks WHERE customer_id = 'sneaky'`);
  });

  it('assignment policy: the free member with the fewest bookings that day, ties by agent id; cancel frees the agent; the agent is mailed', async () => {
    const s = await slots(); // later slots of the same day (the first test took the first one)
    const a = await book(s[0].start);
    expect(a.status).toBe(201);
    const b = await book(s[1].start);
    expect(b.status).toBe(201);
    // same day: after test 1 everyone has 1; the first goes to ann (tie → id), then ann has 2 → bob
    const sameDay = (x: string, y: string) =>
      new Date(x).toLocaleDateString('en-CA', { timeZone: ZONE }) ===
      new Date(y).toLocaleDateString('en-CA', { timeZone: ZONE });
    if (sameDay(s[0].start, s[1].start)) {
      expect([a.body.agentId, b.body.agentId]).toEqual(['ann', 'bob']);
    } else {
      expect(a.body.agentId).toBe('ann');
    }
    // the agent's confirmation goes to that agent's own address
    const agentMail = (id: string) =>
      smtp.mails.filter(
        (m) =>
          m.parsed.headers.get('x-hub-callback-id') === id &&
          m.parsed.headers.get('x-hub-notification') === 'confirmation' &&
          !m.to.includes('ada@example.com'),
      );
    const mails = await waitFor(() => (agentMail(a.body.id).length ? agentMail(a.body.id) : null), {
      timeoutMs: 30_000,
    });
    expect(mails.flatMap((m) => m.to)).toEqual(['ann@example.com']);

    // cancel frees ann at that slot: the next booking of it gets ann again (bob, cy are free too but the
    // policy picks the fewest that day: ann is back to her count before)
    const cancel = await api('PATCH', `/v1/callbacks/${a.body.id}`, { action: 'cancel' });
    expect(cancel.status).toBe(200);
    const again = await book(s[0].start);
    expect(again.status).toBe(201);
    expect(['ann', 'cy']).toContain(again.body.agentId);
    const row = await sql(world, `SELECT agent_id FROM customer_callbacks WHERE id = $1`, [again.body.id]);
    expect(row[0].agent_id).toBe(again.body.agentId);
  });

  it('reschedule re-assigns; the slot-time work item names the assigned agent (routing.agent_id)', async () => {
    const bot = await api('POST', '/v1/integrations', { type: 'internal', name: 'Bot', config: {} });
    expect(bot.status).toBe(201);
    const s = await slots();
    const b = await book(s[0].start, { integrationId: bot.body.id, conversationId: 'conv-m' });
    expect(b.status).toBe(201);
    const moved = await api('PATCH', `/v1/callbacks/${b.body.id}`, {
      action: 'reschedule',
      startsAt: s[2].start,
    });
    expect(moved.status).toBe(200);
    expect(MEMBERS.map((m) => m.agentId)).toContain(moved.body.agentId);
    await sql(
      world,
      `UPDATE customer_callback_notifications SET due_at = now() WHERE callback_id = $1 AND kind = 'work_item'`,
      [moved.body.id],
    );
    const handoff = await waitFor(
      async () => {
        const rows = await sql(
          world,
          `SELECT routing FROM handoffs WHERE tenant_id = $1 AND idempotency_key = $2`,
          [T, `callback:${moved.body.id}`],
        );
        return rows.length ? rows : null;
      },
      { timeoutMs: 30_000 },
    );
    expect(handoff[0].routing).toEqual({ queue_id: queue, agent_id: moved.body.agentId });
  });

  it('members are validated: a duplicate agentId is a 400 naming members', async () => {
    const r = await api('PUT', `/v1/callbacks/teams/${queue}`, {
      zone: ZONE,
      weeklyHours: [{ day: 1, start: '09:00', end: '17:00' }],
      members: [{ agentId: 'ann' }, { agentId: 'ann' }],
    });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/members/);
  });
});
