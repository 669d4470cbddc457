import { randomUUID } from 'node:crypto';
import { type AmazonConnectConfig, AmazonConnectConfigSchema } from '@hub/integrations';
import { FakeAmazonConnect, waitFor } from '@hub/testing';
import { STSClient } from '@aws-sdk/client-sts';
import {
  AmazonConnectAdapter,
  assumeRoleProvider,
  CREDENTIALS_REFRESH_BEFORE_MS,
  attributeBytes,
  type ConnectIntegration,
  type HandoffContext,
  type TargetEvent,
} from '../src';
import { testContext, testPolicy } from './support/adapter-harness';

const KEY = 'AKIAFAKECONNECT00001';
const SECRET = 'fake-secret-access-key-0001';

describe('Amazon Connect adapter against a local Amazon Connect (SigV4, restJson1, participant websocket)', () => {
  const fake = new FakeAmazonConnect();
  const adapter = new AmazonConnectAdapter({ policy: testPolicy } as never, { heartbeatMs: 200 });

  beforeAll(async () => {
    await fake.start();
    fake.addKey(KEY, SECRET);
  });
  afterAll(async () => {
    adapter.destroy();
    await fake.stop();
  });

  const integration = (
    config: Partial<AmazonConnectConfig> = {},
    secrets: Record<string, string> = { accessKeyId: KEY, secretAccessKey: SECRET },
  ): ConnectIntegration => ({
    id: randomUUID(),
    tenantId: 't-connect',
    config: AmazonConnectConfigSchema.parse({
      instanceId: fake.instanceId,
      region: fake.region,
      defaultContactFlowId: fake.defaultFlowId,
      endpoint: fake.url,
      ...config,
    }),
    secrets: secrets as never,
  });

  const ctx = (over: Partial<HandoffContext> = {}): HandoffContext =>
    testContext(
      { id: randomUUID(), tenantId: 't-connect' },
      {
        conversationId: 'conv-1',
        botSessionId: 'bot-session-1',
        customer: { name: 'Dana Doe' },
        intent: 'billing_dispute',
        attributes: { 'order id': 'A-17', plan: 'gold' },
        category: 'billing',
        priority: 10,
        ...over,
      },
    );

  it('starts a chat with the ob_* attributes, connects the customer and relays both directions', async () => {
    const i = integration();
    const c = ctx();
    const contact = await adapter.start(c, i);
    const fc = fake.contacts.get(contact.externalContactId)!;
    expect(fc.attributes).toMatchObject({
      ob_customer_name: 'Dana Doe',
      ob_intent: 'billing_dispute',
      ob_channel: 'web',
      ob_session_id: 'bot-session-1',
      order_id: 'A-17',
      plan: 'gold',
    });
    expect(fc.attributes['ob_transcript']).toContain('Customer: my invoice is wrong');
    expect(fc.customerConnected).toBe(true);
    expect(fake.calls('CreateParticipantConnection')[0].body).toMatchObject({ ConnectParticipant: true });

    // A retried start (same handoff id = ClientToken) is the same contact.
    const again = await adapter.start(c, i);
    expect(again.externalContactId).toBe(contact.externalContactId);

    const events: { eventId: string; event: TargetEvent }[] = [];
    const stream = await adapter.openStream(contact, i, {
      report: async (e) => {
        events.push({ eventId: e.eventId, event: e.event });
      },
    });
    await waitFor(() => fake.subscribed(contact.externalContactId));
    await adapter.sendCustomerMessage(
      contact,
      { messageId: 'm-1', text: 'are you there?', at: new Date().toISOString() },
      i,
    );
    expect(fc.customerMessages.map((m) => m.content)).toEqual(['are you there?']);
    fake.agentJoins(contact.externalContactId);
    fake.agentTyping(contact.externalContactId);
    fake.agentSays(contact.externalContactId, 'Hi Dana, Alex here');
    // heartbeats keep the socket alive past several intervals
    await new Promise((r) => setTimeout(r, 700));
    fake.agentEnds(contact.externalContactId);
    await stream.done;
    expect(events.map((e) => e.event.kind)).toEqual(['accepted', 'agent_typing', 'agent_message', 'ended']);
    expect(events[2].event).toMatchObject({ text: 'Hi Dana, Alex here' });
    expect(events[3].event).toMatchObject({ by: 'agent' });
    // our own CUSTOMER line echoed on the socket is not relayed
    expect(events.some((e) => e.event.kind === 'agent_message' && e.event.text === 'are you there?')).toBe(
      false,
    );
  });

  it('keeps the attribute map within 32,768 bytes, cutting the transcript to its newest lines with a marker', async () => {
    const long = Array.from({ length: 400 }, (_, n) => ({
      role: (n % 2 ? 'bot' : 'customer') as 'bot' | 'customer',
      text: `message ${n}: ${'é'.repeat(60)} ${'x'.repeat(40)}`,
      at: new Date(Date.UTC(2026, 0, 1, 10, 0, n)).toISOString(),
    }));
    const contact = await adapter.start(ctx({ transcript: long }), integration());
    const attrs = fake.contacts.get(contact.externalContactId)!.attributes;
    expect(attributeBytes(attrs)).toBeLessThanOrEqual(32_768);
    expect(attributeBytes(attrs)).toBeGreaterThan(30_000);
    expect(attrs['ob_transcript']).toMatch(/^\[\d+ earlier message\(s\) omitted/);
    expect(attrs['ob_transcript']).toContain('message 399:');
    expect(attrs['ob_transcript']).not.toContain('message 0:');
  });

  it('places a voice handoff with a phone number through StartOutboundVoiceContact with the mapped queue', async () => {
    const i = integration({ queueMappings: [{ category: 'billing', queueId: fake.queues[0].Id }] });
    const contact = await adapter.start(
      ctx({ channel: 'voice', customer: { name: 'V', phone: '+1 (206) 555-0100' } }),
      i,
    );
    const fc = fake.contacts.get(contact.externalContactId)!;
    expect(fc).toMatchObject({
      kind: 'voice',
      destinationPhoneNumber: '+12065550100',
      queueId: fake.queues[0].Id,
    });
  });

  it('maps throttling to a retriable error and an unknown flow to invalid naming the field', async () => {
    fake.failNext('StartChatContact', 'TooManyRequestsException', 429);
    await expect(adapter.start(ctx(), integration())).rejects.toMatchObject({
      kind: 'throttled',
      vendorCode: 'TooManyRequestsException',
    });
    fake.failNext('StartChatContact', 'LimitExceededException', 429);
    await expect(adapter.start(ctx(), integration())).rejects.toMatchObject({ kind: 'throttled' });
    await expect(
      adapter.start(ctx(), integration({ defaultContactFlowId: randomUUID() })),
    ).rejects.toMatchObject({
      kind: 'invalid',
      field: 'config.defaultContactFlowId',
      vendorCode: 'ResourceNotFoundException',
    });
  });

  it('refuses unpublished flows at configuration time', async () => {
    const draft = fake.addFlow('SAVED', 'draft');
    await expect(
      adapter.checkConfiguration(integration({ flowMappings: [{ intent: 'x', contactFlowId: draft }] })),
    ).rejects.toMatchObject({
      kind: 'invalid',
      field: 'config.flowMappings.0.contactFlowId',
    });
    await expect(adapter.checkConfiguration(integration())).resolves.toBeUndefined();
  });

  it('Test Connection names the failing step', async () => {
    expect(await adapter.testConnection(integration())).toMatchObject({ ok: true });
    expect(
      await adapter.testConnection(
        integration({}, { accessKeyId: KEY, secretAccessKey: 'wrong-secret-0000000' }),
      ),
    ).toMatchObject({
      ok: false,
      failedStep: 'credentials',
    });
    expect(
      await adapter.testConnection(
        integration({}, { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: SECRET }),
      ),
    ).toMatchObject({
      ok: false,
      failedStep: 'credentials',
    });
    const denied = 'AKIADENIEDLISTQUEUES';
    fake.addKey(denied, SECRET, ['connect:ListQueues']);
    const r = await adapter.testConnection(integration({}, { accessKeyId: denied, secretAccessKey: SECRET }));
    expect(r).toMatchObject({ ok: false, failedStep: 'permission' });
    expect(r.steps.at(-1)?.detail).toContain('connect:ListQueues');
    expect(await adapter.testConnection(integration({ instanceId: randomUUID() }))).toMatchObject({
      failedStep: 'instance',
    });
    expect(await adapter.testConnection(integration({ endpoint: 'http://127.0.0.1:1' }))).toMatchObject({
      failedStep: 'region',
    });
  });

  it('assumes a role through STS (with external id) and signs with the temporary credentials', async () => {
    const role = 'arn:aws:iam::123456789012:role/omnibots-connect';
    fake.addRole(role, 'ext-42');
    const i = integration({ roleArn: role, externalId: 'ext-42' });
    expect(await adapter.testConnection(i)).toMatchObject({ ok: true });
    const contact = await adapter.start(ctx(), i);
    expect(fake.contacts.has(contact.externalContactId)).toBe(true);
    expect(fake.calls('StartChatContact').at(-1)?.accessKeyId).toMatch(/^ASIA/);
    expect(await adapter.testConnection(integration({ roleArn: role, externalId: 'wrong' }))).toMatchObject({
      ok: false,
      failedStep: 'credentials',
    });
  });

  it('lists queues and ends a contact idempotently', async () => {
    const i = integration();
    expect((await adapter.listQueues(i)).map((q) => q.name)).toEqual(['Billing', 'Tech Support']);
    const contact = await adapter.start(ctx(), i);
    await adapter.end(contact, 'timeout', i);
    expect(fake.contacts.get(contact.externalContactId)!.stopped).toBe(true);
    await expect(adapter.end(contact, 'timeout', i)).resolves.toBeUndefined();
  });

  it('refreshes assumed-role credentials before they expire, not on every call', async () => {
    const role = 'arn:aws:iam::123456789012:role/refresh-test';
    fake.addRole(role);
    let now = Date.now();
    const sts = new STSClient({
      region: fake.region,
      endpoint: fake.url,
      credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
    });
    const provider = assumeRoleProvider(sts, role, undefined, 'refresh-test', () => now);
    const first = await provider();
    await provider();
    expect(provider.refreshes()).toBe(1);
    // 1 h credentials: still fresh 50 min later, refreshed inside the last 5 minutes
    now += 50 * 60_000;
    expect((await provider()).accessKeyId).toBe(first.accessKeyId);
    now = (first.expiration as Date).getTime() - CREDENTIALS_REFRESH_BEFORE_MS + 1000;
    const second = await provider();
    expect(provider.refreshes()).toBe(2);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    sts.destroy();
  });

  it('reads the contact attributes back after the handoff (GetContactAttributes)', async () => {
    const i = integration();
    const contact = await adapter.start(ctx({ attributes: { tier: 'gold' } }), i);
    expect(await adapter.contactAttributes(contact, i)).toMatchObject({ tier: 'gold', ob_channel: 'web' });
  });
});
