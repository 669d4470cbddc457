import {
  startFakeGoogleCalendar,
  startFakeMicrosoftGraph,
  startFakeTokenServer,
  type FakeCalendarApi,
} from '@hub/calendars/testing';
import { withIntegrationStore } from '@hub/integrations';
import { createTestWorld, type TestWorld } from '@hub/testing';
import { http, seedQueue, sql, startService, type RunningService } from './support/harness';

jest.setTimeout(120_000);

/**
 * OAuth token refresh of Google Calendar / Microsoft Graph team calendars (docs/callbacks.md §1) with the real
 * service: local RFC 6749 token endpoints, local Calendar / Graph servers that accept only the token last issued,
 * secrets in real PostgreSQL (encrypted by @hub/integrations).
 */
const T = 'oauth-cal';
const CLIENT = { clientId: 'hub-web-client', clientSecret: 'client-secret-value-123' };
const hours = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '24:00' }));

describe('calendar OAuth token refresh (local token endpoints, real service and PostgreSQL)', () => {
  let world: TestWorld;
  let svc: RunningService;
  let google: FakeCalendarApi;
  let graph: FakeCalendarApi;
  let staticGoogle: FakeCalendarApi;
  let googleTokens: Awaited<ReturnType<typeof startFakeTokenServer>>;
  let graphTokens: Awaited<ReturnType<typeof startFakeTokenServer>>;
  let googleIntegration: string;
  const queues: Record<string, string> = {};

  const api = (method: string, path: string, body?: unknown) =>
    http(svc.url, method, path, { tenant: T, body });
  const slots = (q: string) =>
    api('POST', '/v1/callbacks/slots', { queueId: q, customerId: 'c1', channel: 'voice' });
  const storedSecrets = (id: string) =>
    withIntegrationStore(world.databaseUrl, world.env, (s) => s.readSecrets(T, id));
  const team = async (name: string, integration: Record<string, unknown>) => {
    const i = await api('POST', '/v1/integrations', { name, ...integration });
    expect(i.status).toBe(201);
    const q = await seedQueue(world, T, name);
    const t = await api('PUT', `/v1/callbacks/teams/${q}`, {
      zone: 'UTC',
      weeklyHours: hours,
      minNoticeMin: 30,
      calendarIntegrationId: i.body.id,
    });
    expect(t.status).toBe(200);
    queues[name] = q;
    return i.body.id as string;
  };

  beforeAll(async () => {
    [world, google, graph, staticGoogle] = await Promise.all([
      createTestWorld(),
      startFakeGoogleCalendar('team@group.calendar.google.com'),
      startFakeMicrosoftGraph('support-team@contoso.com'),
      startFakeGoogleCalendar('legacy@group.calendar.google.com'),
    ]);
    [googleTokens, graphTokens] = await Promise.all([
      startFakeTokenServer({
        ...CLIENT,
        refreshTokens: ['rt-consent-1'],
        rotate: true,
        onIssue: (t) => (google.token = t),
      }),
      startFakeTokenServer({ ...CLIENT, refreshTokens: [], onIssue: (t) => (graph.token = t) }),
    ]);
    svc = await startService(world, { OUTBOUND_ALLOW_HTTP: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true' });
    googleIntegration = await team('google', {
      type: 'calendar_google',
      config: {
        calendarId: 'team@group.calendar.google.com',
        baseUrl: google.baseUrl,
        tokenUrl: googleTokens.tokenUrl,
      },
      secrets: { ...CLIENT, refreshToken: 'rt-consent-1' },
    });
    await team('graph', {
      type: 'calendar_microsoft',
      config: { user: 'support-team@contoso.com', baseUrl: graph.baseUrl, tokenUrl: graphTokens.tokenUrl },
      secrets: CLIENT,
    });
    await team('legacy', {
      type: 'calendar_google',
      config: { calendarId: 'legacy@group.calendar.google.com', baseUrl: staticGoogle.baseUrl },
      secrets: { accessToken: staticGoogle.token },
    });
  });

  afterAll(async () => {
    await svc?.close();
    await Promise.all([
      google?.close(),
      graph?.close(),
      staticGoogle?.close(),
      googleTokens?.close(),
      graphTokens?.close(),
      world?.drop(),
    ]);
  });

  it('refuses OAuth secrets that are incomplete, naming the field', async () => {
    const r = await api('POST', '/v1/integrations', {
      type: 'calendar_google',
      name: 'incomplete',
      config: { calendarId: 'x' },
      secrets: { clientId: 'only-the-id' },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toContain('secrets.refreshToken');
  });

  it('Google: a refresh token gives the access token, the rotated refresh token is stored encrypted, the token is cached', async () => {
    const r = await slots(queues['google'] as string);
    expect(r.status).toBe(200);
    expect(r.body.mode).toBe('calendar');
    expect(googleTokens.requests).toEqual([
      { grantType: 'refresh_token', clientId: CLIENT.clientId, refreshToken: 'rt-consent-1' },
    ]);
    expect(google.requests.some((q) => q.path === '/freeBusy')).toBe(true);
    // rotation: the token server now only accepts its new refresh token, and that is what the integration stores
    const [rotated] = [...googleTokens.validRefreshTokens];
    expect(rotated).not.toBe('rt-consent-1');
    const secrets = await storedSecrets(googleIntegration);
    expect(secrets).toEqual({ ...CLIENT, refreshToken: rotated });
    const raw = await sql(world, 'SELECT * FROM integrations WHERE id = $1', [googleIntegration]);
    expect(JSON.stringify(raw)).not.toContain(rotated as string); // encrypted at rest
    // cached: another proposal, no token request
    expect((await slots(queues['google'] as string)).status).toBe(200);
    expect(googleTokens.requests).toHaveLength(1);
  });

  it('Google: a 401 from the Calendar API refreshes once (with the rotated refresh token) and the call succeeds', async () => {
    const r1 = (await storedSecrets(googleIntegration))?.['refreshToken'];
    google.token = 'revoked-by-google';
    const r = await slots(queues['google'] as string);
    expect(r.status).toBe(200);
    expect(googleTokens.requests).toHaveLength(2);
    expect(googleTokens.requests[1]?.refreshToken).toBe(r1);
    // rotated again: the newest one is stored
    const [r2] = [...googleTokens.validRefreshTokens];
    expect(r2).not.toBe(r1);
    expect((await storedSecrets(googleIntegration))?.['refreshToken']).toBe(r2);
  });

  it('Microsoft Graph app-only: client-credentials grant with the .default scope', async () => {
    const r = await slots(queues['graph'] as string);
    expect(r.status).toBe(200);
    expect(r.body.mode).toBe('calendar');
    expect(graphTokens.requests).toEqual([
      {
        grantType: 'client_credentials',
        clientId: CLIENT.clientId,
        scope: 'https://graph.microsoft.com/.default',
      },
    ]);
    expect(graph.requests.some((q) => q.path.endsWith('/calendar/getSchedule'))).toBe(true);
  });

  it('a stored static accessToken still works (backwards compatible)', async () => {
    const r = await slots(queues['legacy'] as string);
    expect(r.status).toBe(200);
    expect(r.body.mode).toBe('calendar');
  });

  it('invalid_grant (consent revoked): 422 naming calendarIntegrationId, the message names the integration to re-consent', async () => {
    for (const rt of [...googleTokens.validRefreshTokens]) googleTokens.revoke(rt);
    google.token = 'expired-again';
    const r = await slots(queues['google'] as string);
    expect(r.status).toBe(422);
    const field = r.body.errors?.[0]?.field ?? r.body.field;
    expect(field).toBe('calendarIntegrationId');
    expect(JSON.stringify(r.body)).toMatch(
      new RegExp(`calendar integration ${googleIntegration} needs re-consent.*invalid_grant`),
    );
    // nothing booked against a calendar we cannot read
    const b = await api('POST', '/v1/callbacks', {
      queueId: queues['google'],
      customerId: 'c1',
      channel: 'voice',
      startsAt: new Date(Math.ceil((Date.now() + 2 * 3600_000) / 900_000) * 900_000).toISOString(),
    });
    expect(b.status).toBe(422);
    expect(b.body.errors?.[0]?.field ?? b.body.field).toBe('calendarIntegrationId');
    const rows = await sql(world, 'SELECT count(*)::int AS n FROM customer_callbacks WHERE queue_id = $1', [
      queues['google'],
    ]);
    expect(rows[0]?.n).toBe(0);
  });
});
