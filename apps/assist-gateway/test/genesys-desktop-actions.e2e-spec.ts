import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { withIntegrationStore } from '@hub/integrations';
import { createTestWorld, launchChromium, waitFor, type TestWorld } from '@hub/testing';
import type { DesktopActionAck } from '../src/domain/desktop-actions';
import { FakeGenesysApi } from './support/fake-genesys-api';
import {
  SuggestionPublisher,
  connectWidget,
  mintToken,
  startGateway,
  startOidcProvider,
  type RunningGateway,
  type TestWidget,
} from './support/harness';

jest.setTimeout(120_000);

// Seed 001 "Send message (web messaging)" and "Save summary (wrap-up notes)" for Genesys Cloud: the
// widget acts in the customer's web-messaging conversation with the agent's own OAuth token (PKCE
// sign-in), against a local Genesys Cloud API speaking the Platform API wire format.
const CLIENT_ID = 'genesys-assist-widget';
const AGENT = '0b8f6c1d-2e3a-4b5c-8d9e-0f1a2b3c4d51';
const OTHER_AGENT = '0b8f6c1d-2e3a-4b5c-8d9e-0f1a2b3c4d52';
const WRAPUP_CODE = '7fb334b0-0e9e-11e4-9191-0800200c9a66';
let world: TestWorld;
let gw: RunningGateway;
let oidc: Awaited<ReturnType<typeof startOidcProvider>>;
let genesysApi: FakeGenesysApi;
let publisher: SuggestionPublisher;
let browser: Browser;
let redis: Redis;

beforeAll(async () => {
  world = await createTestWorld();
  gw = await startGateway(world);
  const redirectUri = `${gw.url}/v1/auth/genesys/callback`;
  oidc = await startOidcProvider(CLIENT_ID, redirectUri);
  genesysApi = new FakeGenesysApi(
    `${oidc.issuer}/me`,
    { 'web-conv-1': [AGENT], 'web-conv-2': [AGENT, OTHER_AGENT] },
    { 'agent-login': AGENT, 'other-login': OTHER_AGENT },
  );
  await genesysApi.start();
  // Genesys Cloud endpoints (no discovery): identity from GET /api/v2/users/me, participation checked
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
        wrapupCodeId: WRAPUP_CODE,
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
  redis?.disconnect();
  await world?.drop();
});

async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any-password');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  if (page.url().startsWith(oidc.issuer) && (await page.$('button[type="submit"]'))) {
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }
}

/**
 * Opens the Interaction Widget URL for `conversationId`, signs in as `login`, and returns the page
 * with the session token the gateway issued it (read from the callback's redirect, as a test-only probe).
 */
async function openSignedIn(
  login: string,
  conversationId: string,
): Promise<{ page: Page; session: () => string }> {
  const page = await browser.newPage();
  let sessionToken = '';
  page.on('response', (r) => {
    // the callback's redirect carries the session token in the fragment (what the page connects with)
    const m = /#token=([^&]+)/.exec(
      r.url().includes('/v1/auth/genesys/callback') ? (r.headers()['location'] ?? '') : '',
    );
    if (m) sessionToken = decodeURIComponent(m[1]!);
  });
  await page.goto(`${gw.url}/widget/?provider=genesys&tenant=umbrella&conversationId=${conversationId}`);
  await signInAtProvider(page, login);
  await page.waitForSelector('body[data-state="connected"]', { timeout: 30_000 });
  await waitFor(async () => sessionToken !== '', { timeoutMs: 10_000, what: 'session token' });
  return { page, session: () => sessionToken };
}

function emit(w: TestWidget, event: string, payload: unknown): Promise<DesktopActionAck> {
  return w.socket.timeout(15_000).emitWithAck(event, payload) as Promise<DesktopActionAck>;
}

describe('Genesys desktop actions: send message and save summary as the signed-in agent', () => {
  it('"Send to customer" posts the suggestion into the web-messaging conversation with the agent\'s own token; "Save summary" applies the wrap-up note', async () => {
    const { page } = await openSignedIn('agent-login', 'web-conv-1');
    const answer = 'Breakfast is included with every room and is served from 7 to 10.';
    const id = await publisher.publish('umbrella', 'web-conv-1', answer);
    const button = page.locator(`li[data-suggestion-id="${id}"] button.send-message`);
    await button.waitFor({ timeout: 30_000 });
    await button.click();
    await page.waitForSelector(`li[data-suggestion-id="${id}"] button.send-message[data-sent="true"]`);
    expect(await page.textContent('#action-status')).toContain('Message sent');
    const sent = genesysApi.writes.filter((w) => w.kind === 'message');
    expect(sent).toEqual([
      {
        kind: 'message',
        conversationId: 'web-conv-1',
        communicationId: 'web-conv-1-agent-0-comm',
        userId: AGENT, // the bearer token was the agent's own (resolved by the provider's userinfo)
        body: { textBody: answer },
      },
    ]);

    // the agent's Genesys token is kept encrypted: the Redis record does not contain it
    const bearer = genesysApi.authorizations.at(-1)!.replace(/^Bearer /, '');
    expect(bearer.length).toBeGreaterThan(10);
    const keys = await redis.keys(`${world.redisNamespace}assist:genesys-grant:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(await redis.get(k)).not.toContain(bearer);

    expect(await page.isVisible('#summary-form')).toBe(true);
    await page.fill('#summary-notes', 'Customer asked about breakfast; told it is included. No follow-up.');
    await page.click('#save-summary');
    await page.waitForSelector('#action-status[data-last="ok"]');
    await waitFor(async () => genesysApi.writes.some((w) => w.kind === 'wrapup'), {
      timeoutMs: 10_000,
      what: 'wrap-up',
    });
    expect(genesysApi.writes.filter((w) => w.kind === 'wrapup')).toEqual([
      {
        kind: 'wrapup',
        conversationId: 'web-conv-1',
        communicationId: 'web-conv-1-agent-0-comm',
        participantId: 'web-conv-1-agent-0',
        userId: AGENT,
        body: {
          code: WRAPUP_CODE,
          notes: 'Customer asked about breakfast; told it is included. No follow-up.',
        },
      },
    ]);
    expect(await page.textContent('#action-status')).toContain('Summary saved');
    await page.close();
  });

  it('a retried request id sends one message; bad payloads are refused naming the field; the second agent acts on its own communication', async () => {
    const { page, session } = await openSignedIn('other-login', 'web-conv-2');
    const w = await connectWidget(gw.url, { token: session() });
    try {
      const before = genesysApi.writes.length;
      const requestId = randomUUID();
      const [a, b] = [
        await emit(w, 'message.send', { text: 'One moment please.', requestId }),
        await emit(w, 'message.send', { text: 'One moment please.', requestId }),
      ];
      expect(a).toMatchObject({ ok: true, action: 'message.send' });
      expect(b).toEqual(a); // the retry is answered with the first outcome
      const mine = genesysApi.writes.slice(before);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ communicationId: 'web-conv-2-agent-1-comm', userId: OTHER_AGENT });

      const bad = await emit(w, 'message.send', {
        text: '  ',
        requestId: randomUUID(),
        conversationId: 'web-conv-1',
      });
      expect(bad).toMatchObject({ ok: false, reason: 'invalid_payload' });
      expect(bad.ok === false && bad.error).toContain('text: must not be empty');
      expect(bad.ok === false && bad.error).toContain('conversationId: unknown field');
      const noNotes = await emit(w, 'summary.save', { requestId: randomUUID() });
      expect(noNotes.ok === false && noNotes.error).toContain('notes:');
      expect(genesysApi.writes.slice(before)).toHaveLength(1);
    } finally {
      w.socket.close();
      await page.close();
    }
  });

  it('widgets without a Genesys sign-in cannot act: embed tokens (even for the same agent and conversation) get not_signed_in, other providers not_supported', async () => {
    const genesysEmbed = await mintToken(gw, {
      tenantId: 'umbrella',
      provider: 'genesys',
      agentId: AGENT,
      interactionId: 'web-conv-1',
    });
    const w = await connectWidget(gw.url, { token: genesysEmbed });
    const five9 = await connectWidget(gw.url, {
      token: await mintToken(gw, {
        tenantId: 'umbrella',
        provider: 'five9',
        ctx: { callId: 'c-1', agentId: 'a-1' },
      }),
    });
    try {
      const before = genesysApi.writes.length;
      await waitFor(async () => w.sessions.length > 0, { timeoutMs: 10_000, what: 'session' });
      expect((w.sessions[0] as unknown as { actions: string[] }).actions).toEqual([
        'message.send',
        'summary.save',
      ]);
      expect(await emit(w, 'message.send', { text: 'hi', requestId: randomUUID() })).toMatchObject({
        ok: false,
        reason: 'not_signed_in',
      });
      expect(await emit(five9, 'summary.save', { notes: 'n', requestId: randomUUID() })).toMatchObject({
        ok: false,
        reason: 'not_supported',
      });
      expect(genesysApi.writes.length).toBe(before);
      // an embed token cannot be minted with a vendor grant id
      const res = await fetch(`${gw.url}/v1/embed-tokens`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${gw.config.ASSIST_ADMIN_API_KEY}`,
        },
        body: JSON.stringify({
          tenantId: 'umbrella',
          provider: 'genesys',
          agentId: AGENT,
          interactionId: 'web-conv-1',
          gid: 'x'.repeat(22),
        }),
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('gid');
    } finally {
      w.socket.close();
      five9.socket.close();
    }
  });
});
