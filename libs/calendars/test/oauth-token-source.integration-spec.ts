import { OutboundHttp, OutboundUrlPolicy } from '@hub/integrations';
import {
  CalendarError,
  CalendarReconsentRequiredError,
  GoogleCalendar,
  MICROSOFT_GRAPH_DEFAULT_SCOPE,
  MicrosoftGraphCalendar,
  OAuthTokenSource,
  type CalendarFetch,
  type TokenFetch,
} from '../src';
import {
  startFakeGoogleCalendar,
  startFakeMicrosoftGraph,
  startFakeTokenServer,
  type FakeCalendarApi,
} from './support';

// Local servers listen on 127.0.0.1 over http: a policy that allows that, as a test-only setting.
const testHttp = new OutboundHttp(
  new OutboundUrlPolicy({ allowHttp: true, allowPrivateNetworks: true, allowedHostSuffixes: [] }),
);
const viaPolicy: CalendarFetch & TokenFetch = (url, init) => testHttp.fetch(url, init);
const CLIENT = { clientId: 'hub-client.apps.googleusercontent.com', clientSecret: 'GOCSPX-client-secret' };
const from = new Date('2027-03-15T00:00:00Z');
const to = new Date('2027-03-16T00:00:00Z');

describe('OAuth token source (openid-client) against a local RFC 6749 token endpoint', () => {
  let google: FakeCalendarApi;
  let graph: FakeCalendarApi;
  beforeAll(async () => {
    [google, graph] = await Promise.all([
      startFakeGoogleCalendar('team@group.calendar.google.com'),
      startFakeMicrosoftGraph('support-team@contoso.com'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([google?.close(), graph?.close()]);
  });

  /** A token server whose issued access tokens are the only ones the fake calendar accepts. */
  const tokenServerFor = (api: FakeCalendarApi, refreshTokens: string[], extra: { rotate?: boolean } = {}) =>
    startFakeTokenServer({ ...CLIENT, refreshTokens, onIssue: (t) => (api.token = t), ...extra });

  it('refresh-token grant: the calendar is called with the issued token, cached until shortly before expires_in, then refreshed', async () => {
    const ts = await tokenServerFor(google, ['rt-google-1']);
    let now = 1_000_000;
    try {
      const source = new OAuthTokenSource({
        provider: 'google',
        integrationId: 'int-google',
        tokenUrl: ts.tokenUrl,
        ...CLIENT,
        grant: { type: 'refresh_token', refreshToken: 'rt-google-1' },
        fetch: viaPolicy,
        now: () => now,
      });
      const cal = new GoogleCalendar(
        { calendarId: 'team@group.calendar.google.com', baseUrl: google.baseUrl },
        (o) => source.token(o),
        viaPolicy,
      );
      expect(await cal.freeBusy(from, to)).toEqual([]);
      expect(await cal.freeBusy(from, to)).toEqual([]);
      expect(ts.requests).toEqual([
        { grantType: 'refresh_token', clientId: CLIENT.clientId, refreshToken: 'rt-google-1' },
      ]);
      now += (3599 - 61) * 1000; // still more than the 60 s skew before expiry: cached
      await cal.freeBusy(from, to);
      expect(ts.requests).toHaveLength(1);
      now += 2_000; // within 60 s of expires_in: refreshed before the call
      const before = google.requests.length;
      await cal.freeBusy(from, to);
      expect(ts.requests).toHaveLength(2);
      expect(google.requests.length - before).toBe(1); // refreshed before, not after a 401
      expect(ts.issued).toHaveLength(2);
    } finally {
      await ts.close();
    }
  });

  it('a 401 from the calendar API refreshes once and retries with the new token', async () => {
    const ts = await tokenServerFor(google, ['rt-google-2']);
    try {
      const source = new OAuthTokenSource({
        provider: 'google',
        integrationId: 'int-google',
        tokenUrl: ts.tokenUrl,
        ...CLIENT,
        grant: { type: 'refresh_token', refreshToken: 'rt-google-2' },
        fetch: viaPolicy,
      });
      const cal = new GoogleCalendar(
        { calendarId: 'team@group.calendar.google.com', baseUrl: google.baseUrl },
        (o) => source.token(o),
        viaPolicy,
      );
      await cal.freeBusy(from, to);
      google.token = 'revoked-early'; // the provider no longer accepts the cached token
      const before = google.requests.length;
      expect(await cal.freeBusy(from, to)).toEqual([]);
      expect(google.requests.length - before).toBe(2); // 401, then the retry
      expect(ts.requests).toHaveLength(2);
      expect(google.token).toBe(ts.issued[1]);
    } finally {
      await ts.close();
    }
  });

  it('concurrent callers share one refresh', async () => {
    const ts = await tokenServerFor(google, ['rt-google-3']);
    try {
      const source = new OAuthTokenSource({
        provider: 'google',
        integrationId: 'int-google',
        tokenUrl: ts.tokenUrl,
        ...CLIENT,
        grant: { type: 'refresh_token', refreshToken: 'rt-google-3' },
        fetch: viaPolicy,
      });
      const tokens = await Promise.all(Array.from({ length: 5 }, () => source.token()));
      expect(new Set(tokens).size).toBe(1);
      expect(ts.requests).toHaveLength(1);
    } finally {
      await ts.close();
    }
  });

  it('a rotated refresh token is handed over for persisting and used for the next refresh', async () => {
    const ts = await tokenServerFor(google, ['rt-rotating-1'], { rotate: true });
    const persisted: string[] = [];
    try {
      const source = new OAuthTokenSource({
        provider: 'google',
        integrationId: 'int-google',
        tokenUrl: ts.tokenUrl,
        ...CLIENT,
        grant: { type: 'refresh_token', refreshToken: 'rt-rotating-1' },
        fetch: viaPolicy,
        onRefreshTokenRotated: async (rt) => {
          persisted.push(rt);
        },
      });
      await source.token();
      expect(persisted).toHaveLength(1);
      expect(ts.validRefreshTokens).toEqual(new Set(persisted));
      expect(source.currentRefreshToken).toBe(persisted[0]);
      await source.token({ forceRefresh: true }); // the old one is invalid now: only the rotated one works
      expect(ts.requests.map((r) => r.refreshToken)).toEqual(['rt-rotating-1', persisted[0]]);
      expect(persisted).toHaveLength(2);
      expect([...source.refreshTokensSeen]).toEqual(['rt-rotating-1', ...persisted]);
    } finally {
      await ts.close();
    }
  });

  it('invalid_grant → CalendarReconsentRequiredError naming the integration; a wrong client secret too (invalid_client)', async () => {
    const ts = await tokenServerFor(google, ['rt-live']);
    try {
      ts.revoke('rt-live');
      const source = new OAuthTokenSource({
        provider: 'google',
        integrationId: 'int-needs-consent',
        tokenUrl: ts.tokenUrl,
        ...CLIENT,
        grant: { type: 'refresh_token', refreshToken: 'rt-live' },
        fetch: viaPolicy,
      });
      const err = await source.token().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CalendarReconsentRequiredError);
      expect(err).toBeInstanceOf(CalendarError);
      expect(err).toMatchObject({ integrationId: 'int-needs-consent', oauthError: 'invalid_grant' });
      expect((err as Error).message).toMatch(
        /calendar integration int-needs-consent needs re-consent.*invalid_grant/,
      );
      const wrongSecret = new OAuthTokenSource({
        provider: 'google',
        integrationId: 'int-2',
        tokenUrl: ts.tokenUrl,
        clientId: CLIENT.clientId,
        clientSecret: 'wrong',
        grant: { type: 'refresh_token', refreshToken: 'rt-live' },
        fetch: viaPolicy,
      });
      await expect(wrongSecret.token()).rejects.toMatchObject({ oauthError: 'invalid_client' });
    } finally {
      await ts.close();
    }
  });

  it('Microsoft Graph app-only: client-credentials grant with the .default scope', async () => {
    const ts = await tokenServerFor(graph, []);
    try {
      const source = new OAuthTokenSource({
        provider: 'microsoft_graph',
        integrationId: 'int-graph',
        tokenUrl: ts.tokenUrl,
        ...CLIENT,
        grant: { type: 'client_credentials', scope: MICROSOFT_GRAPH_DEFAULT_SCOPE },
        fetch: viaPolicy,
      });
      const cal = new MicrosoftGraphCalendar(
        { user: 'support-team@contoso.com', baseUrl: graph.baseUrl },
        (o) => source.token(o),
        viaPolicy,
      );
      expect(await cal.freeBusy(from, to)).toEqual([]);
      expect(ts.requests).toEqual([
        { grantType: 'client_credentials', clientId: CLIENT.clientId, scope: MICROSOFT_GRAPH_DEFAULT_SCOPE },
      ]);
    } finally {
      await ts.close();
    }
  });

  it('a static token (no refresh): a 401 is not retried with the same token', async () => {
    const before = google.requests.length;
    const cal = new GoogleCalendar(
      { calendarId: 'team@group.calendar.google.com', baseUrl: google.baseUrl },
      async () => 'stale-token',
      viaPolicy,
    );
    await expect(cal.freeBusy(from, to)).rejects.toMatchObject({ status: 401 });
    expect(google.requests.length - before).toBe(1);
  });
});
