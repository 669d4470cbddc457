import { randomUUID } from 'node:crypto';
import { TargetError, type HandoffContext, type TargetIntegration } from '../src/core/target';
import {
  GENESYS_CUSTOM_ATTRIBUTES_MAX_BYTES,
  GENESYS_RECAP_MAX_CHARS,
  GenesysCloudTarget,
  GenesysCloudWebhookReceiver,
  type GenesysCloudConfig,
  type GenesysCloudSecrets,
} from '../src/vendors/genesys-cloud';
import { FakeGenesysCloud } from './support/fake-genesys-cloud';
import { testContext, testHttp, testIntegration } from './support/adapter-harness';
import { postWebhook } from './support/fake-http-server';
import { realTranscript } from './support/real-transcript';
import { ReceiverEndpoint } from './support/receiver-endpoint';

const SECRET = 'whk-signature-secret-0123456789';

/** The inbound open message body as the fake recorded it. */
interface InboundBody {
  type: string;
  text: string;
  channel: { messageId: string; metadata: { customAttributes: Record<string, string> } };
}

describe('Genesys Cloud (Open Messaging) against a local Genesys', () => {
  let fake: FakeGenesysCloud;
  let endpoint: ReceiverEndpoint<GenesysCloudConfig, GenesysCloudSecrets>;
  let integration: TargetIntegration<GenesysCloudConfig, GenesysCloudSecrets>;
  let clock: number;
  let target: GenesysCloudTarget;

  const make = (config: Record<string, unknown>, secrets: Record<string, unknown> = {}) =>
    testIntegration(
      'genesys_cloud',
      {
        region: 'mypurecloud.ie',
        clientId: fake.clientId,
        loginBaseUrl: fake.baseUrl,
        apiBaseUrl: fake.baseUrl,
        ...config,
      },
      { clientSecret: fake.clientSecret, webhookSignatureSecret: SECRET, ...secrets },
    );

  const ctx = (over: Partial<HandoffContext> = {}): HandoffContext =>
    testContext(integration, {
      channel: 'web',
      customer: { id: 'cust-1', name: 'Ada Lovelace', email: 'ada@example.com', phone: '+441234567890' },
      transcript: realTranscript(6).slice(0, 6),
      summary: 'Customer wants a cheap 4-star hotel with free parking in the centre.',
      intent: 'billing_dispute',
      sentiment: { label: 'negative', score: -0.62 },
      escalationReason: 'asked for a human',
      attributes: { plan: 'gold', orderId: 'A-1001' },
      category: 'hotels',
      priority: 70,
      ...over,
    });

  beforeEach(async () => {
    clock = Date.now();
    fake = new FakeGenesysCloud();
    await fake.listen();
    target = new GenesysCloudTarget({ http: testHttp, now: () => clock });
    const receiver = new GenesysCloudWebhookReceiver();
    endpoint = new ReceiverEndpoint(receiver, () => integration);
    await endpoint.listen();
    const om = fake.addIntegration(endpoint.url, SECRET);
    integration = make({
      openMessagingIntegrationId: om.id,
      defaultQueueId: fake.queues[1].id,
      queueMappings: [{ match: 'intent', value: 'Billing_Dispute', queueId: fake.queues[0].id }],
      wrapUpCodeId: 'wrap-resolved',
    });
  });
  afterEach(async () => {
    await endpoint.close();
    await fake.close();
  });

  it('creates the Open Messaging integration with our webhook URL and signature secret', async () => {
    const { openMessagingIntegrationId } = await target.createOpenMessagingIntegration(integration, {
      name: 'Engagement Hub',
      webhookUrl: 'https://hub.example.com/v1/ccaas/webhooks/abc',
    });
    expect(fake.integrations.get(openMessagingIntegrationId)).toMatchObject({
      name: 'Engagement Hub',
      outboundNotificationWebhookUrl: 'https://hub.example.com/v1/ccaas/webhooks/abc',
      outboundNotificationWebhookSignatureSecretToken: SECRET,
    });
    const [token] = fake.server.find('POST', /^\/oauth\/token$/);
    expect(token.headers['authorization']).toBe(
      `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`,
    );
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token.rawBody).toBe('grant_type=client_credentials');
  });

  it('hands off as an inbound open message with the context in customAttributes, routed to the mapped queue', async () => {
    const c = ctx();
    const contact = await target.start(c, integration);
    expect(contact.externalContactId).toBe(`hub-${c.handoffId}`);
    const [req] = fake.server.find('POST', /\/inbound\/open\/message$/);
    expect(req.path).toBe(
      `/api/v2/conversations/messages/${integration.config.openMessagingIntegrationId}/inbound/open/message`,
    );
    expect(req.query.get('prefetchConversationId')).toBe('true');
    expect(String(req.headers['authorization'])).toMatch(/^Bearer /);
    const body = req.body as InboundBody;
    expect(body).toMatchObject({
      channel: {
        messageId: `${c.handoffId}:handoff`,
        from: { id: `hub-${c.handoffId}`, idType: 'Opaque', nickname: 'Ada Lovelace' },
        metadata: {
          customAttributes: {
            hub_handoff_id: c.handoffId,
            hub_queue_id: fake.queues[0].id,
            hub_summary: c.summary,
            hub_intent: 'billing_dispute',
            hub_sentiment: 'negative',
            hub_sentiment_score: '-0.62',
            hub_channel: 'web',
            hub_priority: '70',
            plan: 'gold',
            orderId: 'A-1001',
          },
        },
      },
    });
    expect(body.text).toContain(`Summary: ${c.summary}`);
    expect(body.text).toContain(`customer: ${c.transcript[0].text}`);
    const conv = fake.conversationOf(`hub-${c.handoffId}`);
    expect(contact.state).toMatchObject({
      conversationId: conv?.id,
      openMessagingIntegrationId: integration.config.openMessagingIntegrationId,
    });

    // no mapping matches → the default queue
    await target.start(ctx({ intent: 'other', category: 'other' }), integration);
    const second = fake.server.find('POST', /\/inbound\/open\/message$/)[1].body as InboundBody;
    expect(second.channel.metadata.customAttributes.hub_queue_id).toBe(fake.queues[1].id);
  });

  it('keeps a long real transcript within the attribute and text caps, newest lines kept', async () => {
    const transcript = realTranscript(400);
    const c = ctx({
      transcript,
      summary: 'x'.repeat(5000),
      attributes: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, 'v'.repeat(100)])),
    });
    await target.start(c, integration);
    const body = fake.server.find('POST', /\/inbound\/open\/message$/)[0].body as InboundBody;
    const attrs = body.channel.metadata.customAttributes as Record<string, string>;
    expect(Buffer.byteLength(JSON.stringify(attrs))).toBeLessThanOrEqual(GENESYS_CUSTOM_ATTRIBUTES_MAX_BYTES);
    expect(attrs.hub_queue_id).toBe(fake.queues[0].id);
    expect(attrs.hub_summary).toMatch(/…\[cut\]$/);
    expect(body.text.length).toBeLessThanOrEqual(GENESYS_RECAP_MAX_CHARS);
    expect(body.text).toMatch(/earlier message\(s\) omitted/);
    expect(body.text).toContain(transcript[transcript.length - 1].text);
    expect(body.text).not.toContain(`customer: ${transcript[0].text}\n`);
  });

  it('refuses a handoff without the Open Messaging integration or a queue, naming the field', async () => {
    const noOm = make({ defaultQueueId: 'q' });
    await expect(target.start(ctx(), noOm)).rejects.toMatchObject({
      kind: 'invalid',
      field: 'config.openMessagingIntegrationId',
    });
    const noQueue = make({ openMessagingIntegrationId: integration.config.openMessagingIntegrationId });
    await expect(target.start(ctx({ intent: 'x' }), noQueue)).rejects.toMatchObject({
      kind: 'invalid',
      field: 'config.defaultQueueId',
    });
  });

  it('runs the loop: customer lines in, agent text / typing out through the signed webhook, the agent’s end read back', async () => {
    const c = ctx();
    const contact = await target.start(c, integration);
    await target.sendCustomerMessage(
      contact,
      { messageId: 'm-2', text: 'Are you there?', at: new Date().toISOString() },
      integration,
    );
    const sent = fake.server.find('POST', /\/inbound\/open\/message$/)[1];
    expect(sent.query.get('prefetchConversationId')).toBeNull();
    expect(sent.body).toMatchObject({
      text: 'Are you there?',
      channel: { messageId: 'm-2', from: { id: contact.externalContactId, idType: 'Opaque' } },
    });

    expect((await fake.agentTyping(contact.externalContactId)).status).toBe(200);
    const reply = await fake.agentMessage(contact.externalContactId, 'Hi Ada, I can help with that.');
    expect(reply.status).toBe(200);
    expect(await target.pollEnded(contact, integration)).toBeNull();
    fake.agentDisconnect(contact.externalContactId);
    expect(await target.pollEnded(contact, integration)).toMatchObject({
      externalContactId: contact.externalContactId,
      eventId: `ended:${String(contact.state['conversationId'])}`,
      event: { kind: 'ended', by: 'agent' },
    });

    expect(endpoint.events.map((e) => e.event.kind)).toEqual(['accepted', 'agent_typing', 'agent_message']);
    expect(endpoint.events.every((e) => e.externalContactId === contact.externalContactId)).toBe(true);
    expect(endpoint.events[0].event).toMatchObject({ kind: 'accepted', agent: { name: 'Dana Agent' } });
    expect(endpoint.events[2]).toMatchObject({
      eventId: reply.body.id,
      event: { kind: 'agent_message', text: 'Hi Ada, I can help with that.', messageId: reply.body.id },
    });
  });

  it('maps a Presence Disconnect event, should Genesys send one, to ended by agent', async () => {
    const contact = await target.start(ctx(), integration);
    const w = fake.buildWebhook(contact.externalContactId, {
      type: 'Event',
      events: [{ eventType: 'Presence', presence: { type: 'Disconnect' } }],
    });
    expect((await postWebhook(w.url, w.rawBody, w.headers)).status).toBe(200);
    expect(endpoint.events.map((e) => e.event)).toEqual([
      expect.objectContaining({ kind: 'ended', by: 'agent' }),
    ]);
  });

  it('reads a conversation that is gone as ended by system, one the customer left as ended by customer', async () => {
    const contact = await target.start(ctx(), integration);
    const conv = fake.conversationOf(contact.externalContactId);
    for (const m of conv?.participants[0].messages ?? []) m.state = 'disconnected';
    expect((await target.pollEnded(contact, integration))?.event).toMatchObject({
      kind: 'ended',
      by: 'customer',
    });
    fake.conversations.clear();
    expect((await target.pollEnded(contact, integration))?.event).toMatchObject({
      kind: 'ended',
      by: 'system',
    });
  });

  it('rejects forged, unsigned, tampered and stale webhooks; a retried one keeps its event id (dropped by the sink)', async () => {
    const contact = await target.start(ctx(), integration);
    const forged = fake.buildWebhook(
      contact.externalContactId,
      { type: 'Text', text: 'pay here' },
      'x',
      'wrong-secret-000000000',
    );
    expect((await postWebhook(forged.url, forged.rawBody, forged.headers)).status).toBe(401);
    expect((await postWebhook(forged.url, forged.rawBody, {})).status).toBe(401);
    const good = fake.buildWebhook(contact.externalContactId, { type: 'Text', text: 'hello' });
    expect((await postWebhook(good.url, good.rawBody.replace('hello', 'hellO'), good.headers)).status).toBe(
      401,
    );
    const old = fake.buildWebhook(contact.externalContactId, { type: 'Text', text: 'old' });
    const staleBody = old.rawBody.replace(
      /"time":"[^"]+"/,
      `"time":"${new Date(Date.now() - 2 * 3600_000).toISOString()}"`,
    );
    const { signGenesysWebhook } = await import('../src/vendors/genesys-cloud');
    expect(
      (
        await postWebhook(old.url, staleBody, {
          'x-hub-signature-256': signGenesysWebhook(staleBody, SECRET),
        })
      ).status,
    ).toBe(401);
    expect(endpoint.events).toHaveLength(0);

    expect((await postWebhook(good.url, good.rawBody, good.headers)).status).toBe(200);
    expect((await postWebhook(good.url, good.rawBody, good.headers)).status).toBe(200);
    const delivered = endpoint.deliveries.filter((d) => d.status === 200);
    expect(delivered[0].events.map((e) => e.eventId)).toEqual(delivered[1].events.map((e) => e.eventId));
    expect(endpoint.events.filter((e) => e.event.kind === 'agent_message')).toHaveLength(1);
    expect(endpoint.deliveries.filter((d) => d.status === 401).map((d) => d.rejected)).toEqual([
      'signature',
      'signature',
      'signature',
      'stale',
    ]);
  });

  it('ends the contact (disconnect, idempotent) and writes the final summary as the wrap-up note', async () => {
    const contact = await target.start(ctx(), integration);
    await fake.agentMessage(contact.externalContactId, 'Done, anything else?');
    await target.saveSummary(contact, 'Rebooked the hotel; refund issued.', integration);
    const conv = fake.conversationOf(contact.externalContactId);
    const agent = conv?.participants.find((p) => p.purpose === 'agent');
    expect(conv?.wrapups).toEqual([
      {
        participantId: agent?.id,
        communicationId: agent?.messages[0].id,
        body: { code: 'wrap-resolved', notes: 'Rebooked the hotel; refund issued.' },
      },
    ]);
    await target.end(contact, 'timeout', integration);
    expect(conv?.state).toBe('disconnected');
    const [patch] = fake.server.find('PATCH', /^\/api\/v2\/conversations\/messages\//);
    expect(patch.body).toEqual({ state: 'disconnected' });
    fake.conversations.clear();
    await expect(target.end(contact, 'timeout', integration)).resolves.toBeUndefined();
    await expect(
      target.saveSummary(contact, 's', make({ ...integration.config, wrapUpCodeId: undefined })),
    ).rejects.toMatchObject({
      field: 'config.wrapUpCodeId',
    });
  });

  it('caches the token per integration, refreshes it before expiry and re-authenticates after a 401', async () => {
    await target.listQueues(integration);
    await target.listQueues(integration);
    expect(fake.tokensIssued).toBe(1);
    const other = make({ ...integration.config });
    await target.listQueues(other);
    expect(fake.tokensIssued).toBe(2);
    clock += 23 * 3600_000; // past 90 % of the 24 h lifetime
    await target.listQueues(integration);
    expect(fake.tokensIssued).toBe(3);
    // Genesys revokes the token: one 401, then a fresh token and the call succeeds
    fake.server.failNext({
      path: /^\/api\/v2\/routing\/queues$/,
      status: 401,
      body: { code: 'bad.credentials' },
    });
    await expect(target.listQueues(integration)).resolves.toHaveLength(130);
    expect(fake.tokensIssued).toBe(4);
  });

  it('concurrent callers on a cold cache share one token request', async () => {
    await Promise.all(Array.from({ length: 5 }, () => target.listQueues(integration)));
    expect(fake.tokensIssued).toBe(1);
  });

  it('lists every queue across pages', async () => {
    const queues = await target.listQueues(integration);
    expect(queues).toHaveLength(130);
    expect(queues[0]).toEqual({ id: fake.queues[0].id, name: 'Billing', kind: 'queue' });
    expect(
      fake.server.find('GET', /^\/api\/v2\/routing\/queues$/).map((r) => r.query.get('pageNumber')),
    ).toEqual(['1', '2']);
  });

  it('maps 5xx to unavailable and 429 to throttled (retriable)', async () => {
    fake.server.failNext({ path: /inbound\/open\/message$/, status: 503 });
    const e1 = await target.start(ctx(), integration).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(TargetError);
    expect(e1).toMatchObject({ kind: 'unavailable', retriable: true });
    fake.server.failNext({ path: /inbound\/open\/message$/, status: 429, headers: { 'retry-after': '1' } });
    await expect(target.start(ctx(), integration)).rejects.toMatchObject({
      kind: 'throttled',
      retriable: true,
    });
    fake.server.failNext({
      path: /inbound\/open\/message$/,
      status: 400,
      body: { code: 'bad.request', message: 'text too long' },
    });
    await expect(target.start(ctx(), integration)).rejects.toMatchObject({
      kind: 'invalid',
      vendorCode: 'bad.request',
    });
  });

  it('Test Connection passes, and names the failing step', async () => {
    const ok = await target.testConnection(integration);
    expect(ok).toEqual({
      ok: true,
      steps: [
        { step: 'credentials', ok: true },
        { step: 'region', ok: true },
        { step: 'permission', ok: true },
        { step: 'queues', ok: true, detail: '130 queue(s)' },
      ],
    });
    expect(
      await target.testConnection(make({ ...integration.config }, { clientSecret: 'wrong' })),
    ).toMatchObject({
      ok: false,
      failedStep: 'credentials',
    });
    expect(
      await target.testConnection(make({ ...integration.config, loginBaseUrl: 'http://127.0.0.1:9' })),
    ).toMatchObject({
      ok: false,
      failedStep: 'region',
    });
    expect(
      await target.testConnection(make({ ...integration.config, openMessagingIntegrationId: randomUUID() })),
    ).toMatchObject({
      ok: false,
      failedStep: 'permission',
    });
    fake.server.failNext({
      path: /^\/api\/v2\/routing\/queues$/,
      status: 403,
      body: { code: 'missing.permissions' },
    });
    expect(await target.testConnection(integration)).toMatchObject({ ok: false, failedStep: 'permission' });
    const missing = await target.testConnection(
      make({ ...integration.config, defaultQueueId: 'no-such-queue' }),
    );
    expect(missing).toMatchObject({ ok: false, failedStep: 'queues' });
    expect(missing.steps.at(-1)?.detail).toContain('no-such-queue');
  });

  it('without the service policy, the test-only host overrides cannot reach a local plain-http host', async () => {
    const strict = new GenesysCloudTarget();
    await expect(strict.start(ctx(), integration)).rejects.toMatchObject({
      kind: 'invalid',
      field: 'config.loginBaseUrl',
    });
    expect((await strict.testConnection(integration)).failedStep).toBe('region');
  });
});
