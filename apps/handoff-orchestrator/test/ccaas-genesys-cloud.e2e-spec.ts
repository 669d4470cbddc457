import { randomUUID } from 'node:crypto';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { FakeGenesysCloud, postWebhook } from '@hub/ccaas/testing';
import { handoffBody, http, sql, startService, WorldKafka, type RunningService } from './support/harness';

jest.setTimeout(120_000);

const T = 'genesys-co';
const WEBHOOK_SECRET = 'e2e-genesys-webhook-secret-0001';
const WRAP_UP_CODE = 'wrapup-resolved-01';

/**
 * End to end through the real orchestrator (PostgreSQL, Kafka, Redis) and a local Genesys Cloud (OAuth client
 * credentials, Platform API, `X-Hub-Signature-256`-signed Open Messaging webhooks): bot handoff (REST) → inbound
 * open message with the hub's custom attributes and the mapped queue → customer line to the conversation → the
 * agent's signed reply on the bot channel topic → the agent disconnects (no webhook: the orchestrator's poll of
 * `pollEnded` finds it) → `ended` for the bot, the audit trail, and the summary saved as the wrap-up note.
 * Also: a forged webhook → 401 and nothing changes; a replayed one changes nothing.
 */
describe('Genesys Cloud escalation (e2e)', () => {
  let world: TestWorld;
  let svc: RunningService;
  let kafka: WorldKafka;
  const fake = new FakeGenesysCloud();
  let integrationId: string;
  let openMessagingIntegrationId: string;
  const env = {
    OUTBOUND_ALLOW_HTTP: 'true',
    OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
    CCAAS_MAX_ATTEMPTS: '3',
    CCAAS_RETRY_BASE_MS: '100',
    CCAAS_RETRY_MAX_MS: '300',
    CCAAS_POLL_ENDED_MS: '300',
  };
  const config = () => ({
    region: 'mypurecloud.com',
    clientId: fake.clientId,
    loginBaseUrl: fake.baseUrl,
    apiBaseUrl: fake.baseUrl,
    defaultQueueId: fake.queues[1].id,
    queueMappings: [{ match: 'intent', value: 'billing_refund', queueId: fake.queues[0].id }],
    wrapUpCodeId: WRAP_UP_CODE,
    ...(openMessagingIntegrationId ? { openMessagingIntegrationId } : {}),
  });

  beforeAll(async () => {
    await fake.listen();
    world = await createTestWorld();
    svc = await startService(world, env);
    kafka = new WorldKafka(world);
    await kafka.start(['conversationMessages', 'ccaasCommands']);
    const r = await http(svc.url, 'POST', '/v1/integrations', {
      tenant: T,
      body: {
        type: 'genesys_cloud',
        name: 'Genesys prod',
        config: config(),
        secrets: { clientSecret: fake.clientSecret, webhookSignatureSecret: WEBHOOK_SECRET },
      },
    });
    expect(r.status).toBe(201);
    integrationId = r.body.id;
    // The Open Messaging integration posts the agent's side to the orchestrator's webhook route.
    openMessagingIntegrationId = fake.addIntegration(
      `${svc.url}/v1/ccaas/webhooks/${integrationId}`,
      WEBHOOK_SECRET,
    ).id;
    const p = await http(svc.url, 'PATCH', `/v1/integrations/${integrationId}`, {
      tenant: T,
      body: { config: config() },
    });
    expect(p.status).toBe(200);
  });

  afterAll(async () => {
    await kafka?.stop();
    await svc?.close();
    await world?.drop();
    await fake.close();
  });

  const outcomes = (id: string) => kafka.events('handoffOutcomes').filter((e) => e.data.handoffId === id);
  const waitOutcome = (id: string, status: string) =>
    waitFor(() => outcomes(id).find((e) => e.data.status === status), {
      what: `${status} outcome`,
      timeoutMs: 40_000,
    });
  const relayed = (conversationId: string, kind: string) =>
    kafka
      .events('conversationMessages')
      .filter(
        (e) =>
          e.data.conversationId === conversationId && e.data.direction === 'outbound' && e.data.kind === kind,
      );
  const transitions = async (id: string) =>
    (await http(svc.url, 'GET', `/v1/handoffs/${id}`, { tenant: T })).body as {
      status: string;
      summary: { text: string | null };
      transitions: { to: string; detail?: string }[];
    };
  const request = async (over: Record<string, unknown> = {}) => {
    const r = await http(svc.url, 'POST', '/v1/handoffs', {
      tenant: T,
      body: handoffBody(integrationId, over),
    });
    expect(r.status).toBe(201);
    return r.body as { id: string; conversationId: string };
  };
  const conversationOf = (handoffId: string) =>
    waitFor(() => fake.conversationOf(`hub-${handoffId}`), {
      what: 'the Genesys conversation',
      timeoutMs: 30_000,
    });
  const customerSays = (conversationId: string, text: string) =>
    kafka.producer.publish(
      'conversationMessages',
      newEnvelope({
        type: 'conversation.message' as const,
        version: 1 as const,
        tenantId: T,
        source: 'test-bot',
        correlationId: conversationId,
        data: {
          conversationId,
          messageId: `m-${randomUUID()}`,
          direction: 'inbound' as const,
          sender: { role: 'customer' as const },
          kind: 'text' as const,
          text,
          sentAt: new Date().toISOString(),
        },
      }) as TopicEvent<'conversationMessages'>,
    );

  it('bot handoff → open message with context → both directions relayed → agent disconnects (polled) → final with its audit trail and the wrap-up note', async () => {
    const h = await request({
      contact: { name: 'Dana Doe', email: 'dana@example.com' },
      attributes: { order_id: 'A-17' },
    });
    const conv = await conversationOf(h.id);
    expect(conv.integrationId).toBe(openMessagingIntegrationId);
    const first = conv.inbound[0] as {
      channel: {
        from: { id: string; nickname: string };
        metadata: { customAttributes: Record<string, string> };
      };
      text: string;
    };
    expect(first.channel.from).toMatchObject({ id: `hub-${h.id}`, nickname: 'Dana Doe' });
    expect(first.channel.metadata.customAttributes).toMatchObject({
      hub_handoff_id: h.id,
      hub_conversation_id: h.conversationId,
      hub_queue_id: fake.queues[0].id,
      hub_intent: 'billing_refund',
      hub_channel: 'web',
      hub_customer_email: 'dana@example.com',
      order_id: 'A-17',
    });
    expect(first.text).toContain('I was charged twice for my order');
    await waitOutcome(h.id, 'routed');

    // The contact's state is stored encrypted, keyed by the Opaque customer id Genesys addresses.
    const [row] = await sql<{ external_contact_id: string; state_ciphertext: Buffer }>(
      world,
      'SELECT external_contact_id, state_ciphertext FROM ccaas_contacts WHERE handoff_id = $1',
      [h.id],
    );
    expect(row.external_contact_id).toBe(`hub-${h.id}`);
    expect(row.state_ciphertext.toString('latin1')).not.toContain(conv.id);

    // The customer's line after the handoff reaches Genesys as a further inbound open message.
    await customerSays(h.conversationId, 'Hello? I still need that refund.');
    await waitFor(
      () => conv.inbound.find((m) => (m as { text?: string }).text === 'Hello? I still need that refund.'),
      { what: 'the customer line at Genesys', timeoutMs: 30_000 },
    );

    // The agent's first (signed) message: accepted, and the line reaches the bot channel.
    const reply = await fake.agentMessage(
      `hub-${h.id}`,
      'Hi Dana, I can see the double charge.',
      'Alex (Genesys)',
    );
    expect(reply.status).toBe(200);
    const accepted = await waitOutcome(h.id, 'accepted');
    expect(accepted.data.agentId).toBe('Alex (Genesys)');
    const line = await waitFor(() => relayed(h.conversationId, 'text')[0], {
      what: 'the agent reply on the bot channel',
      timeoutMs: 30_000,
    });
    expect(line.data).toMatchObject({
      text: 'Hi Dana, I can see the double charge.',
      sender: { role: 'agent', name: 'Alex (Genesys)' },
    });
    expect((await fake.agentTyping(`hub-${h.id}`, 'Alex (Genesys)')).status).toBe(200);
    await waitFor(() => relayed(h.conversationId, 'typing')[0], {
      what: 'typing on the bot channel',
      timeoutMs: 30_000,
    });

    // The agent disconnects: no webhook; the orchestrator's poll reads it from the Platform API.
    fake.agentDisconnect(`hub-${h.id}`);
    await waitFor(() => relayed(h.conversationId, 'ended')[0], {
      what: 'the end on the bot channel',
      timeoutMs: 30_000,
    });
    const view = await waitFor(
      async () => {
        const v = await transitions(h.id);
        return v.transitions.some((t) => /ended \(by agent\)/.test(t.detail ?? '')) ? v : null;
      },
      { what: 'the end on the audit trail', timeoutMs: 30_000 },
    );
    expect(view.status).toBe('accepted');
    expect(view.transitions.map((t) => t.to)).toEqual(['requested', 'routed', 'accepted', 'accepted']);
    const [c] = await sql<{ status: string }>(
      world,
      'SELECT status FROM ccaas_contacts WHERE handoff_id = $1',
      [h.id],
    );
    expect(c.status).toBe('ended');

    // "Save summary": the hub's summary is the wrap-up note of the agent's communication.
    expect(view.summary.text).toBeTruthy();
    const wrapup = await waitFor(() => conv.wrapups[0], { what: 'the wrap-up note', timeoutMs: 30_000 });
    const agent = conv.participants.find((p) => p.purpose === 'agent');
    expect(wrapup).toMatchObject({
      participantId: agent?.id,
      communicationId: agent?.messages[0].id,
      body: { code: WRAP_UP_CODE, notes: view.summary.text },
    });
    // The end was polled once and applied once (the poll stops once the contact is over).
    expect(relayed(h.conversationId, 'ended')).toHaveLength(1);
  });

  it('a forged webhook → 401 and nothing changes; a replayed one changes nothing', async () => {
    const h = await request();
    await conversationOf(h.id);
    await waitOutcome(h.id, 'routed');

    const forged = fake.buildWebhook(
      `hub-${h.id}`,
      { type: 'Text', text: 'forged line' },
      'Mallory',
      'not-the-secret-0000000',
    );
    expect((await postWebhook(forged.url, forged.rawBody, forged.headers)).status).toBe(401);
    const unsigned = await postWebhook(forged.url, forged.rawBody, {});
    expect(unsigned.status).toBe(401);

    const real = await fake.agentMessage(`hub-${h.id}`, 'the one real line', 'Alex (Genesys)');
    expect(real.status).toBe(200);
    await waitFor(() => relayed(h.conversationId, 'text').find((e) => e.data.text === 'the one real line'), {
      what: 'the real line on the bot channel',
      timeoutMs: 30_000,
    });
    // Genesys retries the same message (same id, same signature): acknowledged, applied once.
    expect((await postWebhook(real.url, real.rawBody, real.headers)).status).toBe(200);
    // A later line is relayed after anything the replay could have produced (one outbox, in order).
    await fake.agentMessage(`hub-${h.id}`, 'a later line', 'Alex (Genesys)');
    await waitFor(() => relayed(h.conversationId, 'text').find((e) => e.data.text === 'a later line'), {
      what: 'the later line',
      timeoutMs: 30_000,
    });
    const texts = relayed(h.conversationId, 'text').map((e) => e.data.text);
    expect(texts.filter((t) => t === 'the one real line')).toHaveLength(1);
    expect(texts).not.toContain('forged line');
    const view = await transitions(h.id);
    expect(view.transitions.map((t) => t.to)).toEqual(['requested', 'routed', 'accepted']);
    expect(outcomes(h.id).filter((e) => e.data.status === 'accepted')).toHaveLength(1);
  });

  it('vendor down → retried, then failed(error); nothing lost (outcome announced, audit trail kept)', async () => {
    const inbound = () => fake.server.find('POST', /\/inbound\/open\/message$/).length;
    const before = inbound();
    fake.server.failNext({ method: 'POST', path: /\/inbound\/open\/message$/, status: 503, times: 3 });
    const h = await request();
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data.reason).toBe('error');
    // every attempt reached the platform (CCAAS_MAX_ATTEMPTS = 3)
    expect(inbound() - before).toBe(3);
    const v = await transitions(h.id);
    expect(v).toMatchObject({ status: 'failed' });
    expect(v.transitions.map((t) => t.to)).toEqual(['requested', 'failed']);
  });

  it('timeout: no agent joined → the Genesys conversation is disconnected and the bot told failed(timeout)', async () => {
    const h = await request({ timeoutSeconds: 2 });
    const conv = await conversationOf(h.id);
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data.reason).toBe('timeout');
    await waitFor(() => conv.state === 'disconnected', {
      what: 'the disconnect at Genesys',
      timeoutMs: 30_000,
    });
    expect(
      fake.server
        .find('PATCH', /^\/api\/v2\/conversations\/messages\/[^/]+$/)
        .some((r) => r.path.endsWith(conv.id)),
    ).toBe(true);
    expect((await transitions(h.id)).status).toBe('failed');
  });

  it('Test Connection names the failing step; queues are listed for the admin UI; the OpenAPI document lists the type', async () => {
    const ok = await http(svc.url, 'POST', `/v1/integrations/${integrationId}/test`, { tenant: T });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true });
    const queues = await http(svc.url, 'GET', `/v1/integrations/${integrationId}/queues`, { tenant: T });
    expect(queues.status).toBe(200);
    expect(queues.body).toHaveLength(fake.queues.length);
    expect(queues.body.slice(0, 2).map((q: { name: string }) => q.name)).toEqual(['Billing', 'Support']);

    const wrong = await http(svc.url, 'POST', '/v1/integrations', {
      tenant: T,
      body: {
        type: 'genesys_cloud',
        name: 'Genesys wrong secret',
        config: config(),
        secrets: { clientSecret: 'not-the-client-secret', webhookSignatureSecret: WEBHOOK_SECRET },
      },
    });
    expect(wrong.status).toBe(201);
    const t = await http(svc.url, 'POST', `/v1/integrations/${wrong.body.id}/test`, { tenant: T });
    expect(t.body).toMatchObject({ ok: false, failedStep: 'credentials' });

    const doc = await http(svc.url, 'GET', '/docs-json');
    expect(JSON.stringify(doc.body)).toContain('"genesys_cloud"');
  });
});
