import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { CalDavCalendar } from '@hub/calendars';
import { startXandikos, type XandikosServer } from '@hub/calendars/testing';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { http, seedQueue, sql, startService, type Json, type RunningService } from './support/harness';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './support/smtp-sink';

jest.setTimeout(120_000);

const T = 'cb-tenant';
const OTHER = 'cb-other';
const ZONE = 'America/New_York';
const AGENT = 'team-lead@example.com';
const CUSTOMER = 'ada@example.com';

/** The VEVENT of a mail's iCalendar part (mailparser's text/calendar alternative or .ics attachment). */
function inviteOf(m: ReceivedMail): { method: string; uid: string; start: Date; sequence: number } {
  const part = m.parsed.attachments.find((a) => a.contentType.startsWith('text/calendar')) ?? null;
  const text = part ? part.content.toString('utf8') : '';
  const cal = new ICAL.Component(ICAL.parse(text));
  const ev = cal.getFirstSubcomponent('vevent')!;
  return {
    method: String(cal.getFirstPropertyValue('method')),
    uid: String(ev.getFirstPropertyValue('uid')),
    start: (ev.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate(),
    sequence: Number(ev.getFirstPropertyValue('sequence') ?? 0),
  };
}

describe('scheduled customer callbacks (real CalDAV server, real SMTP server, real PostgreSQL)', () => {
  let world: TestWorld;
  let svc: RunningService;
  let dav: XandikosServer;
  let smtp: SmtpSink;
  let queue: string;
  let queueModelQueue: string;
  let calendar: CalDavCalendar;

  const api = (method: string, path: string, body?: unknown, tenant = T, scopes?: string[]) =>
    http(svc.url, method, path, { tenant, body, ...(scopes ? { scopes } : {}) });
  const mailsFor = (id: string, kind: string) =>
    smtp.mails.filter(
      (m) =>
        m.parsed.headers.get('x-hub-callback-id') === id &&
        m.parsed.headers.get('x-hub-notification') === kind,
    );
  const proposeSlots = async (q = queue, channel = 'voice') => {
    const r = await api('POST', '/v1/callbacks/slots', { queueId: q, customerId: 'cust-1', channel });
    expect(r.status).toBe(200);
    return r.body as Json;
  };
  const book = (startsAt: string, extra: Record<string, unknown> = {}) =>
    api('POST', '/v1/callbacks', {
      queueId: queue,
      customerId: 'cust-1',
      channel: 'voice',
      startsAt,
      conversationId: 'conv-1',
      customer: { name: 'Ada', email: CUSTOMER, phone: '+14155550100' },
      context: { intent: 'change_beneficiary' },
      ...extra,
    });

  beforeAll(async () => {
    [world, dav, smtp] = await Promise.all([createTestWorld(), startXandikos(), startSmtpSink()]);
    svc = await startService(world, {
      OUTBOUND_ALLOW_HTTP: 'true',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      CUSTOMER_CALLBACK_SMTP_URL: smtp.url,
      CUSTOMER_CALLBACK_POLL_MS: '100',
    });
    calendar = new CalDavCalendar({ calendarUrl: dav.calendarUrl }, (u, i) => fetch(u, i));
    queue = await seedQueue(world, T, 'Licensed agents');
    queueModelQueue = await seedQueue(world, T, 'Billing');
    const integ = await api('POST', '/v1/integrations', {
      type: 'calendar_caldav',
      name: 'Team calendar',
      config: { calendarUrl: dav.calendarUrl },
      secrets: {},
    });
    expect(integ.status).toBe(201);
    // open around the clock every day, so the test does not depend on when it runs
    const team = await api('PUT', `/v1/callbacks/teams/${queue}`, {
      zone: ZONE,
      weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '24:00' })),
      slotIntervalMin: 15,
      bufferMin: 10,
      minNoticeMin: 30,
      calendarIntegrationId: integ.body.id,
      agentEmail: AGENT,
    });
    expect(team.status).toBe(200);
    expect(team.body.durations).toEqual({ voice: 15, video: 30, chat: 30 });
    const qm = await api('PUT', `/v1/callbacks/teams/${queueModelQueue}`, {
      zone: 'Asia/Kolkata',
      weeklyHours: [{ day: 1, start: '09:00', end: '10:00' }],
      queueSlaMin: 45,
    });
    expect(qm.status).toBe(200);
  });

  afterAll(async () => {
    await svc?.close();
    await Promise.all([dav?.stop(), smtp?.close(), world?.drop()]);
  });

  it('proposes 3 slots on the 15-minute grid after the notice, leaving a calendar meeting and its buffers free', async () => {
    const first = await proposeSlots();
    expect(first.mode).toBe('calendar');
    expect(first.durationMin).toBe(15);
    expect(first.slots).toHaveLength(3);
    const s0 = new Date(first.slots[0].start);
    expect(s0.getTime()).toBeGreaterThanOrEqual(Date.now() + 30 * 60_000 - 5_000);
    expect(DateTime.fromISO(first.slots[0].local, { setZone: true }).minute % 15).toBe(0);
    expect(first.slots[0].local).toMatch(/-0[45]:00$/); // New York offset
    // someone else's meeting over the first slot, written straight to the CalDAV server
    const meeting = await calendar.createEvent({
      uid: `meeting-${randomUUID()}`,
      start: s0,
      end: new Date(s0.getTime() + 15 * 60_000),
      summary: 'Team meeting',
    });
    const after = await proposeSlots();
    const starts = after.slots.map((s: Json) => new Date(s.start).getTime());
    // meeting [s0, s0+15) + 10 min buffer either side: nothing starts before s0 + 25 min (→ grid s0 + 30)
    for (const st of starts)
      expect(st >= s0.getTime() + 25 * 60_000 || st + 15 * 60_000 + 10 * 60_000 <= s0.getTime()).toBe(true);
    // booking the meeting's time anyway: 409, the calendar's busy time counts (not only our own bookings)
    const clash = await book(first.slots[0].start);
    expect(clash.status).toBe(409);
    expect(clash.body.errors?.[0]?.field ?? clash.body.field).toBe('startsAt');
    await calendar.deleteEvent(meeting.id);
  });

  it('N parallel bookings of one slot: exactly one 201, the rest 409 naming startsAt; the event is on the calendar', async () => {
    const { slots } = await proposeSlots();
    const slot = slots[1];
    const results = await Promise.all(Array.from({ length: 8 }, () => book(slot.start)));
    const created = results.filter((r) => r.status === 201);
    const conflicts = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(7);
    for (const c of conflicts) {
      expect(c.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(c.body.errors?.[0]?.field ?? c.body.field).toBe('startsAt');
    }
    const cb = created[0].body;
    // the guarantee is the database's: an overlapping booked row is refused by the exclusion constraint itself
    await expect(
      sql(
        world,
        `INSERT INTO customer_callbacks (id, tenant_id, queue_id, customer_id, channel, starts_at, ends_at)
                  VALUES ($1, $2, $3, 'sneaky', 'voice', $4::timestamptz + interval '5 minutes', $5)`,
        [randomUUID(), T, queue, slot.start, slot.end],
      ),
    ).rejects.toMatchObject({ code: '23P01', constraint: 'customer_callbacks_no_double_booking' });
    expect(cb).toMatchObject({ status: 'booked', channel: 'voice', startsAt: slot.start, local: slot.local });
    const rows = await sql(
      world,
      `SELECT count(*)::int AS n FROM customer_callbacks WHERE tenant_id = $1 AND status = 'booked' AND starts_at = $2`,
      [T, slot.start],
    );
    expect(rows[0].n).toBe(1);
    // written to the team calendar (the real CalDAV server reports it busy)
    const busy = await calendar.freeBusy(new Date(slot.start), new Date(slot.end));
    expect(busy).toEqual([{ start: new Date(slot.start), end: new Date(slot.end) }]);
    // the slot is no longer proposed
    const again = await proposeSlots();
    expect(again.slots.map((s: Json) => s.start)).not.toContain(slot.start);

    // confirmations: the customer and the agent get an e-mail with an iCalendar REQUEST for this booking
    const confirmations = await waitFor(
      () => (mailsFor(cb.id, 'confirmation').length === 2 ? mailsFor(cb.id, 'confirmation') : null),
      { timeoutMs: 30_000 },
    );
    expect(confirmations.flatMap((m) => m.to).sort()).toEqual([CUSTOMER, AGENT].sort());
    for (const m of confirmations) {
      expect(inviteOf(m)).toMatchObject({ method: 'REQUEST', uid: cb.id, start: new Date(slot.start) });
      expect(m.parsed.subject).toMatch(/booked/);
    }
    // the reminder is a durable row due 15 minutes before the slot, for both sides (e-mail ×2 + SMS)
    const reminders = await sql(
      world,
      `SELECT recipient, medium, due_at, sent_at FROM customer_callback_notifications WHERE callback_id = $1 AND kind = 'reminder' ORDER BY recipient, medium`,
      [cb.id],
    );
    expect(reminders.map((r) => `${r.recipient}/${r.medium}`)).toEqual([
      'agent/email',
      'customer/email',
      'customer/sms',
    ]);
    for (const r of reminders) {
      expect(new Date(r.due_at as string).getTime()).toBe(new Date(slot.start).getTime() - 15 * 60_000);
      expect(r.sent_at).toBeNull();
    }

    // the clock reaches the reminder (moved, not waited for): it is sent once, to both sides (e-mail; SMS below)
    await sql(
      world,
      `UPDATE customer_callback_notifications SET due_at = now() WHERE callback_id = $1 AND kind = 'reminder'`,
      [cb.id],
    );
    await waitFor(() => (mailsFor(cb.id, 'reminder').length === 2 ? true : null), { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1_000)); // several more scans: nothing is sent twice
    expect(mailsFor(cb.id, 'reminder')).toHaveLength(2);
    const sent = await sql(
      world,
      `SELECT count(*)::int AS n FROM customer_callback_notifications WHERE callback_id = $1 AND kind = 'reminder' AND sent_at IS NOT NULL`,
      [cb.id],
    );
    expect(sent[0].n).toBe(2);
    // this tenant has no SMS provider integration: the SMS reminder fails clearly (never "sent"), once
    const sms = await sql(
      world,
      `SELECT sent_at, failed_at, last_error FROM customer_callback_notifications WHERE callback_id = $1 AND kind = 'reminder' AND medium = 'sms'`,
      [cb.id],
    );
    expect(sms[0]).toMatchObject({ sent_at: null, failed_at: expect.any(Date) });
    expect(sms[0].last_error).toMatch(/no SMS provider is configured/);
  });

  it('reschedule moves the booking, the calendar event and the reminder; cancel removes them and mails a CANCEL', async () => {
    const { slots } = await proposeSlots();
    const b = await book(slots[0].start);
    expect(b.status).toBe(201);
    const moved = await api('PATCH', `/v1/callbacks/${b.body.id}`, {
      action: 'reschedule',
      startsAt: slots[2].start,
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      status: 'booked',
      startsAt: slots[2].start,
      rescheduledFrom: b.body.id,
    });
    expect((await api('GET', `/v1/callbacks/${b.body.id}`)).body.status).toBe('rescheduled');
    // the old reminder is gone, the new one follows the new time
    const oldRem = await sql(
      world,
      `SELECT count(*)::int AS n FROM customer_callback_notifications WHERE callback_id = $1 AND kind = 'reminder'`,
      [b.body.id],
    );
    expect(oldRem[0].n).toBe(0);
    const newRem = await sql(
      world,
      `SELECT DISTINCT due_at FROM customer_callback_notifications WHERE callback_id = $1 AND kind = 'reminder'`,
      [moved.body.id],
    );
    expect(newRem.map((r) => new Date(r.due_at as string).getTime())).toEqual([
      new Date(slots[2].start).getTime() - 15 * 60_000,
    ]);
    // calendar: busy at the new time only
    expect(await calendar.freeBusy(new Date(slots[0].start), new Date(slots[0].end))).toEqual([]);
    expect(await calendar.freeBusy(new Date(slots[2].start), new Date(slots[2].end))).toHaveLength(1);
    // the old slot can be booked again
    const reuse = await book(slots[0].start, { customerId: 'cust-2' });
    expect(reuse.status).toBe(201);

    const canceled = await api('PATCH', `/v1/callbacks/${moved.body.id}`, { action: 'cancel' });
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    const remAfter = await sql(
      world,
      `SELECT count(*)::int AS n FROM customer_callback_notifications WHERE callback_id = $1 AND kind = 'reminder'`,
      [moved.body.id],
    );
    expect(remAfter[0].n).toBe(0);
    expect(await calendar.freeBusy(new Date(slots[2].start), new Date(slots[2].end))).toEqual([]);
    const cancelMails = await waitFor(
      () =>
        mailsFor(moved.body.id, 'cancellation').length === 2 ? mailsFor(moved.body.id, 'cancellation') : null,
      { timeoutMs: 30_000 },
    );
    expect(inviteOf(cancelMails[0])).toMatchObject({ method: 'CANCEL', uid: moved.body.id, sequence: 1 });
    // a canceled callback cannot be changed again
    const again = await api('PATCH', `/v1/callbacks/${moved.body.id}`, { action: 'cancel' });
    expect(again.status).toBe(409);
  });

  it('at the slot time the callback becomes a work item on the team queue with the conversation context, once; it follows a reschedule', async () => {
    const bot = await api('POST', '/v1/integrations', { type: 'internal', name: 'Bot', config: {} });
    expect(bot.status).toBe(201);
    const { slots } = await proposeSlots();
    const b = await book(slots[0].start, {
      integrationId: bot.body.id,
      conversationId: 'conv-wi',
      customerId: 'cust-wi',
      context: {
        intent: 'change_beneficiary',
        policyNumber: 'P-123',
        transcript: [
          { role: 'user', text: 'I want to change the beneficiary', timestamp: '2026-12-02T10:00:00Z' },
        ],
      },
    });
    expect(b.status).toBe(201);
    const due = async (id: string) =>
      (
        await sql(
          world,
          `SELECT due_at FROM customer_callback_notifications WHERE callback_id = $1 AND kind = 'work_item'`,
          [id],
        )
      ).map((r) => new Date(r.due_at as string).getTime());
    expect(await due(b.body.id)).toEqual([new Date(slots[0].start).getTime()]);
    const moved = await api('PATCH', `/v1/callbacks/${b.body.id}`, {
      action: 'reschedule',
      startsAt: slots[2].start,
    });
    expect(moved.status).toBe(200);
    expect(await due(b.body.id)).toEqual([]);
    expect(await due(moved.body.id)).toEqual([new Date(slots[2].start).getTime()]);
    // the clock reaches the slot (moved, not waited for)
    await sql(
      world,
      `UPDATE customer_callback_notifications SET due_at = now() WHERE callback_id = $1 AND kind = 'work_item'`,
      [moved.body.id],
    );
    const handoff = await waitFor(
      async () => {
        const rows = await sql(
          world,
          `SELECT id, channel, routing, attributes, intent, transcript, work_item_id, queue_id FROM handoffs WHERE tenant_id = $1 AND idempotency_key = $2`,
          [T, `callback:${moved.body.id}`],
        );
        return rows.length ? rows : null;
      },
      { timeoutMs: 30_000 },
    );
    expect(handoff).toHaveLength(1);
    expect(handoff[0]).toMatchObject({
      channel: 'voice',
      routing: { queue_id: queue },
      intent: 'change_beneficiary',
    });
    expect(handoff[0].attributes).toMatchObject({
      callbackId: moved.body.id,
      policyNumber: 'P-123',
      customerId: 'cust-wi',
    });
    expect((handoff[0].transcript as Json[])[0].text).toBe('I want to change the beneficiary');
    expect(handoff[0].work_item_id).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1_000)); // more scans: still one handoff
    const again = await sql(world, `SELECT count(*)::int AS n FROM handoffs WHERE idempotency_key = $1`, [
      `callback:${moved.body.id}`,
    ]);
    expect(again[0].n).toBe(1);
  });

  it('the outcome feeds the handoff report’s callback fulfilment rate', async () => {
    const decisionId = randomUUID();
    await sql(
      world,
      `INSERT INTO escalation_decisions (id, tenant_id, conversation_id, escalate, decided_by, reasons, primary_reason, paths_offered)
       VALUES ($1, $2, 'conv-report', true, 'model', '[]', 'out_of_scope', '{form,callback}')`,
      [decisionId, T],
    );
    const { slots } = await proposeSlots();
    const done = await book(slots[0].start, {
      decisionId,
      conversationId: 'conv-report',
      customerId: 'cust-r',
    });
    expect(done.status).toBe(201);
    const decision = await api('GET', `/v1/escalation/decisions/${decisionId}`);
    expect(decision.body.pathPicked).toBe('callback');
    expect(
      (await api('PATCH', `/v1/callbacks/${done.body.id}`, { action: 'outcome', outcome: 'completed' })).body
        .status,
    ).toBe('completed');
    // a second decision whose callback was missed
    const missedDecision = randomUUID();
    await sql(
      world,
      `INSERT INTO escalation_decisions (id, tenant_id, conversation_id, escalate, decided_by, reasons, primary_reason, paths_offered)
       VALUES ($1, $2, 'conv-report-2', true, 'model', '[]', 'out_of_scope', '{callback}')`,
      [missedDecision, T],
    );
    // slots[1] is inside the 10-minute buffer after slots[0] now that slots[0] is booked
    const missed = await book(slots[2].start, {
      decisionId: missedDecision,
      conversationId: 'conv-report-2',
      customerId: 'cust-m',
    });
    expect(missed.status).toBe(201);
    expect(
      (await api('PATCH', `/v1/callbacks/${missed.body.id}`, { action: 'outcome', outcome: 'missed' }))
        .status,
    ).toBe(200);
    // time passes: both slots are in the past (the report counts callbacks already due)
    await sql(
      world,
      `UPDATE customer_callbacks SET starts_at = now() - interval '2 hours', ends_at = now() - interval '105 minutes' WHERE id = ANY($1::uuid[])`,
      [[done.body.id, missed.body.id]],
    );
    const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const to = encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString());
    const report = await api('GET', `/v1/reports/handoffs?from=${from}&to=${to}`);
    expect(report.status).toBe(200);
    expect(report.body.due).toBe(2);
    expect(report.body.fulfilment).toMatchObject({ numerator: 1, denominator: 2, value: 0.5 });
  });

  it('without a calendar: the queue model (“we’ll call you within X minutes”, soft SLA)', async () => {
    const p = await proposeSlots(queueModelQueue, 'chat');
    expect(p.mode).toBe('queue');
    expect(p.durationMin).toBe(30);
    expect(p.queue).toEqual({ withinMinutes: 45, slaMin: 45, slaAtRisk: false });
    for (const s of p.slots) expect(s.local).toMatch(/T09:(00|15|30):00\.000\+05:30$/);
  });

  it('bad input → 4xx naming the field; nothing is booked', async () => {
    const before = await sql(world, 'SELECT count(*)::int AS n FROM customer_callbacks');
    const zone = await api('PUT', `/v1/callbacks/teams/${queue}`, {
      zone: 'Mars/Olympus_Mons',
      weeklyHours: [{ day: 1, start: '09:00', end: '17:00' }],
    });
    expect(zone.status).toBe(400);
    expect(zone.body.errors.map((e: Json) => e.field)).toContain('zone');
    const past = await book(new Date(Date.now() - 3_600_000).toISOString());
    expect(past.status).toBe(422);
    expect(past.body.errors?.[0]?.field ?? past.body.field).toBe('startsAt');
    expect(past.body.detail ?? past.body.message).toMatch(/past/);
    const notice = await book(new Date(Date.now() + 5 * 60_000).toISOString());
    expect(notice.status).toBe(422);
    expect(notice.body.detail ?? notice.body.message).toMatch(/notice/);
    // the queue-model team is open Mondays 09:00–10:00 Kolkata: a Tuesday noon is outside its hours
    const tuesdayNoon = DateTime.now()
      .setZone('Asia/Kolkata')
      .plus({ weeks: 1 })
      .set({ weekday: 2, hour: 12, minute: 0, second: 0, millisecond: 0 });
    const outside = await api('POST', '/v1/callbacks', {
      queueId: queueModelQueue,
      customerId: 'c',
      channel: 'chat',
      startsAt: tuesdayNoon.toISO(),
    });
    expect(outside.status).toBe(422);
    expect(outside.body.errors?.[0]?.field ?? outside.body.field).toBe('startsAt');
    expect(outside.body.detail ?? outside.body.message).toMatch(/outside the team's hours/);
    const channel = await api('POST', '/v1/callbacks/slots', {
      queueId: queue,
      customerId: 'c',
      channel: 'fax',
    });
    expect(channel.status).toBe(400);
    expect(channel.body.errors.map((e: Json) => e.field)).toContain('channel');
    const unknownTeam = await api('POST', '/v1/callbacks/slots', {
      queueId: randomUUID(),
      customerId: 'c',
      channel: 'voice',
    });
    expect(unknownTeam.status).toBe(404);
    expect(unknownTeam.body.errors?.[0]?.field ?? unknownTeam.body.field).toBe('queueId');
    const decision = await book(new Date(Date.now() + 3 * 3_600_000).toISOString(), {
      decisionId: randomUUID(),
    });
    expect(decision.status).toBe(422);
    const after = await sql(world, 'SELECT count(*)::int AS n FROM customer_callbacks');
    expect(after[0].n).toBe(before[0].n);
  });

  it('tenants are isolated and the scopes are callbacks:write / callbacks:read', async () => {
    const { slots } = await proposeSlots();
    const mine = await book(slots[2].start, { customerId: 'cust-iso' });
    expect(mine.status).toBe(201);
    expect((await api('GET', `/v1/callbacks/${mine.body.id}`, undefined, OTHER)).status).toBe(404);
    expect((await api('PATCH', `/v1/callbacks/${mine.body.id}`, { action: 'cancel' }, OTHER)).status).toBe(
      404,
    );
    expect(
      (await api('POST', '/v1/callbacks/slots', { queueId: queue, customerId: 'c', channel: 'voice' }, OTHER))
        .status,
    ).toBe(404);
    expect((await api('GET', `/v1/callbacks/${mine.body.id}`, undefined, T, ['callbacks:read'])).status).toBe(
      200,
    );
    expect(
      (
        await api('POST', '/v1/callbacks/slots', { queueId: queue, customerId: 'c', channel: 'voice' }, T, [
          'callbacks:read',
        ])
      ).status,
    ).toBe(403);
    expect((await api('GET', `/v1/callbacks/${mine.body.id}`, undefined, T, ['handoffs:read'])).status).toBe(
      403,
    );
  });
});
