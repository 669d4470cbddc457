import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { newEnvelope, type ConversationMessage, type HandoffRequestInput } from '@hub/contracts';
import { HubProducer, TopicNamer } from '@hub/messaging';
import { probed, startHarness, waitFor, type GatewayHarness } from './support/gateway-harness';
import { launchChromium, startService, type RunningService } from '@hub/testing';
import { tenantJson } from './support/hub-services';

/** One real ABCD conversation (MIT, tools/demo/data/abcd) → a bot transcript handed off to "Returns". */
function abcdHandoff(integrationId: string, conversationId: string): HandoffRequestInput {
  const file = join(
    __dirname,
    '..',
    '..',
    '..',
    'tools',
    'demo',
    'data',
    'abcd',
    'conversations-sample.json',
  );
  const convo = (
    JSON.parse(readFileSync(file, 'utf8')) as {
      original: [string, string][];
      scenario: { flow: string; subflow: string; personal: { customer_name: string; email: string } };
    }[]
  )[0];
  const turns = convo.original.filter(([speaker]) => speaker !== 'action').slice(0, 8);
  const t0 = Date.parse('2026-11-21T10:00:00.000Z');
  return {
    integrationId,
    botSessionId: `bot-${conversationId}`,
    conversationId,
    channel: 'web',
    routing: { queue: 'Returns' },
    transcript: turns.map(([speaker, text], i) => ({
      role: speaker === 'customer' ? 'user' : 'bot',
      text,
      timestamp: new Date(t0 + i * 5000).toISOString(),
    })),
    intent: convo.scenario.subflow,
    attributes: { selected_queue: 'Returns', flow: convo.scenario.flow },
    contact: { name: 'Crystal Minh', email: convo.scenario.personal.email },
  };
}

describe('Agent Desktop in headless Chromium (real router + orchestrator)', () => {
  let h: GatewayHarness;
  let router: RunningService;
  let orchestrator: RunningService;
  let browser: Browser;
  let page: Page;
  let producer: HubProducer;
  const tenant = 'acme';

  beforeAll(async () => {
    h = await startHarness({ PRESENCE_OFFLINE_GRACE_MS: '0' });
    [router, orchestrator] = await Promise.all([
      startService('work-item-router', h.world.env, { ready: 'readyz' }),
      startService('handoff-orchestrator', h.world.env, { ready: 'readyz' }),
    ]);
    const kafka = new Kafka({
      clientId: 'bot-platform-fake',
      brokers: h.world.env.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    producer = new HubProducer(kafka, new TopicNamer(h.world.kafkaNamespace));
    await producer.connect();
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await producer?.disconnect();
    await Promise.all([router?.stop(), orchestrator?.stop()]);
    await h?.close();
  }, 60_000);

  it('an offer appears, is accepted, the transcript is visible, and a message goes both ways', async () => {
    // Tenant, queue and agent through the router's admin API; the internal integration through the orchestrator.
    expect(
      (await tenantJson(router.url, 'POST', '/v1/tenants', tenant, { id: tenant, name: 'Acme Retail' }))
        .status,
    ).toBe(201);
    const queue = await tenantJson<{ id: string }>(router.url, 'POST', '/v1/queues', tenant, {
      name: 'Returns',
      offerTimeoutSeconds: 120,
    });
    expect(queue.status).toBe(201);
    const agent = await tenantJson(router.url, 'POST', '/v1/agents', tenant, {
      id: 'agent-ada',
      displayName: 'Ada',
      queueIds: [queue.body.id],
    });
    expect(agent.status).toBe(201);
    const integration = await tenantJson<{ id: string }>(
      orchestrator.url,
      'POST',
      '/v1/integrations',
      tenant,
      { type: 'internal', name: 'Agent Desktop' },
    );
    expect(integration.status).toBe(201);

    page = await browser.newPage();
    const token = await h.token(tenant, 'agent-ada');
    await page.goto(`${h.baseUrl}/desktop/`);
    // no presence choice before the socket is up (it would be lost)
    expect(await page.locator('#presence').isDisabled()).toBe(true);
    await page.getByLabel('Agent token (JWT)').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // exact text: the initial "disconnected" contains "connected"
    await page.getByText('connected', { exact: true }).waitFor();
    // Keyboard: the presence control has focus once connected.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('presence');
    await page.getByLabel('Presence').selectOption('online');
    await page.getByText('connected · online').waitFor();
    await waitFor(
      async () =>
        (await tenantJson<{ presence: string }>(router.url, 'GET', '/v1/agents/agent-ada', tenant)).body
          .presence === 'online',
      { what: 'router sees the agent online', timeoutMs: 30_000 },
    );

    const conversationId = `conv-${randomUUID()}`;
    const handoff = await tenantJson(
      orchestrator.url,
      'POST',
      '/v1/handoffs',
      tenant,
      abcdHandoff(integration.body.id, conversationId),
    );
    expect(handoff.status).toBe(201);

    const offer = page.getByTestId('offers').locator('li');
    await offer.waitFor({ timeout: 30_000 });
    await expect(offer.textContent()).resolves.toContain('Returns');
    await expect(offer.locator('.countdown').textContent()).resolves.toMatch(/\d+ s/);
    await offer.getByRole('button', { name: 'Accept' }).click();

    // Assigned: the conversation opens with the bot transcript and the context panel.
    const timeline = page.getByTestId('timeline');
    await timeline
      .getByText('I need to return an item, can you help me with that?')
      .waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('ctx-intent').textContent()).resolves.toBe('return_size');
    await expect(page.getByTestId('ctx-summary').textContent()).resolves.not.toBe('—');
    await expect(page.getByTestId('offers').locator('li').count()).resolves.toBe(0);

    // Customer → agent: the bot platform relays the customer's next message.
    const inbound: ConversationMessage = {
      conversationId,
      messageId: randomUUID(),
      direction: 'inbound',
      sender: { role: 'customer', name: 'Crystal Minh' },
      kind: 'text',
      text: 'Username: cminh730',
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
    await timeline.getByText('Username: cminh730').waitFor({ timeout: 30_000 });

    // Agent → customer: type and press Enter.
    const input = page.getByLabel('Message');
    await input.fill('thanks, may I ask the reason for the return?');
    await input.press('Enter');
    // the bot transcript may hold the same words: look for the agent's own live message
    await timeline.locator('li.agent').getByText('thanks, may I ask the reason for the return?').waitFor();
    const out = await waitFor(
      () =>
        probed<{ data: ConversationMessage }>(h, 'hub.conversation.messages.v1').find(
          (e) =>
            e.data.direction === 'outbound' &&
            e.data.kind === 'text' &&
            e.data.conversationId === conversationId,
        ),
      { what: 'outbound message on Kafka', timeoutMs: 30_000 },
    );
    expect(out.data.text).toBe('thanks, may I ask the reason for the return?');

    // The handoff reached its success outcome.
    await waitFor(
      async () =>
        (
          await tenantJson<{ status: string }>(
            orchestrator.url,
            'GET',
            `/v1/handoffs/${(handoff.body as { id: string }).id}`,
            tenant,
          )
        ).body.status === 'accepted',
      { what: 'handoff accepted', timeoutMs: 30_000 },
    );
  }, 180_000);
});
