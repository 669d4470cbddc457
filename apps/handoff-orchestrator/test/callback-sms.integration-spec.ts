import { createServer } from 'node:net';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { http, seedQueue, sql, startService, type Json, type RunningService } from './support/harness';
import { startFakeTwilio, twilioSignature, type FakeTwilioMessage } from './support/fake-twilio';

jest.setTimeout(120_000);

/**
 * Callback SMS through the tenant's Twilio integration (docs/callbacks.md §4), against a local server speaking
 * Twilio's REST wire format (Basic auth checked, Twilio error bodies) that posts signed status callbacks.
 */
const T = 'sms-tenant';
const NO_PROVIDER = 'sms-none';
const ACCOUNT = { accountSid: `AC${'a1'.repeat(16)}`, authToken: 'twilio-auth-token-0123456789abcdef' };
const API_KEY = { sid: `SK${'b2'.repeat(16)}`, secret: 'api-key-secret-value' };
const FROM = '+15017122661';
const PHONE = '+14155550100';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('callback SMS through Twilio (local Twilio wire-format server, real PostgreSQL)', () => {
  let world: TestWorld;
  let svc: RunningService;
  let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
  let queue: string;
  let otherQueue: string;
  let integrationId: string;
  let used = 0;

  const api = (method: string, path: string, body?: unknown, tenant = T) =>
    http(svc.url, method, path, { tenant, body });
  const hours = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '24:00' }));
  /** Books the next free slot of the team for a customer with `phone`. */
  const book = async (phone: string, tenant = T, q = queue) => {
    const slots = await api(
      'POST',
      '/v1/callbacks/slots',
      { queueId: q, customerId: 'c1', channel: 'voice' },
      tenant,
    );
    expect(slots.status).toBe(200);
    const r = await api(
      'POST',
      '/v1/callbacks',
      {
        queueId: q,
        customerId: 'c1',
        channel: 'voice',
        startsAt: slots.body.slots[used++ % 3].start,
        customer: { name: 'Ada', phone },
      },
      tenant,
    );
    expect(r.status).toBe(201);
    return r.body as Json;
  };
  const smsRow = async (callbackId: string, kind = 'confirmation') =>
    (
      await sql(
        world,
        `SELECT id, sent_at, failed_at, attempts, last_error, provider, provider_message_id, delivery_status,
                delivery_error_code FROM customer_callback_notifications
         WHERE callback_id = $1 AND medium = 'sms' AND kind = $2`,
        [callbackId, kind],
      )
    )[0] as Json;
  const messageFor = (callbackId: string) =>
    waitFor(() => twilio.messages.find((m) => m.body.includes(callbackId)) ?? null, { timeoutMs: 20_000 });

  beforeAll(async () => {
    const port = await freePort();
    [world, twilio] = await Promise.all([
      createTestWorld(),
      startFakeTwilio({ ...ACCOUNT, apiKey: API_KEY }),
    ]);
    svc = await startService(world, {
      PORT: String(port),
      OUTBOUND_ALLOW_HTTP: 'true',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      CUSTOMER_CALLBACK_POLL_MS: '100',
      SMS_STATUS_CALLBACK_BASE_URL: `http://127.0.0.1:${port}`,
    });
    const integ = await api('POST', '/v1/integrations', {
      type: 'sms_twilio',
      name: 'Twilio',
      config: { accountSid: ACCOUNT.accountSid, from: FROM, baseUrl: twilio.url },
      secrets: { authToken: ACCOUNT.authToken, apiKeySid: API_KEY.sid, apiKeySecret: API_KEY.secret },
    });
    expect(integ.status).toBe(201);
    integrationId = integ.body.id;
    queue = await seedQueue(world, T, 'Callbacks');
    otherQueue = await seedQueue(world, NO_PROVIDER, 'Callbacks');
    for (const [tenant, q] of [
      [T, queue],
      [NO_PROVIDER, otherQueue],
    ] as const) {
      const team = await api(
        'PUT',
        `/v1/callbacks/teams/${q}`,
        { zone: 'Europe/Berlin', weeklyHours: hours, minNoticeMin: 30, bufferMin: 0 },
        tenant,
      );
      expect(team.status).toBe(200);
    }
  });

  afterAll(async () => {
    await svc?.close();
    await Promise.all([twilio?.close(), world?.drop()]);
  });

  it('refuses a Twilio integration without a sender or with a malformed Account SID, naming the field', async () => {
    const noSender = await api('POST', '/v1/integrations', {
      type: 'sms_twilio',
      name: 'x',
      config: { accountSid: ACCOUNT.accountSid, baseUrl: twilio.url },
      secrets: { authToken: ACCOUNT.authToken },
    });
    expect(noSender.status).toBe(400);
    expect(noSender.body.errors.map((e: Json) => e.field)).toContain('config.from');
    const badSid = await api('POST', '/v1/integrations', {
      type: 'sms_twilio',
      name: 'x',
      config: { accountSid: 'AC123', from: FROM, baseUrl: twilio.url },
      secrets: { authToken: ACCOUNT.authToken },
    });
    expect(badSid.status).toBe(400);
    expect(badSid.body.errors.map((e: Json) => e.field)).toContain('config.accountSid');
  });

  it('sends the confirmation SMS to Twilio (Basic auth with the API key, From, Body, StatusCallback) and stores its sid', async () => {
    const cb = await book(PHONE);
    const msg = await messageFor(cb.id);
    expect(msg).toMatchObject({ to: PHONE, from: FROM, messagingServiceSid: null, authUser: API_KEY.sid });
    expect(msg.body).toMatch(
      /^Your callback is booked: voice callback on .+ \(Europe\/Berlin\)\. Reference /,
    );
    const row = await waitFor(async () => {
      const r = await smsRow(cb.id);
      return r?.sent_at ? r : null;
    });
    expect(msg.statusCallback).toBe(
      `${svc.url}/v1/sms/twilio/${integrationId}/status?n=${encodeURIComponent(row.id)}`,
    );
    expect(row).toMatchObject({
      provider: 'twilio',
      provider_message_id: msg.sid,
      delivery_status: 'queued',
      failed_at: null,
      attempts: 1,
    });
    // exactly one message for this notification (sent once, not re-sent by later scans)
    await new Promise((r) => setTimeout(r, 500));
    expect(twilio.messages.filter((m) => m.body.includes(cb.id))).toHaveLength(1);
  });

  it('records signed status callbacks (sent → delivered, a late "sent" does not step back); forged or unsigned ones are 401 and change nothing', async () => {
    const cb = await book(PHONE);
    const msg = await messageFor(cb.id);
    await waitFor(async () => ((await smsRow(cb.id))?.sent_at ? true : null));
    expect(await twilio.postStatus(msg, 'sent')).toBe(204);
    expect((await smsRow(cb.id)).delivery_status).toBe('sent');
    expect(await twilio.postStatus(msg, 'delivered')).toBe(204);
    expect((await smsRow(cb.id)).delivery_status).toBe('delivered');
    expect(await twilio.postStatus(msg, 'sent')).toBe(204);
    expect((await smsRow(cb.id)).delivery_status).toBe('delivered');

    // forged: signed with another token, a signature of other parameters, no signature, another integration id
    expect(await twilio.postStatus(msg, 'failed', { signWith: 'not-the-auth-token-0000000000' })).toBe(401);
    const other = twilioSignature(ACCOUNT.authToken, msg.statusCallback!, { MessageStatus: 'failed' });
    expect(await twilio.postStatus(msg, 'failed', { signature: other })).toBe(401);
    expect(await twilio.postStatus(msg, 'failed', { signature: '' })).toBe(401);
    const wrongIntegration: FakeTwilioMessage = {
      ...msg,
      statusCallback: msg.statusCallback!.replace(integrationId, '00000000-0000-4000-8000-000000000000'),
    };
    expect(await twilio.postStatus(wrongIntegration, 'failed')).toBe(401);
    expect(await smsRow(cb.id)).toMatchObject({ delivery_status: 'delivered', delivery_error_code: null });
    // the booking's view shows it
    const view = await api('GET', `/v1/callbacks/${cb.id}`);
    expect(view.status).toBe(200);
    expect(view.body.notifications).toContainEqual(
      expect.objectContaining({
        kind: 'confirmation',
        medium: 'sms',
        provider: 'twilio',
        providerMessageId: msg.sid,
        deliveryStatus: 'delivered',
        failedAt: null,
        sentAt: expect.any(String),
      }),
    );
  });

  it('records an undelivered status with its Twilio error code', async () => {
    const cb = await book('+14155550101');
    const msg = await messageFor(cb.id);
    await waitFor(async () => ((await smsRow(cb.id))?.sent_at ? true : null));
    expect(await twilio.postStatus(msg, 'undelivered', { errorCode: '30003' })).toBe(204);
    expect(await smsRow(cb.id)).toMatchObject({
      delivery_status: 'undelivered',
      delivery_error_code: '30003',
    });
  });

  it('a 429 from Twilio is transient: the notification is retried with backoff and sent once', async () => {
    const before = twilio.attempts.length;
    twilio.failNext(1, 429, 20429);
    const cb = await book('+14155550102');
    const failed = await waitFor(async () => {
      const r = await smsRow(cb.id);
      return r?.attempts === 1 && !r.sent_at ? r : null;
    });
    expect(failed.last_error).toMatch(/Twilio 429 \(code 20429\)/);
    expect(failed.failed_at).toBeNull();
    const sent = await waitFor(
      async () => {
        const r = await smsRow(cb.id);
        return r?.sent_at ? r : null;
      },
      { timeoutMs: 20_000 },
    );
    expect(sent.attempts).toBe(2);
    expect(twilio.attempts.slice(before).map((a) => a.status)).toEqual([429, 201]);
    expect(twilio.messages.filter((m) => m.body.includes(cb.id))).toHaveLength(1);
  });

  it('an invalid number (Twilio 21211) fails the notification for good, naming customer.phone, and is not retried', async () => {
    const cb = await book('+15005550001');
    const row = await waitFor(async () => {
      const r = await smsRow(cb.id);
      return r?.failed_at ? r : null;
    });
    expect(row.sent_at).toBeNull();
    expect(row.delivery_error_code).toBe('21211');
    expect(row.last_error).toMatch(/^customer\.phone: Twilio 400 \(code 21211\)/);
    await new Promise((r) => setTimeout(r, 2_500)); // the first backoff would have passed: no second attempt
    expect((await smsRow(cb.id)).attempts).toBe(1);
    expect(twilio.attempts.filter((a) => a.to === '+15005550001')).toHaveLength(1);
    const view = await api('GET', `/v1/callbacks/${cb.id}`);
    expect(view.body.notifications).toContainEqual(
      expect.objectContaining({
        kind: 'confirmation',
        medium: 'sms',
        sentAt: null,
        failedAt: expect.any(String),
        error: expect.stringMatching(/^customer\.phone: /),
        deliveryErrorCode: '21211',
      }),
    );
  });

  it('a tenant without an SMS provider: the SMS notification fails clearly (never "sent"), nothing reaches Twilio', async () => {
    const before = twilio.attempts.length;
    const cb = await book('+14155550103', NO_PROVIDER, otherQueue);
    const row = await waitFor(async () => {
      const r = await smsRow(cb.id);
      return r?.failed_at ? r : null;
    });
    expect(row.sent_at).toBeNull();
    expect(row.last_error).toMatch(/no SMS provider is configured for tenant sms-none .*sms_twilio/);
    expect(twilio.attempts.length).toBe(before);
  });
});
