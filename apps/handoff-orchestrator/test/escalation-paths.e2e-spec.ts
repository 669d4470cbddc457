import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ICAL from 'ical.js';
import { SignJWT } from 'jose';
import { DateTime } from 'luxon';
import { io, type Socket } from 'socket.io-client';
import type { AgentChannelMessage } from '@hub/contracts';
import { CalDavCalendar } from '@hub/calendars';
import { startXandikos, type XandikosServer } from '@hub/calendars/testing';
import {
  createTestWorld,
  startService as startChild,
  waitFor,
  type RunningService as ChildService,
  type TestWorld,
} from '@hub/testing';
import { CallbackClock } from '../src/customer-callbacks/callback-clock';
import { addressChangeTemplate, FORM_SECRET, getPage, postForm } from './support/forms';
import { fakeServer, http, sql, startService, type Json, type RunningService } from './support/harness';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './support/smtp-sink';

jest.setTimeout(300_000);

const T = 'e2e-paths';
const ZONE = 'America/New_York';
const AGENT_EMAIL = 'team-lead@example.com';
const CUSTOMER = 'grace@example.com';
const AGENT_SECRET = 'e2e-paths-agent-secret-0123456789-abcdef';
const turn = (text: string) => ({ role: 'user', text, timestamp: '2026-12-02T10:00:00Z' });

/** An agent token as the gateway verifies it (HS256 over AGENT_JWT_SECRET; apps/agent-gateway/src/auth). */
const agentToken = (agentId: string) =>
  new SignJWT({ tid: T })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(agentId)
    .setIssuer('engagement-hub')
    .setAudience('agent-gateway')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(AGENT_SECRET));

/** The VEVENT of a mail's iCalendar part. */
function inviteOf(m: ReceivedMail): { method: string; uid: string; start: Date } {
  const part = m.parsed.attachments.find((a) => a.contentType.startsWith('text/calendar'));
  const cal = new ICAL.Component(ICAL.parse(part ? part.content.toString('utf8') : ''));
  const ev = cal.getFirstSubcomponent('vevent')!;
  return {
    method: String(cal.getFirstPropertyValue('method')),
    uid: String(ev.getFirstPropertyValue('uid')),
    start: (ev.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate(),
  };
}

/**
 * Issue 11's "Tests and done", end to end through the decision API: this service in-process, the real
 * work-item router and agent gateway as child processes on one world, a real CalDAV server (xandikos) and a
 * local SMTP server. An out-of-hours conversation is offered form and callback (not live), gets a form link
 * (opened, submitted once, replay refused),
 * books a slot on the CalDAV calendar, receives the e-mail invite, the reminder fires once, at the slot time the
 * callback work item reaches the agent's socket with the conversation's context, the agent accepts, the outcome
 * is recorded completed and the handoff report counts it as fulfilled.
 *
 * The clock is injected: the service runs with HUB_TEST_CLOCK_ADJUSTABLE=true and the test moves its
 * {@link CallbackClock} forward to the reminder time and then to the slot time (nothing in the database is
 * moved) — see docs/callbacks.md → Tests.
 */
describe('escalation paths end to end: out of hours → form + callback → CalDAV, SMTP, reminder, agent socket, report', () => {
  let world: TestWorld;
  let svc: RunningService;
  let router: ChildService;
  let gateway: ChildService;
  let dav: XandikosServer;
  let smtp: SmtpSink;
  let hook: Awaited<ReturnType<typeof fakeServer>>;
  let files: string;
  let queue: string;
  let socket: Socket | undefined;
  let clock: CallbackClock;
  /** Moves the service's callback clock forward to `at` (never back). */
  const clockTo = (at: Date) => clock.advance(Math.max(0, at.getTime() - clock.now().getTime()));
  const agentEvents: AgentChannelMessage[] = [];

  const api = (method: string, path: string, body?: unknown) =>
    http(svc.url, method, path, { tenant: T, body });
  const routerCall = async (method: string, path: string, body?: unknown, admin = false) => {
    const r = await http(router.url, method, path, admin ? { admin: true, body } : { tenant: T, body });
    if (r.status >= 300) throw new Error(`router ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Json;
  };
  const mailsFor = (id: string, kind: string) =>
    smtp.mails.filter(
      (m) =>
        m.parsed.headers.get('x-hub-callback-id') === id &&
        m.parsed.headers.get('x-hub-notification') === kind,
    );

  beforeAll(async () => {
    [world, dav, smtp] = await Promise.all([createTestWorld(), startXandikos(), startSmtpSink()]);
    hook = await fakeServer((_req, res) => {
      res.writeHead(204).end();
    });
    files = mkdtempSync(join(tmpdir(), 'e2e-paths-files-'));
    [router, gateway] = await Promise.all([
      startChild('work-item-router', world.env, { ready: 'readyz' }),
      startChild('agent-gateway', {
        ...world.env,
        AGENT_JWT_SECRET: AGENT_SECRET,
        FILE_STORAGE_DIR: files,
        PRESENCE_ON_CONNECT: 'online',
      }),
    ]);
    svc = await startService(world, {
      ESCALATION_ROUTER_URL: router.url,
      ESCALATION_ROUTER_TIMEOUT_MS: '10000',
      OUTBOUND_ALLOW_HTTP: 'true',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      HANDOFF_CALLBACK_ALLOW_HTTP: 'true',
      HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS: 'true',
      FORM_LINK_SECRET: FORM_SECRET,
      CUSTOMER_CALLBACK_SMTP_URL: smtp.url,
      CUSTOMER_CALLBACK_POLL_MS: '100',
      HUB_TEST_CLOCK_ADJUSTABLE: 'true',
    });
    clock = svc.app.get(CallbackClock);
    // the router owns the tenant, its queue and its agent
    await routerCall('POST', '/v1/tenants', { id: T, name: 'E2E paths' }, true);
    queue = (await routerCall('POST', '/v1/queues', { name: 'Licensed agents' })).id;
    await routerCall('POST', '/v1/agents', {
      id: 'ann',
      displayName: 'Ann',
      queueIds: [queue],
      capacity: { chat: 1, call: 1 },
    });
  });

  afterAll(async () => {
    if (process.env['E2E_ROUTER_LOG']) writeFileSync(process.env['E2E_ROUTER_LOG'], router?.output() ?? '');
    if (process.env['E2E_GATEWAY_LOG'])
      writeFileSync(process.env['E2E_GATEWAY_LOG'], gateway?.output() ?? '');
    socket?.disconnect();
    await svc?.close();
    await Promise.allSettled([router?.stop(), gateway?.stop()]);
    await Promise.all([dav?.stop(), smtp?.close(), hook?.close(), world?.drop()]);
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it('offers form and callback out of hours, books on CalDAV, mails, reminds once, reaches the agent, reports fulfilled', async () => {
    // ── set-up: the queue is closed now (today closed in its zone, open from tomorrow 09:00), an agent is online
    const today = DateTime.now().setZone(ZONE).startOf('day');
    await routerCall('PUT', `/v1/queues/${queue}/business-hours`, {
      timeZone: ZONE,
      weekly: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '09:00', end: '17:00' })),
      overrides: [{ date: today.toISODate(), closed: true }],
    });
    const token = await agentToken('ann');
    socket = io(`${gateway.url}/agents`, { auth: { token }, transports: ['websocket'], reconnection: true });
    socket.on('agent:event', (m: AgentChannelMessage) => agentEvents.push(m));
    await new Promise<void>((resolve, reject) => {
      socket!.once('sync', () => resolve());
      socket!.once('connect_error', reject);
    });
    await waitFor(async () => (await routerCall('GET', '/v1/agents/ann')).presence === 'online', {
      what: 'agent online at the router',
      timeoutMs: 30_000,
    });

    // the tenant's form template, callback team (calendar on the CalDAV server) and escalation policy
    expect((await api('POST', '/v1/webhook-secret')).status).toBe(201);
    const template = await api(
      'POST',
      '/v1/forms/templates',
      addressChangeTemplate(`${hook.url}/forms-hook`),
    );
    expect(template.status).toBe(201);
    const bot = await api('POST', '/v1/integrations', { type: 'internal', name: 'Bot', config: {} });
    expect(bot.status).toBe(201);
    const cal = await api('POST', '/v1/integrations', {
      type: 'calendar_caldav',
      name: 'Team calendar',
      config: { calendarUrl: dav.calendarUrl },
      secrets: {},
    });
    expect(cal.status).toBe(201);
    const team = await api('PUT', `/v1/callbacks/teams/${queue}`, {
      zone: ZONE,
      weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '24:00' })),
      slotIntervalMin: 15,
      bufferMin: 10,
      minNoticeMin: 30,
      calendarIntegrationId: cal.body.id,
      agentEmail: AGENT_EMAIL,
    });
    expect(team.status).toBe(200);
    const policy = await api('PUT', '/v1/escalation/config', {
      detectors: Object.fromEntries(
        [
          'human_request',
          'complaint',
          'frustration',
          'legal_advice',
          'medical_advice',
          'financial_advice',
        ].map((d) => [d, { enabled: false }]),
      ),
      rules: [],
      paths: {
        live_agent: { queueId: queue },
        form: { enabled: true, templateId: 'address-change' },
        callback: { enabled: true },
      },
    });
    expect(policy.status).toBe(200);

    // ── 1. the decision: escalate; live unavailable (outside hours, next opening tomorrow 09:00) → callback, form
    const conversationId = 'conv-e2e-paths';
    const decision = await api('POST', '/v1/escalation/decisions', {
      conversationId,
      transcript: [turn('I moved and need to change my beneficiary, can I speak to someone?')],
      // the bot's own knowledge search found nothing good enough: escalate (no rule forces a path)
      retrieval: { score: 0.1, threshold: 0.5 },
    });
    expect(decision.status).toBe(201);
    expect(decision.body).toMatchObject({ escalate: true, forcedPath: null });
    expect(decision.body.reasons).toEqual([{ signal: 'retrieval', score: 0.1, threshold: 0.5 }]);
    const nextOpening = today.plus({ days: 1, hours: 9 }).toISO();
    const live = decision.body.recommendedPaths.find((p: Json) => p.path === 'live_agent');
    expect(live).toMatchObject({
      available: false,
      unavailableReason: 'outside_hours',
      detail: { openNow: false, nextOpening },
    });
    expect(decision.body.fallthrough).toEqual({
      from: 'live_agent',
      reason: 'outside_hours',
      to: 'callback',
      nextOpening,
    });
    const order = decision.body.recommendedPaths.map((p: Json) => p.path);
    // offered form and callback first, live agent last (and unavailable)
    expect(order).toEqual(['callback', 'form', 'live_agent']);
    const formPath = decision.body.recommendedPaths.find((p: Json) => p.path === 'form');
    expect(formPath).toMatchObject({
      available: true,
      tool: 'send_secure_form',
      detail: { templateId: 'address-change' },
    });
    expect(decision.body.recommendedPaths[0]).toMatchObject({
      path: 'callback',
      available: true,
      tool: 'schedule_callback',
    });
    const decisionId: string = decision.body.decisionId;

    // ── 2. the form path: a single-use link to the decision's template for this conversation; GET shows it
    const link = await api('POST', '/v1/forms/links', {
      template_id: formPath.detail.templateId,
      prefilled_data: { full_name: 'Grace Hopper' },
      conversation_id: conversationId,
    });
    expect(link.status).toBe(201);
    expect(link.body).toMatchObject({ templateId: template.body.id, conversationId });
    const page = await getPage(link.body.url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Change of address');
    expect(page.html).toContain('Grace Hopper');
    // submitted once: the tenant's backend gets the data; a replay of the link is refused
    const fields = {
      full_name: 'Grace Hopper',
      policy_number: 'PN-123456',
      street: '1 Navy Yard',
      postcode: '20374',
      email: CUSTOMER,
      moving_date: '2027-01-15',
      national_id: 'US1234567',
      contact_by: 'email',
    };
    const submitted = await postForm(link.body.url, fields);
    expect(submitted.status).toBe(200);
    expect(submitted.html).toContain('your form was sent');
    await waitFor(() => hook.requests.find((q) => q.body?.linkId === link.body.linkId), {
      what: 'form webhook',
      timeoutMs: 30_000,
    });
    const replay = await postForm(link.body.url, fields);
    expect(replay.status).toBeGreaterThanOrEqual(400);
    expect(replay.status).toBeLessThan(500);

    // ── 3. callback: slots from the real CalDAV calendar, then the booking (tied to the decision)
    const proposed = await api('POST', '/v1/callbacks/slots', {
      queueId: queue,
      customerId: 'cust-grace',
      channel: 'voice',
    });
    expect(proposed.status).toBe(200);
    expect(proposed.body.mode).toBe('calendar');
    expect(proposed.body.slots).toHaveLength(3);
    const slot = proposed.body.slots[0];
    expect(new Date(slot.start).getTime()).toBeGreaterThanOrEqual(Date.now() + 30 * 60_000 - 5_000);
    const booked = await api('POST', '/v1/callbacks', {
      queueId: queue,
      customerId: 'cust-grace',
      channel: 'voice',
      startsAt: slot.start,
      decisionId,
      conversationId,
      integrationId: bot.body.id,
      customer: { name: 'Grace', email: CUSTOMER, phone: '+14155550123' },
      context: {
        intent: 'change_beneficiary',
        policyNumber: 'PN-123456',
        transcript: [turn('I moved and need to change my beneficiary, can I speak to someone?')],
      },
    });
    expect(booked.status).toBe(201);
    const cb = booked.body;
    expect(cb).toMatchObject({ status: 'booked', startsAt: slot.start });
    expect((await api('GET', `/v1/escalation/decisions/${decisionId}`)).body.pathPicked).toBe('callback');
    // the event is on the team's CalDAV calendar (the real server reports the slot busy)
    const calendar = new CalDavCalendar({ calendarUrl: dav.calendarUrl }, (u, i) => fetch(u, i));
    expect(await calendar.freeBusy(new Date(slot.start), new Date(slot.end))).toEqual([
      { start: new Date(slot.start), end: new Date(slot.end) },
    ]);

    // ── 4. the confirmation e-mails with their iCalendar invite arrive on the SMTP server
    const confirmations = await waitFor(
      () => (mailsFor(cb.id, 'confirmation').length === 2 ? mailsFor(cb.id, 'confirmation') : null),
      { what: 'confirmation mails', timeoutMs: 30_000 },
    );
    expect(confirmations.flatMap((m) => m.to).sort()).toEqual([AGENT_EMAIL, CUSTOMER].sort());
    for (const m of confirmations)
      expect(inviteOf(m)).toMatchObject({ method: 'REQUEST', uid: cb.id, start: new Date(slot.start) });
    // nothing reaches the agent before the slot time
    expect(agentEvents.filter((e) => e.kind === 'offer')).toEqual([]);
    const reportNow = async () => {
      const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
      const to = encodeURIComponent(new Date(clock.now().getTime() + 3_600_000).toISOString());
      const r = await api('GET', `/v1/reports/handoffs?from=${from}&to=${to}`);
      expect(r.status).toBe(200);
      return r.body as Json;
    };
    // not yet due: the report has no callback to count
    expect((await reportNow()).due).toBe(0);

    // ── 5. the reminder fires once, 15 minutes before the slot: the injected clock is moved there
    const slotStart = new Date(slot.start);
    clockTo(new Date(slotStart.getTime() - 15 * 60_000 - 60_000));
    await new Promise((r) => setTimeout(r, 1_000)); // a minute early: several scans, no reminder yet
    expect(mailsFor(cb.id, 'reminder')).toHaveLength(0);
    clockTo(new Date(slotStart.getTime() - 15 * 60_000));
    await waitFor(() => (mailsFor(cb.id, 'reminder').length === 2 ? true : null), {
      what: 'reminder mails',
      timeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 1_000)); // several more scans: nothing is sent twice
    expect(mailsFor(cb.id, 'reminder')).toHaveLength(2);
    expect(agentEvents.filter((e) => e.kind === 'offer')).toEqual([]);

    // ── 6. the slot time (clock moved there): the callback work item reaches the agent's socket with the context
    clockTo(slotStart);
    const offer = await waitFor(
      () => agentEvents.find((e): e is Extract<AgentChannelMessage, { kind: 'offer' }> => e.kind === 'offer'),
      { what: 'callback offer on the agent socket', timeoutMs: 60_000 },
    );
    expect(offer.workItem).toMatchObject({ conversationId, queueId: queue, type: 'call' });
    expect(offer.workItem.context).toMatchObject({
      intent: 'change_beneficiary',
      escalationReason: 'scheduled_callback',
      attributes: { callbackId: cb.id, policyNumber: 'PN-123456', customerId: 'cust-grace' },
      contact: { email: CUSTOMER },
    });
    expect(offer.workItem.context.transcript[0]?.text).toMatch(/change my beneficiary/);

    // ── 7. the agent accepts; the handoff is accepted and the callback outcome recorded completed
    const ack = await new Promise<{ ok: boolean }>((resolve) =>
      socket!.emit(
        'offer:accept',
        { workItemId: offer.workItem.workItemId, offerId: offer.offerId },
        resolve,
      ),
    );
    expect(ack.ok).toBe(true);
    await waitFor(
      () =>
        agentEvents.find((e) => e.kind === 'assigned' && e.workItem.workItemId === offer.workItem.workItemId),
      { what: 'assigned on the agent socket', timeoutMs: 30_000 },
    );
    await waitFor(
      async () => {
        const rows = await sql(
          world,
          `SELECT status FROM handoffs WHERE tenant_id = $1 AND idempotency_key = $2`,
          [T, `callback:${cb.id}`],
        );
        return rows[0]?.status === 'accepted' ? rows : null;
      },
      { what: 'handoff accepted', timeoutMs: 30_000 },
    );
    const outcome = await api('PATCH', `/v1/callbacks/${cb.id}`, { action: 'outcome', outcome: 'completed' });
    expect(outcome.status).toBe(200);
    expect(outcome.body.status).toBe('completed');

    // ── 8. the handoff report (its "now" is the same clock, past the slot) counts it as fulfilled
    const report = await reportNow();
    expect(report.due).toBe(1);
    expect(report.fulfilment).toMatchObject({ numerator: 1, denominator: 1, value: 1 });
  });
});
