import { authHeaders, createTestWorld, type TestWorld } from '@hub/testing';
import { http, sql, startService, type RunningService } from './support/harness';

jest.setTimeout(90_000);

/**
 * The Integrations API over @hub/integrations: URLs of hosts we will call are vetted at config time
 * (400 naming the field), vendor identifiers that select a tenant are unique across tenants (409
 * naming the field), secrets are write-only and encrypted at rest.
 */
describe('integrations API: outbound URL policy, unique vendor identifiers, encrypted secrets', () => {
  let world: TestWorld;
  let svc: RunningService;

  beforeAll(async () => {
    world = await createTestWorld();
    svc = await startService(world, {
      OUTBOUND_ALLOW_HTTP: 'false',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false',
    });
  });
  afterAll(async () => {
    await svc?.close();
    await world?.drop();
  });

  const post = async (tenant: string, body: unknown) =>
    http(svc.url, 'POST', '/v1/integrations', { headers: await authHeaders(tenant), body });

  it.each([
    ['http://api.example.com/v1', /https/],
    ['https://169.254.169.254/v1', /linkLocal/],
    ['https://127.0.0.1:8080/v1', /loopback/],
    ['https://user:pw@api.example.com/v1', /user name or password/],
  ])('refuses an llm baseUrl %s with 400 naming config.baseUrl', async (baseUrl, message) => {
    const r = await post('acme', { type: 'llm', name: `LLM ${baseUrl}`, config: { baseUrl, model: 'm' } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ field: 'config.baseUrl', message: expect.stringMatching(message) }]);
  });

  it('refuses an 8x8 host on a private address naming config.host, and a genesys_oauth tokenUrl naming it', async () => {
    const a = await post('acme', {
      type: 'eightbyeight',
      name: '8x8',
      config: { eightByEightTenant: 'acme', host: '10.0.0.5:443' },
      secrets: { apiKey: 'k' },
    });
    expect(a.status).toBe(400);
    expect(a.body.errors[0].field).toBe('config.host');
    const g = await post('acme', {
      type: 'genesys_oauth',
      name: 'Genesys',
      config: {
        authorizeUrl: 'https://login.mypurecloud.com/oauth/authorize',
        tokenUrl: 'https://[::1]/oauth/token',
        apiBaseUrl: 'https://api.mypurecloud.com',
        clientId: 'c',
        redirectUri: 'https://hub.example.com/v1/auth/genesys/callback',
      },
    });
    expect(g.status).toBe(400);
    expect(g.body.errors[0].field).toBe('config.tokenUrl');
  });

  it('refuses a calendar token URL and a Twilio base URL on internal addresses, naming the field', async () => {
    const google = await post('acme', {
      type: 'calendar_google',
      name: 'Google calendar',
      config: { calendarId: 'team@example.com', tokenUrl: 'https://169.254.169.254/token' },
      secrets: { clientId: 'c', clientSecret: 's', refreshToken: 'r' },
    });
    expect(google.status).toBe(400);
    expect(google.body.errors[0].field).toBe('config.tokenUrl');
    const ms = await post('acme', {
      type: 'calendar_microsoft',
      name: 'Graph calendar',
      config: { user: 'team@example.com', tokenUrl: 'http://login.example.com/token' },
      secrets: { clientId: 'c', clientSecret: 's' },
    });
    expect(ms.status).toBe(400);
    expect(ms.body.errors[0].field).toBe('config.tokenUrl');
    const twilio = await post('acme', {
      type: 'sms_twilio',
      name: 'Twilio',
      config: { accountSid: `AC${'0'.repeat(32)}`, from: '+15017122661', baseUrl: 'https://10.1.2.3' },
      secrets: { authToken: 'twilio-auth-token-0123456789' },
    });
    expect(twilio.status).toBe(400);
    expect(twilio.body.errors[0].field).toBe('config.baseUrl');
  });

  it('a second tenant cannot register the same CCAI subscription or AudioHook API key (409 naming the field)', async () => {
    const ccai = {
      type: 'ccai',
      name: 'CCAI',
      config: {
        projectId: 'p',
        subscription: 'projects/p/subscriptions/assist',
        audience: 'https://hub.example.com/push',
        serviceAccountEmail: 'push@p.iam.gserviceaccount.com',
      },
    };
    expect((await post('acme', ccai)).status).toBe(201);
    const dup = await post('globex', {
      ...ccai,
      config: { ...ccai.config, subscription: 'projects/p/subscriptions/ASSIST' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.errors).toEqual([{ field: 'config.subscription', message: expect.any(String) }]);

    const hook = (apiKey: string) => ({
      type: 'genesys_audiohook',
      name: 'AudioHook',
      config: { organizationId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' },
      secrets: { apiKey },
    });
    const mine = await post('acme', hook('audiohook-api-key-1'));
    expect(mine.status).toBe(201);
    expect(mine.body.secretFields).toEqual(['apiKey']);
    const taken = await post('globex', hook('audiohook-api-key-1'));
    expect(taken.status).toBe(409);
    expect(taken.body.errors).toEqual([{ field: 'secrets.apiKey', message: expect.any(String) }]);
    expect((await post('globex', hook('audiohook-api-key-2'))).status).toBe(201);
    const dump = await sql<{ t: string }>(world, 'SELECT i::text AS t FROM integrations i');
    expect(dump.map((d) => d.t).join('\n')).not.toMatch(/audiohook-api-key/);
  });
});
