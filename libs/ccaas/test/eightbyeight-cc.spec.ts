import { generateKeyPair } from 'jose';
import type { HandoffContext, TargetIntegration } from '../src/core/target';
import {
  EIGHTBYEIGHT_MAX_ADDITIONAL_PROPERTIES,
  EIGHTBYEIGHT_MAX_HISTORY_MESSAGES,
  EightByEightCcTarget,
  EightByEightCcWebhookReceiver,
  type EightByEightCcConfig,
  type EightByEightCcSecrets,
} from '../src/vendors/eightbyeight-cc';
import { FakeEightByEightCc } from './support/fake-eightbyeight-cc';
import { testContext, testHttp, testIntegration } from './support/adapter-harness';
import { postWebhook } from './support/fake-http-server';
import { realTranscript } from './support/real-transcript';
import { ReceiverEndpoint } from './support/receiver-endpoint';

describe('8x8 Contact Center (Chat Gateway) against a local 8x8', () => {
  let fake: FakeEightByEightCc;
  let endpoint: ReceiverEndpoint<EightByEightCcConfig, EightByEightCcSecrets>;
  let integration: TargetIntegration<EightByEightCcConfig, EightByEightCcSecrets>;
  const target = new EightByEightCcTarget({ http: testHttp });

  const make = (config: Record<string, unknown>, secrets: Record<string, unknown> = {}) =>
    testIntegration(
      'eightbyeight_cc',
      { tenantId: fake.tenantId, customerId: fake.customerId, baseUrl: fake.baseUrl, ...config },
      { apiKey: fake.apiKey, ...secrets },
    );

  const ctx = (over: Partial<HandoffContext> = {}): HandoffContext =>
    testContext(integration, {
      channel: 'whatsapp',
      customer: { id: 'cust-9', name: 'Grace Hopper', email: 'grace@example.com', phone: '+15551234567' },
      transcript: realTranscript(4).slice(0, 4),
      summary: 'Wants to change the hotel booking dates.',
      intent: 'change_booking',
      sentiment: { label: 'neutral', score: 0.05 },
      escalationReason: 'asked for a human',
      attributes: { loyalty: 'platinum' },
      category: 'bookings',
      priority: 80,
      ...over,
    });

  beforeEach(async () => {
    fake = new FakeEightByEightCc();
    await fake.listen();
    endpoint = new ReceiverEndpoint(new EightByEightCcWebhookReceiver({ http: testHttp }), () => integration);
    await endpoint.listen();
    const { webhookId, channelId } = fake.addChannel(endpoint.url, 'q-default');
    integration = make({
      webhookId,
      channelId,
      defaultQueueId: 'q-default',
      queueMappings: [{ match: 'category', value: 'Bookings', queueId: 'q-bookings', name: 'Bookings' }],
      skillGroups: [{ match: 'intent', value: 'spanish_support', scriptId: 'script-es', name: 'Spanish' }],
    });
  });
  afterEach(async () => {
    await endpoint.close();
    await fake.close();
  });

  it('registers the webhook (answering 8x8’s signed verification) and a channel routed to a queue', async () => {
    const ids = await target.registerWebhookAndChannel(integration, {
      name: 'Engagement Hub',
      webhookUrl: endpoint.url,
      queueId: 'q-7',
    });
    expect(fake.webhooks.get(ids.webhookId)).toMatchObject({
      uri: endpoint.url,
      version: 'Chat Gateway v1.0',
      name: 'Engagement Hub',
    });
    expect(fake.channels.get(ids.channelId)).toMatchObject({
      type: 'ChatAPI',
      webHookId: ids.webhookId,
      routingOptions: { type: 'queue', id: 'q-7' },
    });
    expect(endpoint.deliveries).toEqual([{ status: 200, events: [] }]);
    const [create] = fake.server.find('POST', /^\/chat-gateway\/v1\/webhooks$/);
    expect(create.headers['x-api-key']).toBe(fake.apiKey);
    expect(create.headers['x-8x8-tenant']).toBe(fake.tenantId);
  });

  it('creates the conversation with user fields, custom fields, the transcript as history, queue and priority', async () => {
    const c = ctx();
    const contact = await target.start(c, integration);
    const conv = fake.conversations.get(contact.externalContactId);
    expect(conv?.request).toEqual({
      channelId: integration.config.channelId,
      user: {
        name: 'Grace Hopper',
        userId: 'cust-9',
        email: 'grace@example.com',
        phone: '+15551234567',
        caseId: c.handoffId,
        additionalProperties: [
          { key: 'Case Category', value: 'bookings' },
          { key: 'Media Type', value: 'whatsapp' },
          { key: 'Priority', value: '80' },
          { key: 'Intent', value: 'change_booking' },
          { key: 'Summary', value: c.summary },
          { key: 'Sentiment', value: 'neutral (0.05)' },
          { key: 'Escalation Reason', value: 'asked for a human' },
          { key: 'Hub Conversation', value: c.conversationId },
          { key: 'loyalty', value: 'platinum' },
        ],
      },
      assignment: { type: 'queue', id: 'q-bookings' },
      history: {
        messages: c.transcript.map((m) => ({
          authorType: m.role === 'customer' ? 'user' : 'bot',
          text: m.text,
        })),
      },
    });
    expect(contact.state).toEqual({
      conversationId: contact.externalContactId,
      assignment: { type: 'queue', id: 'q-bookings' },
    });

    const skill = await target.start(ctx({ intent: 'spanish_support', category: 'x' }), integration);
    expect(fake.conversations.get(skill.externalContactId)?.request.assignment).toEqual({
      type: 'script',
      id: 'script-es',
    });
    const dflt = await target.start(ctx({ intent: 'x', category: 'y' }), integration);
    expect(fake.conversations.get(dflt.externalContactId)?.request.assignment).toEqual({
      type: 'queue',
      id: 'q-default',
    });
  });

  it('keeps a long real transcript and many custom fields within the Chat Gateway limits', async () => {
    const transcript = realTranscript(450);
    const attributes = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, `value ${i}`]));
    const contact = await target.start(ctx({ transcript, attributes }), integration);
    const req = fake.conversations.get(contact.externalContactId)?.request;
    expect(req?.user?.additionalProperties).toHaveLength(EIGHTBYEIGHT_MAX_ADDITIONAL_PROPERTIES);
    const history = req?.history?.messages ?? [];
    expect(history).toHaveLength(EIGHTBYEIGHT_MAX_HISTORY_MESSAGES);
    expect(history[0].text).toMatch(
      new RegExp(`^\\[${transcript.length - 199} earlier message\\(s\\) omitted`),
    );
    expect(history.at(-1)?.text).toBe(transcript.at(-1)?.text);
  });

  it('refuses a handoff without channel or queue, naming the field; maps 5xx/429/400', async () => {
    await expect(target.start(ctx(), make({ defaultQueueId: 'q' }))).rejects.toMatchObject({
      kind: 'invalid',
      field: 'config.channelId',
    });
    await expect(
      target.start(ctx({ category: 'x', intent: 'y' }), make({ channelId: integration.config.channelId })),
    ).rejects.toMatchObject({
      kind: 'invalid',
      field: 'config.defaultQueueId',
    });
    fake.server.failNext({ path: /^\/chat-gateway\/v1\/conversations$/, status: 500 });
    await expect(target.start(ctx(), integration)).rejects.toMatchObject({
      kind: 'unavailable',
      retriable: true,
    });
    fake.server.failNext({ path: /^\/chat-gateway\/v1\/conversations$/, status: 429 });
    await expect(target.start(ctx(), integration)).rejects.toMatchObject({
      kind: 'throttled',
      retriable: true,
    });
    await expect(
      target.start(ctx(), make({ ...integration.config, channelId: 'nope' })),
    ).rejects.toMatchObject({
      kind: 'invalid',
      vendorCode: 'invalid_channel',
    });
  });

  it('runs the loop: customer lines in; queued, joined, typing, messages, transfer, end out through signed webhooks', async () => {
    const contact = await target.start(ctx(), integration);
    const id = contact.externalContactId;
    await target.sendCustomerMessage(
      contact,
      { messageId: 'm1', text: 'Hello?', at: new Date().toISOString() },
      integration,
    );
    expect(fake.conversations.get(id)?.messages).toEqual([{ authorType: 'user', text: 'Hello?' }]);

    await fake.queued(id, 'q-bookings', 'Bookings');
    await fake.agentJoined(id, 'agent-7');
    await fake.agentTyping(id);
    const msg = await fake.agentMessage(id, 'Hi Grace, which dates?');
    await fake.send(id, 'MESSAGE', { isEcho: true, sender: { id: 'bot', type: 'bot' }, text: 'Hello?' });
    // the agent leaves and transfers: not an end; a new agent joins
    await fake.agentLeft(id, 'agent-7');
    await fake.transfer(id);
    await fake.agentJoined(id, 'agent-9');
    await fake.idle(id);
    expect(endpoint.deliveries.every((d) => d.status === 200)).toBe(true);
    expect(endpoint.events.map((e) => e.event.kind)).toEqual([
      'queued',
      'accepted',
      'agent_typing',
      'agent_message',
      'transferred',
      'accepted',
      'ended',
    ]);
    expect(endpoint.events.every((e) => e.externalContactId === id)).toBe(true);
    expect(endpoint.events[0].event).toMatchObject({ queue: 'Bookings' });
    expect(endpoint.events[3]).toMatchObject({
      eventId: msg.headers['x-8x8-event-id'],
      event: { kind: 'agent_message', text: 'Hi Grace, which dates?', agent: { id: 'agent-7' } },
    });
    expect(endpoint.events[6].event).toMatchObject({ kind: 'ended', by: 'agent' });
  });

  it('the customer leaving ends the contact; end() removes the user, idempotently', async () => {
    const contact = await target.start(ctx(), integration);
    await fake.send(contact.externalContactId, 'MEMBERS_CHANGED', {
      memberType: 'user',
      change: 'left',
      id: 'user',
    });
    expect(endpoint.events.map((e) => e.event)).toEqual([
      expect.objectContaining({ kind: 'ended', by: 'customer' }),
    ]);
    await target.end(contact, 'timeout', integration);
    expect(fake.conversations.get(contact.externalContactId)?.userRemoved).toBe(true);
    expect(fake.server.find('PATCH', /participants\/user$/)[0].body).toEqual({ removed: true });
    fake.conversations.clear();
    await expect(target.end(contact, 'timeout', integration)).resolves.toBeUndefined();
  });

  it('rejects forged, tampered, other-tenant and stale webhooks; a duplicate keeps its event id (dropped)', async () => {
    const contact = await target.start(ctx(), integration);
    const id = contact.externalContactId;
    const body = JSON.stringify({
      eventType: 'MESSAGE',
      conversationId: id,
      timestamp: Date.now(),
      data: { sender: { type: 'agent', id: 'a' }, text: 'pay here' },
    });
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const forged = await fake.sign(body, {}, privateKey);
    const good = await fake.sign(body);
    const url = endpoint.url;
    expect((await postWebhook(url, body, forged)).status).toBe(401);
    expect((await postWebhook(url, body.replace('pay here', 'pay there'), good)).status).toBe(401);
    expect((await postWebhook(url, body, { ...good, 'x-8x8-retry': '1' })).status).toBe(401);
    expect((await postWebhook(url, body, await fake.sign(body, { tenantId: 'otherTenant' }))).status).toBe(
      401,
    );
    expect(
      (await postWebhook(url, body, await fake.sign(body, { transmissionTime: Date.now() - 3600_000 })))
        .status,
    ).toBe(401);
    const unknownKid = {
      ...good,
      'x-8x8-signature': good['x-8x8-signature'].replace(
        /^[^.]+/,
        Buffer.from(JSON.stringify({ b64: false, crit: ['b64'], kid: 'nokey', alg: 'RS256' })).toString(
          'base64url',
        ),
      ),
    };
    expect((await postWebhook(url, body, unknownKid)).status).toBe(401);
    expect((await postWebhook(url, body, {})).status).toBe(401);
    expect(endpoint.events).toHaveLength(0);
    expect(endpoint.deliveries.map((d) => d.rejected)).toEqual([
      'signature',
      'signature',
      'signature',
      'tenant',
      'stale',
      'signature',
      'signature',
    ]);

    expect((await postWebhook(url, body, good)).status).toBe(200);
    const retry = await fake.sign(body, { eventId: good['x-8x8-event-id'], retry: 1 });
    expect((await postWebhook(url, body, retry)).status).toBe(200);
    const ok = endpoint.deliveries.filter((d) => d.status === 200);
    expect(ok[0].events[0].eventId).toBe(ok[1].events[0].eventId);
    expect(endpoint.events).toHaveLength(1);
    // the public key was fetched once (cached)
    expect(fake.server.find('GET', /\/jwk\//).filter((r) => r.path.includes(fake.kid))).toHaveLength(1);
  });

  it('accepts a signature computed by hand from 8x8’s description (not by jose), over a body with non-ASCII text', async () => {
    const contact = await target.start(ctx(), integration);
    const body = JSON.stringify({
      eventType: 'MESSAGE',
      conversationId: contact.externalContactId,
      timestamp: Date.now(),
      data: { isEcho: false, sender: { type: 'agent', id: 'a-1' }, text: 'Grüße — ¿qué tal? 😊' },
    });
    expect((await postWebhook(endpoint.url, body, fake.signByHand(body))).status).toBe(200);
    expect(endpoint.events.map((e) => e.event)).toEqual([
      expect.objectContaining({ kind: 'agent_message', text: 'Grüße — ¿qué tal? 😊' }),
    ]);
  });

  it('a JWK endpoint that is down is a retriable error (5xx), not a rejection', async () => {
    const contact = await target.start(ctx(), integration);
    fake.server.failNext({ path: /\/jwk\//, status: 503 });
    const r = await fake.agentMessage(contact.externalContactId, 'hi');
    expect(r.status).toBe(503);
    expect(endpoint.events).toHaveLength(0);
  });

  it('lists channel queues, mapped queues and skill groups', async () => {
    expect(await target.listQueues(integration)).toEqual([
      { id: 'q-default', name: 'q-default (channel hub)', kind: 'queue' },
      { id: 'q-bookings', name: 'Bookings', kind: 'queue' },
      { id: 'script-es', name: 'Spanish', kind: 'skill_group' },
    ]);
  });

  it('Test Connection passes, and names the failing step', async () => {
    expect(await target.testConnection(integration)).toEqual({
      ok: true,
      steps: [
        { step: 'credentials', ok: true },
        { step: 'region', ok: true },
        { step: 'permission', ok: true },
        { step: 'webhook', ok: true },
        { step: 'queues', ok: true, detail: `channel ${integration.config.channelId} → queue q-default` },
      ],
    });
    expect(
      await target.testConnection(make({ ...integration.config }, { apiKey: 'wrong-key-000' })),
    ).toMatchObject({ failedStep: 'credentials' });
    expect(await target.testConnection(make({ ...integration.config, tenantId: 'notMine' }))).toMatchObject({
      failedStep: 'permission',
    });
    expect(
      await target.testConnection(make({ ...integration.config, baseUrl: 'http://127.0.0.1:9' })),
    ).toMatchObject({ failedStep: 'region' });
    expect(await target.testConnection(make({ ...integration.config, webhookId: 'gone' }))).toMatchObject({
      failedStep: 'webhook',
    });
    expect(await target.testConnection(make({ ...integration.config, channelId: 'gone' }))).toMatchObject({
      failedStep: 'queues',
    });
  });
});
