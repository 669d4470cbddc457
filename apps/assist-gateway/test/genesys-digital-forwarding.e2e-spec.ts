import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import type { ConversationEvent } from '@hub/contracts';
import { withIntegrationStore } from '@hub/integrations';
import { KafkaProbe, createTestWorld, launchChromium, waitFor, type TestWorld } from '@hub/testing';
import { FakeGenesysApi } from './support/fake-genesys-api';
import { startGateway, startOidcProvider, type RunningGateway } from './support/harness';

jest.setTimeout(120_000);

// Seed 001 "Digital" for Genesys Cloud without a manual forward: after the agent's PKCE sign-in the
// gateway subscribes to v2.conversations.{id}.messages over the Notification API (channel + WebSocket
// with heartbeats) and publishes every message as an utterance on hub.conversation.events.v1.
const CLIENT_ID = 'genesys-assist-widget';
const AGENT = '5d1e7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a61';
let world: TestWorld;
let gw: RunningGateway;
let oidc: Awaited<ReturnType<typeof startOidcProvider>>;
let genesysApi: FakeGenesysApi;
let probe: KafkaProbe;
let browser: Browser;
let page: Page;

interface Published {
  id: string;
  tenantId: string;
  data: Extract<ConversationEvent, { kind: 'utterance' }>;
}
const events = (): Published[] =>
  probe.on(`${world.kafkaNamespace}hub.conversation.events.v1`).map((m) => m.json() as Published);

/** The channel sockets subscribed to the conversation's topic, as the stand-in sees them. */
const subscribedSockets = (conversationId: string): number =>
  [...genesysApi.channels.values()]
    .filter((c) => c.topics.includes(`v2.conversations.${conversationId}.messages`))
    .reduce((n, c) => n + c.sockets.size, 0);

beforeAll(async () => {
  world = await createTestWorld();
  gw = await startGateway(world, {
    GENESYS_NOTIFICATIONS_PING_INTERVAL_S: '1',
    GENESYS_NOTIFICATIONS_IDLE_TIMEOUT_S: '5',
  });
  const redirectUri = `${gw.url}/v1/auth/genesys/callback`;
  oidc = await startOidcProvider(CLIENT_ID, redirectUri);
  genesysApi = new FakeGenesysApi(`${oidc.issuer}/me`, { 'chat-1': [AGENT] }, { 'agent-login': AGENT });
  await genesysApi.start();
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
        digitalForwarding: true,
        allowInsecureHttp: true,
      },
      secrets: {},
      enabled: true,
    }),
  );
  probe = new KafkaProbe();
  await probe.start([`${world.kafkaNamespace}hub.conversation.events.v1`]);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${gw.url}/widget/?provider=genesys&tenant=umbrella&conversationId=chat-1`);
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', 'agent-login');
  await page.fill('input[name="password"]', 'any-password');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  if (page.url().startsWith(oidc.issuer) && (await page.$('button[type="submit"]')))
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  await page.waitForSelector('body[data-state="connected"]', { timeout: 30_000 });
});

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await probe?.stop();
  await gw?.app.close();
  await oidc?.stop();
  await genesysApi?.stop();
  await world?.drop();
});

describe('Genesys digital path: Notification API → hub.conversation.events.v1', () => {
  it("subscribes with the agent's token, keeps the channel alive with pings, and forwards customer and agent messages once each", async () => {
    await waitFor(() => subscribedSockets('chat-1') === 1, { timeoutMs: 20_000, what: 'channel subscribed' });
    const channel = [...genesysApi.channels.values()][0]!;
    expect(channel.userId).toBe(AGENT); // created with the agent's own token
    await waitFor(() => genesysApi.pings >= 2, { timeoutMs: 10_000, what: 'heartbeat pings' });

    const q = genesysApi.pushMessage('chat-1', 'inbound', 'Is breakfast included in the room rate?');
    const first = await waitFor(() => events().find((e) => e.data.utteranceId === `genesys:${q}`), {
      timeoutMs: 30_000,
      what: 'customer message forwarded',
    });
    expect(first.tenantId).toBe('umbrella');
    expect(first.data).toMatchObject({
      kind: 'utterance',
      interactionId: 'chat-1',
      provider: 'genesys',
      speaker: 'customer',
      text: 'Is breakfast included in the room rate?',
      isFinal: true,
    });

    // the next notification lists both messages: only the new one is forwarded
    const a = genesysApi.pushMessage('chat-1', 'outbound', 'Yes, breakfast is included.');
    const second = await waitFor(() => events().find((e) => e.data.utteranceId === `genesys:${a}`), {
      timeoutMs: 30_000,
      what: 'agent message forwarded',
    });
    expect(second.data).toMatchObject({ speaker: 'agent', text: 'Yes, breakfast is included.' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(events().filter((e) => e.data.utteranceId === `genesys:${q}`)).toHaveLength(1);
  });

  it('re-creates the channel after v2.system.socket_closing, forwards what was sent meanwhile, and keeps forwarding', async () => {
    const old = new Set(genesysApi.channels.keys());
    genesysApi.closeSockets();
    // sent while no socket is subscribed: no notification reaches the gateway for it
    const gap = genesysApi.pushMessage('chat-1', 'inbound', 'Hello? Are you still there?');
    const fresh = () => [...genesysApi.channels.entries()].filter(([id]) => !old.has(id)).map(([, c]) => c);
    await waitFor(
      () =>
        fresh().some((c) => c.sockets.size === 1 && c.topics.includes('v2.conversations.chat-1.messages')) &&
        subscribedSockets('chat-1') === 1,
      { timeoutMs: 30_000, what: 'new channel subscribed, old socket gone' },
    );
    await waitFor(() => events().find((e) => e.data.utteranceId === `genesys:${gap}`), {
      timeoutMs: 30_000,
      what: 'message sent during the reconnect forwarded (conversation read after re-subscribing)',
    });
    const id = genesysApi.pushMessage('chat-1', 'inbound', 'And is parking free?');
    await waitFor(() => events().find((e) => e.data.utteranceId === `genesys:${id}`), {
      timeoutMs: 30_000,
      what: 'message after reconnect forwarded',
    });
    expect(events().filter((e) => e.data.utteranceId === `genesys:${gap}`)).toHaveLength(1);
  });

  it("stops when the agent's communication is disconnected", async () => {
    genesysApi.pushMessage('chat-1', 'inbound', 'Thanks, bye!', { agentState: 'disconnected' });
    await waitFor(() => subscribedSockets('chat-1') === 0, { timeoutMs: 20_000, what: 'channel closed' });
    const late = genesysApi.pushMessage('chat-1', 'inbound', 'one more');
    await new Promise((r) => setTimeout(r, 2000));
    expect(events().find((e) => e.data.utteranceId === `genesys:${late}`)).toBeUndefined();
  });
});
