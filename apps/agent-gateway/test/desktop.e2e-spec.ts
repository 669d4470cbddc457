import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { newEnvelope, type ConversationMessage } from '@hub/contracts';
import { HubProducer, TopicNamer } from '@hub/messaging';
import { mintAgentToken } from '../src/auth/agent-token.verifier';
import { TEST_SECRET, probed, startHarness, waitFor, type GatewayHarness } from './support/gateway-harness';
import { launchChromium, startService, type RunningService } from '@hub/testing';
import { abcdHandoff, tenantJson } from './support/hub-services';

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
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    const token = await h.token(tenant, 'agent-ada');
    const served = await page.goto(`${h.baseUrl}/desktop/`);
    // strict CSP (no inline code, same-origin only) and nobody may frame the desktop
    const csp = served!.headers()['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(served!.headers()['x-frame-options']).toBe('DENY');
    // no presence choice before the socket is up (it would be lost)
    expect(await page.locator('#presence').isDisabled()).toBe(true);
    await page.getByLabel('Agent token (JWT)').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // exact text: the initial "disconnected" contains "connected"
    await page.getByText('connected', { exact: true }).waitFor();
    // Keyboard: the presence control has focus once connected.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('presence');
    await page.getByLabel('Presence').selectOption('online');
    expect(cspViolations).toEqual([]); // the page works under its policy (socket, styles, scripts)
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
  it('typing both ways, file sharing within the limits, transfer, wrap-up and decline from the page', async () => {
    const t = 'globex';
    const api = <T = Record<string, unknown>>(base: string, method: string, path: string, body?: unknown) =>
      tenantJson<T>(base, method, path, t, body);
    expect((await api(router.url, 'POST', '/v1/tenants', { id: t, name: 'Globex Outlet' })).status).toBe(201);
    const returns = await api<{ id: string }>(router.url, 'POST', '/v1/queues', {
      name: 'Returns',
      offerTimeoutSeconds: 120,
    });
    const billing = await api<{ id: string }>(router.url, 'POST', '/v1/queues', {
      name: 'Billing',
      offerTimeoutSeconds: 120,
    });
    expect([returns.status, billing.status]).toEqual([201, 201]);
    for (const [id, displayName, queueId] of [
      ['agent-ada', 'Ada', returns.body.id],
      ['agent-bob', 'Bob', billing.body.id],
    ]) {
      expect(
        (await api(router.url, 'POST', '/v1/agents', { id, displayName, queueIds: [queueId] })).status,
      ).toBe(201);
    }
    const integration = await api<{ id: string }>(orchestrator.url, 'POST', '/v1/integrations', {
      type: 'internal',
      name: 'Agent Desktop',
    });
    expect(integration.status).toBe(201);

    /** Signs an agent in on a fresh page and sets them online (as in the first test). */
    const desk = async (agentId: string, name: string): Promise<Page> => {
      const p = await browser.newPage();
      await p.goto(`${h.baseUrl}/desktop/`);
      await p
        .getByLabel('Agent token (JWT)')
        .fill(await mintAgentToken({ secret: TEST_SECRET, tenantId: t, agentId, name }));
      await p.getByRole('button', { name: 'Sign in' }).press('Enter');
      await p.getByText(`${name} · ${t}`).waitFor();
      await p.getByText('connected', { exact: true }).waitFor();
      await p.getByLabel('Presence').selectOption('online');
      await p.getByText('connected · online').waitFor();
      await waitFor(
        async () =>
          (await api<{ presence: string }>(router.url, 'GET', `/v1/agents/${agentId}`)).body.presence ===
          'online',
        { what: `${agentId} online at the router`, timeoutMs: 30_000 },
      );
      return p;
    };
    const inbound = (conversationId: string, m: Partial<ConversationMessage>) =>
      producer.publish('conversationMessages', {
        ...newEnvelope({
          type: 'conversation.message',
          version: 1,
          tenantId: t,
          source: 'bot-platform',
          correlationId: conversationId,
          data: {
            conversationId,
            messageId: randomUUID(),
            direction: 'inbound',
            sender: { role: 'customer', name: 'Alessandro Phoenix' },
            kind: 'text',
            sentAt: new Date().toISOString(),
            ...m,
          } as ConversationMessage,
        }),
        version: 1,
      });
    const outbound = (conversationId: string) =>
      probed<{ data: ConversationMessage }>(h, 'hub.conversation.messages.v1')
        .map((e) => e.data)
        .filter((d) => d.direction === 'outbound' && d.conversationId === conversationId);
    const workItem = (id: string) =>
      api<{
        status: string;
        queueId: string;
        agentId: string | null;
        transfers: { fromQueueId: string; toQueueId: string; byAgentId: string; reason: string | null }[];
        offers: { agentId: string; status: string; reason: string | null }[];
        wrapUp: { note: string | null; disposition: string | null };
      }>(router.url, 'GET', `/v1/work-items/${id}`);

    const ada = await desk('agent-ada', 'Ada');
    const bob = await desk('agent-bob', 'Bob');

    // --- a refund conversation (ABCD) reaches Ada; she accepts with the keyboard
    const conv1 = `conv-${randomUUID()}`;
    const handoff1 = await api<{ id: string }>(
      orchestrator.url,
      'POST',
      '/v1/handoffs',
      abcdHandoff(integration.body.id, conv1, { index: 1, queue: 'Returns' }),
    );
    expect(handoff1.status).toBe(201);
    const adaOffer = ada.getByTestId('offers').locator('li');
    await adaOffer.waitFor({ timeout: 30_000 });
    const workItemId1 = String(await adaOffer.getAttribute('data-work-item-id'));
    await adaOffer.getByRole('button', { name: 'Accept' }).focus();
    await ada.keyboard.press('Enter');
    const timeline = ada.getByTestId('timeline');
    await timeline.getByText('just wanted to check on the status of a refund').waitFor({ timeout: 30_000 });

    // --- typing: the customer types (conversation-messages topic) → shown; stops → hidden
    const typing = ada.getByTestId('typing');
    await inbound(conv1, { kind: 'typing', typing: true });
    await waitFor(async () => (await typing.textContent()) === 'Customer is typing…', {
      what: 'customer typing shown',
      timeoutMs: 30_000,
    });
    await inbound(conv1, { kind: 'typing', typing: false });
    await waitFor(async () => (await typing.textContent()) === '', {
      what: 'customer typing cleared',
      timeoutMs: 30_000,
    });

    // … and the agent types: typing=true goes out at the first keystroke, typing=false when sent
    const input = ada.getByLabel('Message');
    await input.focus();
    await ada.keyboard.type('Let me look up your refund');
    const typingOut = await waitFor(
      () => outbound(conv1).find((d) => d.kind === 'typing' && d.typing === true),
      { what: 'agent typing=true on Kafka', timeoutMs: 30_000 },
    );
    expect(typingOut).toMatchObject({ sender: { role: 'agent', id: 'agent-ada' }, workItemId: workItemId1 });
    await ada.keyboard.press('Enter');
    await timeline.locator('li.agent').getByText('Let me look up your refund').waitFor();
    await waitFor(() => outbound(conv1).find((d) => d.kind === 'typing' && d.typing === false), {
      what: 'agent typing=false on Kafka',
      timeoutMs: 30_000,
    });

    // --- a file within the limits (FILE_MAX_BYTES 2048, text/plain|image/png) is shared as a message
    const receipt = Buffer.from(
      'Refund receipt\nCustomer: Alessandro Phoenix\nOrder: 8104173954\nAmount: $49.00\nStatus: processing\n',
    );
    const fileInput = ada.getByLabel('Share a file');
    const upload = ada.getByRole('button', { name: 'Upload' });
    const fileStatus = ada.locator('#file-status');
    await fileInput.setInputFiles({ name: 'refund-receipt.txt', mimeType: 'text/plain', buffer: receipt });
    await upload.focus();
    await ada.keyboard.press('Enter');
    await waitFor(async () => (await fileStatus.textContent()) === 'Shared.', { what: 'upload shared' });
    const fileLink = timeline.locator('li.agent a', { hasText: 'refund-receipt.txt' });
    await expect(fileLink.textContent()).resolves.toBe('📎 refund-receipt.txt (1 KiB)');
    const fileOut = await waitFor(() => outbound(conv1).find((d) => d.kind === 'file'), {
      what: 'file message on Kafka',
      timeoutMs: 30_000,
    });
    expect(fileOut.file).toMatchObject({
      name: 'refund-receipt.txt',
      contentType: 'text/plain',
      sizeBytes: receipt.length,
    });
    // the agent can open it: the page downloads it with the agent token
    const [download] = await Promise.all([ada.waitForEvent('download'), fileLink.click()]);
    expect(download.suggestedFilename()).toBe('refund-receipt.txt');
    const saved = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of saved) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(receipt)).toBe(true);

    // … over the size limit or of another type: refused with a visible error, nothing shared
    await fileInput.setInputFiles({
      name: 'statement.txt',
      mimeType: 'text/plain',
      buffer: Buffer.alloc(3000, 'a'),
    });
    await upload.press('Enter');
    await waitFor(async () => (await fileStatus.textContent())?.startsWith('Upload refused:'), {
      what: 'oversize refused',
    });
    expect(await fileStatus.textContent()).toContain('larger than the limit of 2048 bytes');
    await fileInput.setInputFiles({
      name: 'photos.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from('PK\x03\x04'),
    });
    await upload.press('Enter');
    await waitFor(async () => (await fileStatus.textContent())?.includes('application/zip is not allowed'), {
      what: 'type refused',
    });
    await expect(timeline.locator('li a', { hasText: '📎' }).count()).resolves.toBe(1);
    expect(outbound(conv1).filter((d) => d.kind === 'file')).toHaveLength(1);

    // --- transfer to Billing via the queue select (keyboard: pick, reason, Enter)
    const queueSelect = ada.getByLabel('To queue');
    // the tenant's other active queues (not the item's own)
    await expect(queueSelect.locator('option').allTextContents()).resolves.toEqual(['Billing', 'Default']);
    await queueSelect.selectOption({ label: 'Billing' });
    await ada.getByLabel('Reason').fill('refund needs a billing specialist');
    await ada.getByLabel('Reason').press('Enter');
    // the router takes it from Ada: gone from her work items, the context panel is closed
    await ada.getByText('Nothing assigned.').waitFor({ timeout: 30_000 });
    // the outcome stays visible after the context panel closes
    await ada.getByText('Work item transferred.').waitFor();
    await expect(ada.getByTestId('assigned').locator('li').count()).resolves.toBe(0);
    await expect(ada.getByText('Select a work item.').isVisible()).resolves.toBe(true);
    await expect(ada.getByLabel('Message').isDisabled()).resolves.toBe(true);
    const afterTransfer = await waitFor(
      async () => {
        const w = await workItem(workItemId1);
        return w.body.transfers.length === 1 && w.body.queueId === billing.body.id ? w.body : undefined;
      },
      { what: 'router: item in Billing with its transfer', timeoutMs: 30_000 },
    );
    expect(afterTransfer.transfers[0]).toMatchObject({
      fromQueueId: returns.body.id,
      toQueueId: billing.body.id,
      byAgentId: 'agent-ada',
      reason: 'refund needs a billing specialist',
    });

    // Bob (Billing) gets it, sees the transfer history, and completes it with a wrap-up note
    const bobOffer = bob.getByTestId('offers').locator(`li[data-work-item-id="${workItemId1}"]`);
    await bobOffer.waitFor({ timeout: 30_000 });
    await expect(bobOffer.textContent()).resolves.toContain('Billing');
    await bobOffer.getByRole('button', { name: 'Accept' }).press('Enter');
    await bob.getByTestId('timeline').getByText('Let me look up your refund').waitFor({ timeout: 30_000 });
    await expect(bob.locator('#ctx-queue').textContent()).resolves.toBe('Billing');
    await expect(bob.locator('#ctx-transfers li').textContent()).resolves.toMatch(
      /Returns → Billing by agent-ada \(refund needs a billing specialist\)$/,
    );
    await bob.getByLabel('Disposition').focus();
    await bob.keyboard.type('resolved');
    await bob.keyboard.press('Tab');
    await bob.keyboard.type(
      'Refund of $49.00 confirmed as processing; customer informed of 5-7 day timeline.',
    );
    await bob.keyboard.press('Tab');
    expect(await bob.evaluate(() => document.activeElement?.id)).toBe('complete');
    await bob.keyboard.press('Enter');
    await bob.getByText('Nothing assigned.').waitFor({ timeout: 30_000 });
    await bob.getByText('Work item completed.').waitFor();
    await expect(bob.getByText('Select a work item.').isVisible()).resolves.toBe(true);
    const completed = await waitFor(
      async () => {
        const w = await workItem(workItemId1);
        return w.body.status === 'completed' ? w.body : undefined;
      },
      { what: 'router: completed', timeoutMs: 30_000 },
    );
    expect(completed.agentId).toBe('agent-bob');
    expect(completed.wrapUp).toEqual({
      note: 'Refund of $49.00 confirmed as processing; customer informed of 5-7 day timeline.',
      disposition: 'resolved',
    });

    // --- a second conversation is offered to Ada, who declines it
    const conv2 = `conv-${randomUUID()}`;
    expect(
      (
        await api(
          orchestrator.url,
          'POST',
          '/v1/handoffs',
          abcdHandoff(integration.body.id, conv2, { index: 2, queue: 'Returns' }),
        )
      ).status,
    ).toBe(201);
    const second = ada.getByTestId('offers').locator('li');
    await second.waitFor({ timeout: 30_000 });
    const workItemId2 = String(await second.getAttribute('data-work-item-id'));
    expect(workItemId2).not.toBe(workItemId1);
    await second.getByRole('button', { name: 'Decline' }).focus();
    await ada.keyboard.press('Enter');
    await waitFor(async () => (await ada.getByTestId('offers').locator('li').count()) === 0, {
      what: 'offer gone from the inbox',
    });
    const declined = await waitFor(
      async () => {
        const w = await workItem(workItemId2);
        return w.body.offers.some((o) => o.status === 'declined') ? w.body : undefined;
      },
      { what: 'router: offer declined', timeoutMs: 30_000 },
    );
    expect(declined.offers).toEqual([expect.objectContaining({ agentId: 'agent-ada', status: 'declined' })]);
    // nobody else is in Returns: the item waits, it is not Ada's
    expect(declined.status).toBe('waiting');
    expect(declined.agentId).toBeNull();

    await Promise.all([ada.close(), bob.close()]);
  }, 240_000);
});
