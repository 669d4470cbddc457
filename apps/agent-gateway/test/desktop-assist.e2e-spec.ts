import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { Kafka, logLevel } from 'kafkajs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newEnvelope, type ConversationMessage } from '@hub/contracts';
import { HubProducer, TopicNamer } from '@hub/messaging';
import {
  SHARED_DATA_DIR,
  api,
  authHeaders,
  createTestWorld,
  knowledgeJsonl,
  launchChromium,
  startAssistStack,
  startService,
  type RunningService,
  type TestWorld,
} from '@hub/testing';
import { startHarness, waitFor, type GatewayHarness } from './support/gateway-harness';
import { abcdHandoff, tenantJson } from './support/hub-services';

jest.setTimeout(240_000);

const EMBED_SECRET = 'desktop-assist-e2e-embed-secret-0123456789';
const ADMIN_KEY = 'desktop-assist-e2e-admin-key-0123456789abcd';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core run in the page (evaluated over the DevTools protocol: the page's CSP allows no injected script). */
async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axe.source);
  const result = await page.evaluate(async () => {
    const w = window as unknown as {
      axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: AxeViolation[]; passes: unknown[] }> };
    };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return {
      passes: r.passes.length,
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target })),
      })),
    };
  });
  expect(result.passes).toBeGreaterThan(10); // axe really checked the page
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The real ABCD agent guidelines (asappresearch/abcd, MIT): `../shared/data/kb-abcd/guidelines.jsonl`. */
const ABCD_GUIDELINES = readFileSync(join(SHARED_DATA_DIR, 'kb-abcd', 'guidelines.jsonl'), 'utf8');

describe('Agent Assist panel in the Agent Desktop (Chromium; router, orchestrator, suggestion-service, assist-gateway)', () => {
  let world: TestWorld;
  let h: GatewayHarness;
  let router: RunningService;
  let orchestrator: RunningService;
  let suggestion: RunningService;
  let assistGateway: RunningService;
  let browser: Browser;
  let context: BrowserContext;
  let producer: HubProducer;
  const tenant = 'desk-assist';

  beforeAll(async () => {
    world = await createTestWorld();
    [router, orchestrator, { suggestion, gateway: assistGateway }] = await Promise.all([
      startService('work-item-router', world.env, { ready: 'readyz' }),
      startService('handoff-orchestrator', world.env, { ready: 'readyz' }),
      startAssistStack(world.env, { embedSecret: EMBED_SECRET, adminKey: ADMIN_KEY }),
    ]);
    h = await startHarness(
      { ASSIST_GATEWAY_URL: assistGateway.url, ASSIST_EMBED_TOKEN_SECRET: EMBED_SECRET },
      { world },
    );
    const kafka = new Kafka({
      clientId: 'bot-platform-fake',
      brokers: world.env.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    producer = new HubProducer(kafka, new TopicNamer(world.kafkaNamespace));
    await producer.connect();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.baseUrl });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await producer?.disconnect();
    await Promise.allSettled([
      router?.stop(),
      orchestrator?.stop(),
      suggestion?.stop(),
      assistGateway?.stop(),
    ]);
    await h?.close(); // drops the world
  }, 60_000);

  it('a customer line produces a suggestion from the queue’s knowledge base; insert puts it in the reply box; no serious axe violations', async () => {
    // --- the tenant as an admin sets it up: queue + agent (router), internal integration (orchestrator)
    expect(
      (await tenantJson(router.url, 'POST', '/v1/tenants', tenant, { id: tenant, name: 'Acme' })).status,
    ).toBe(201);
    const queue = await tenantJson<{ id: string }>(router.url, 'POST', '/v1/queues', tenant, {
      name: 'Returns',
      offerTimeoutSeconds: 120,
    });
    expect(queue.status).toBe(201);
    expect(
      (
        await tenantJson(router.url, 'POST', '/v1/agents', tenant, {
          id: 'agent-ada',
          displayName: 'Ada',
          queueIds: [queue.body.id],
          capacity: { chat: 2 },
        })
      ).status,
    ).toBe(201);
    const integration = await tenantJson<{ id: string }>(
      orchestrator.url,
      'POST',
      '/v1/integrations',
      tenant,
      {
        type: 'internal',
        name: 'Agent Desktop',
      },
    );
    expect(integration.status).toBe(201);

    // --- knowledge: the tenant default is a hotel KB (DSTC11); the Returns queue is mapped to the ABCD guidelines
    const headers = await authHeaders(tenant);
    const kb = async (name: string, jsonl: string) => {
      const created = await api(`${suggestion.url}/v1/knowledge-bases`, 'POST', { name }, headers);
      expect(created.status).toBe(201);
      const up = await api(
        `${suggestion.url}/v1/knowledge-bases/${String(created.body.id)}/documents`,
        'POST',
        jsonl,
        {
          ...headers,
          'content-type': 'application/x-ndjson',
        },
      );
      expect(up.status).toBe(201);
      return String(created.body.id);
    };
    const hotels = await kb('Cambridge hotels', knowledgeJsonl(['KIRKWOOD HOUSE', 'A AND B GUEST HOUSE']));
    const abcd = await kb('ABCD retail guidelines', ABCD_GUIDELINES);
    expect(
      (await api(`${suggestion.url}/v1/assist-settings`, 'PUT', { defaultKnowledgeBaseId: hotels }, headers))
        .status,
    ).toBe(200);
    expect(
      (await api(`${suggestion.url}/v1/queue-mappings/Returns`, 'PUT', { knowledgeBaseId: abcd }, headers))
        .status,
    ).toBe(200);

    // --- the agent signs in; a real ABCD conversation is handed off to Returns
    const page = await context.newPage();
    await page.goto(`${h.baseUrl}/desktop/`);
    await page.getByLabel('Agent token (JWT)').fill(await h.token(tenant, 'agent-ada'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('connected', { exact: true }).waitFor();
    await page.getByLabel('Presence').selectOption('online');
    await waitFor(
      async () =>
        (await tenantJson<{ presence: string }>(router.url, 'GET', '/v1/agents/agent-ada', tenant)).body
          .presence === 'online',
      { what: 'agent online at the router', timeoutMs: 30_000 },
    );
    const conversationId = `conv-${randomUUID()}`;
    const handoff = {
      ...abcdHandoff(integration.body.id, conversationId),
      escalationReason: 'asked for a human',
    };
    expect((await tenantJson(orchestrator.url, 'POST', '/v1/handoffs', tenant, handoff)).status).toBe(201);

    // inbox: the customer's name and channel instead of the conversation id, time waiting
    const offer = page.getByTestId('offers').locator('li');
    await offer.waitFor({ timeout: 30_000 });
    const offerText = await offer.textContent();
    expect(offerText).toContain(String(handoff.contact?.name));
    expect(offerText).toContain('Web chat');
    expect(offerText).not.toContain(conversationId);
    expect(offerText).toMatch(/Waiting \d+ (s|min)/);
    expect(offerText).toContain('Escalation: asked for a human');
    await offer.getByRole('button', { name: 'Accept' }).click();

    const assigned = page.getByTestId('assigned').locator('li');
    await assigned.waitFor({ timeout: 30_000 });
    await expect(assigned.textContent()).resolves.toMatch(/Assigned \d+ (s|min) ago/);
    await page
      .getByTestId('assist')
      .getByText('Knowledge base mapped to queue Returns')
      .waitFor({ timeout: 30_000 });

    // --- a customer line arrives from the bot platform → a suggestion for it in the panel
    const messageId = randomUUID();
    const inbound: ConversationMessage = {
      conversationId,
      messageId,
      direction: 'inbound',
      sender: { role: 'customer', name: String(handoff.contact?.name) },
      kind: 'text',
      text: 'The shirt I ordered is the wrong size. Can I return it and get a refund?',
      sentAt: new Date().toISOString(),
    };
    await producer.publish('conversationMessages', {
      ...newEnvelope({
        type: 'conversation.message',
        version: 1,
        tenantId: tenant,
        source: 'bot-platform',
        correlationId: conversationId,
        data: inbound,
      }),
      version: 1,
    });
    await page.getByTestId('timeline').getByText(inbound.text!).waitFor({ timeout: 30_000 });
    const item = page.locator(`#suggestions > li[data-utterance-id="${messageId}"][data-state="complete"]`);
    await item.waitFor({ timeout: 60_000 });
    const answer = (await item.locator('.answer').textContent())!.trim();
    expect(answer.length).toBeGreaterThan(20);
    // sources with titles from the queue's KB (ABCD), not the tenant default (hotels); confidence shown
    const sourceTitles = await item.locator('.sources cite').allTextContents();
    expect(sourceTitles.length).toBeGreaterThan(0);
    const abcdTitles = new Set(
      ABCD_GUIDELINES.split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { title: string }).title),
    );
    for (const t of sourceTitles) expect(abcdTitles.has(t)).toBe(true);
    expect(sourceTitles.join(' ')).toMatch(/Return|Refund/);
    await expect(item.locator('.meta').textContent()).resolves.toMatch(/Confidence \d+%/);

    // --- insert into reply → the reply box holds the answer, focused; sending it reaches Kafka
    await item.getByRole('button', { name: 'Insert into reply' }).click();
    const input = page.getByLabel('Message');
    await expect(input.inputValue()).resolves.toBe(answer);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('chat-input');
    // copy puts the same text on the clipboard
    await item.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Suggestion copied to the clipboard.').waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(answer);

    // --- accessibility of the desk with the panel filled
    expect(await seriousViolations(page)).toEqual([]);
    // HUB_SCREENSHOT_DIR=docs/images refreshes the documentation's screenshot (off in CI)
    if (process.env['HUB_SCREENSHOT_DIR'])
      await page.screenshot({ path: join(process.env['HUB_SCREENSHOT_DIR'], 'agent-desktop-assist.png') });

    await input.press('Enter');
    await page.getByTestId('timeline').locator('li.agent').getByText(answer.slice(0, 40)).waitFor();

    // --- unread marker: a second conversation's customer line while the first is open
    const second = `conv-${randomUUID()}`;
    const handoff2 = abcdHandoff(integration.body.id, second, { index: 1 });
    expect((await tenantJson(orchestrator.url, 'POST', '/v1/handoffs', tenant, handoff2)).status).toBe(201);
    const offer2 = page.getByTestId('offers').locator('li');
    await offer2.waitFor({ timeout: 30_000 });
    await offer2.getByRole('button', { name: 'Accept' }).click();
    const secondItem = page
      .getByTestId('assigned')
      .locator('li')
      .filter({ hasText: String(handoff2.contact?.name) });
    await secondItem.waitFor({ timeout: 30_000 });
    expect(await secondItem.getByTestId('unread').count()).toBe(0);
    await producer.publish('conversationMessages', {
      ...newEnvelope({
        type: 'conversation.message',
        version: 1,
        tenantId: tenant,
        source: 'bot-platform',
        correlationId: second,
        data: { ...inbound, conversationId: second, messageId: randomUUID(), text: 'Hello? Anyone there?' },
      }),
      version: 1,
    });
    await secondItem.getByTestId('unread').getByText('1 unread').waitFor({ timeout: 30_000 });
    // the open conversation is still the first one; opening the second clears its marker
    await expect(page.locator('#chat-title').textContent()).resolves.toBe(String(handoff.contact?.name));
    await secondItem.getByRole('button').click();
    await page.getByTestId('timeline').getByText('Hello? Anyone there?').waitFor();
    expect(await secondItem.getByTestId('unread').count()).toBe(0);
  });
});
