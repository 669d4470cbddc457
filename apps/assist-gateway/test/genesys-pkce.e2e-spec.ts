import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import { withIntegrationStore } from '@hub/integrations';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { launchChromium } from '@hub/testing';
import { FakeGenesysApi } from './support/fake-genesys-api';
import { SuggestionPublisher, startGateway, startOidcProvider, type RunningGateway } from './support/harness';

jest.setTimeout(120_000);

const CLIENT_ID = 'genesys-assist-widget';
const GENESYS_USER_31 = '6a3f2c1e-8d4b-4e7a-9c2f-1b5d7e9a0c31';
let world: TestWorld;
let gw: RunningGateway;
let oidc: Awaited<ReturnType<typeof startOidcProvider>>;
let prisma: PrismaClient;
let publisher: SuggestionPublisher;
let browser: Browser;
let redis: Redis;
let genesysApi: FakeGenesysApi;

beforeAll(async () => {
  world = await createTestWorld();
  gw = await startGateway(world);
  const redirectUri = `${gw.url}/v1/auth/genesys/callback`;
  oidc = await startOidcProvider(CLIENT_ID, redirectUri);
  prisma = createPrismaClient(world.databaseUrl, 2);
  await withIntegrationStore(world.databaseUrl, world.env, (store) =>
    store.create('acme', {
      id: randomUUID(),
      type: 'genesys_oauth',
      name: 'Genesys Cloud (acme org)',
      config: {
        issuer: oidc.issuer,
        clientId: CLIENT_ID,
        redirectUri,
        scopes: ['openid', 'profile'],
        allowInsecureHttp: true,
      },
      secrets: {},
      enabled: true,
    }),
  );
  // Genesys Cloud API stand-in: user 21 takes part in conv-77, user 22 does not
  // (umbrella's login "genesys-user-31" is Genesys user GENESYS_USER_31 in conv-88)
  genesysApi = new FakeGenesysApi(
    `${oidc.issuer}/me`,
    { 'conv-77': ['genesys-user-21'], 'conv-88': [GENESYS_USER_31] },
    { 'genesys-user-31': GENESYS_USER_31 },
  );
  await genesysApi.start();
  // initech: OIDC sign-in + participation check against the Genesys API
  await withIntegrationStore(world.databaseUrl, world.env, (store) =>
    store.create('initech', {
      id: randomUUID(),
      type: 'genesys_oauth',
      name: 'Genesys Cloud (initech org)',
      config: {
        issuer: oidc.issuer,
        apiBaseUrl: genesysApi.url,
        clientId: CLIENT_ID,
        redirectUri,
        scopes: ['openid'],
        allowInsecureHttp: true,
      },
      secrets: {},
      enabled: true,
    }),
  );
  // umbrella: Genesys Cloud endpoints (no discovery), identity from GET /api/v2/users/me
  await withIntegrationStore(world.databaseUrl, world.env, (store) =>
    store.create('umbrella', {
      id: randomUUID(),
      type: 'genesys_oauth',
      name: 'Genesys Cloud (umbrella org)',
      config: {
        authorizeUrl: `${oidc.issuer}/auth`,
        tokenUrl: `${oidc.issuer}/token`,
        apiBaseUrl: genesysApi.url,
        clientId: CLIENT_ID,
        redirectUri,
        scopes: ['openid'],
        allowInsecureHttp: true,
      },
      secrets: {},
      enabled: true,
    }),
  );
  publisher = new SuggestionPublisher(world);
  await publisher.connect();
  browser = await launchChromium();
  redis = new Redis(world.env['REDIS_URL']);
});

afterAll(async () => {
  await browser?.close();
  await publisher?.close();
  await gw?.app.close();
  await oidc?.stop();
  await genesysApi?.stop();
  await prisma?.$disconnect();
  redis?.disconnect();
  await world?.drop();
});

/** Signs in on the provider's (dev) login page as `login`, then accepts the consent prompt if shown. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any-password');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  if (page.url().startsWith(oidc.issuer) && (await page.$('button[type="submit"]'))) {
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }
}

describe('Genesys Cloud sign-in: Authorization Code + PKCE against a local OpenID provider', () => {
  it('redirects to the authorize endpoint with an S256 code challenge, state and nonce (no verifier)', async () => {
    const res = await fetch(`${gw.url}/v1/auth/genesys/start?tenant=acme&conversationId=conv-1`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location') ?? '');
    expect(loc.origin).toBe(oidc.issuer);
    expect(loc.searchParams.get('response_type')).toBe('code');
    expect(loc.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(loc.searchParams.get('code_challenge_method')).toBe('S256');
    expect(loc.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loc.searchParams.get('state')).toBeTruthy();
    expect(loc.searchParams.get('nonce')).toBeTruthy();
    expect(loc.searchParams.has('code_verifier')).toBe(false);
  });

  it('404 for a tenant without a genesys_oauth integration; 400 naming a missing conversationId', async () => {
    expect(
      (await fetch(`${gw.url}/v1/auth/genesys/start?tenant=globex&conversationId=c`, { redirect: 'manual' }))
        .status,
    ).toBe(404);
    const bad = await fetch(`${gw.url}/v1/auth/genesys/start?tenant=acme`, { redirect: 'manual' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('conversationId');
  });

  it('the widget signs the agent in, gets a session bound to tenant + agent + conversation, and shows its suggestions', async () => {
    const page = await browser.newPage();
    let callbackUrl = '';
    page.on('request', (r) => {
      if (r.url().includes('/v1/auth/genesys/callback')) callbackUrl = r.url();
    });
    await page.goto(`${gw.url}/widget/?provider=genesys&tenant=acme&conversationId=conv-42`);
    await signInAtProvider(page, 'genesys-user-17');
    await page.waitForSelector('body[data-state="connected"]', { timeout: 30_000 });
    expect(await page.textContent('#status')).toContain('Connected as genesys-user-17 (acme)');
    expect(await page.getAttribute('#interaction', 'data-interaction-id')).toBe('conv-42');
    expect(new URL(page.url()).hash).toBe(''); // session token not left in the address bar

    const other = await publisher.publish('acme', 'conv-other', 'not for conv-42');
    const mine = await publisher.publish('acme', 'conv-42', 'Offer a callback within 24 hours.');
    await page.waitForSelector(`li[data-suggestion-id="${mine}"]`, { timeout: 30_000 });
    await waitFor(
      async () => (await redis.zcard(`${world.redisNamespace}assist:t:acme:i:conv-other:suggestions`)) === 1,
      {
        timeoutMs: 30_000,
        what: 'other conversation handled',
      },
    );
    expect(await page.$(`li[data-suggestion-id="${other}"]`)).toBeNull();

    // the state (and its code_verifier) is single-use: replaying the callback is refused
    expect(callbackUrl).toContain('code=');
    const replay = await fetch(callbackUrl, { redirect: 'manual' });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { reason: string }).reason).toBe('state_unknown');
    await page.close();
  });

  it('a code redeemed with the wrong code_verifier gets no session (PKCE enforced end to end)', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/v1/auth/genesys/start?tenant=acme&conversationId=conv-43`);
    await page.waitForSelector('input[name="login"]');
    // tamper with the pending login's verifier (as if the code were redeemed by someone without it)
    const keys = await redis.keys(`${world.redisNamespace}assist:pkce:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      const v = JSON.parse((await redis.get(k)) as string) as { codeVerifier: string };
      await redis.set(k, JSON.stringify({ ...v, codeVerifier: 'x'.repeat(43) }), 'EX', 60);
    }
    const callback = page.waitForResponse((r) => r.url().includes('/v1/auth/genesys/callback'));
    await signInAtProvider(page, 'genesys-user-18').catch(() => undefined);
    const res = await callback;
    expect(res.status()).toBe(401);
    expect(((await res.json()) as { reason: string }).reason).toBe('invalid_grant');
    await page.close();
  });

  it('with apiBaseUrl, only a participant of the conversation gets a session', async () => {
    const ok = await browser.newPage();
    await ok.goto(`${gw.url}/widget/?provider=genesys&tenant=initech&conversationId=conv-77`);
    await signInAtProvider(ok, 'genesys-user-21');
    await ok.waitForSelector('body[data-state="connected"]', { timeout: 30_000 });
    expect(await ok.textContent('#status')).toContain('Connected as genesys-user-21 (initech)');
    await ok.close();

    const intruder = await browser.newPage();
    await intruder.goto(`${gw.url}/v1/auth/genesys/start?tenant=initech&conversationId=conv-77`);
    const callback = intruder.waitForResponse((r) => r.url().includes('/v1/auth/genesys/callback'));
    await signInAtProvider(intruder, 'genesys-user-22').catch(() => undefined);
    const res = await callback;
    expect(res.status()).toBe(401);
    expect(((await res.json()) as { reason: string }).reason).toBe('not_a_participant');
    await intruder.close();
  });

  it('with Genesys Cloud endpoints (no OIDC discovery) the agent is identified by GET /api/v2/users/me', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/widget/?provider=genesys&tenant=umbrella&conversationId=conv-88`);
    await signInAtProvider(page, 'genesys-user-31');
    await page.waitForSelector('body[data-state="connected"]', { timeout: 30_000 });
    // the agent id is the Genesys user id from the API, not the login's subject
    expect(await page.textContent('#status')).toContain(`Connected as ${GENESYS_USER_31} (umbrella)`);
    const id = await publisher.publish('umbrella', 'conv-88', 'Confirm the booking reference.');
    await page.waitForSelector(`li[data-suggestion-id="${id}"]`, { timeout: 30_000 });
    await page.close();
  });
});
