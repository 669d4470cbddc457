import { GENESYS_CUSTOM_ATTRIBUTES_MAX_BYTES, GENESYS_RECAP_MAX_CHARS } from '@hub/ccaas';
import { FakeGenesysCloud, postWebhook } from '@hub/ccaas/testing';
import { waitFor } from '@hub/testing';
import { CcaasHarness, longRealTranscript } from './support/ccaas-harness';
import { http, sql } from './support/harness';

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
  const hub = new CcaasHarness(T, { CCAAS_POLL_ENDED_MS: '300', CCAAS_SUMMARY_RETRY_BASE_MS: '1500' });
  const { outcomes, waitOutcome, relayed, customerSays } = hub;
  const transitions = hub.view;
  const fake = new FakeGenesysCloud();
  let integrationId: string;
  let openMessagingIntegrationId: string;
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
    await hub.start();
    integrationId = await hub.createIntegration({
      type: 'genesys_cloud',
      name: 'Genesys prod',
      config: config(),
      secrets: { clientSecret: fake.clientSecret, webhookSignatureSecret: WEBHOOK_SECRET },
    });
    // Setup route: the Open Messaging integration posting the agent's side to the orchestrator's webhook route,
    // created at Genesys and its id stored in the integration.
    const setup = await hub.api('POST', `/v1/integrations/${integrationId}/setup`, {
      publicBaseUrl: hub.svc.url,
      name: 'Engagement Hub e2e',
    });
    expect(setup.status).toBe(200);
    openMessagingIntegrationId = setup.body.stored.openMessagingIntegrationId;
    expect(setup.body).toMatchObject({
      webhookUrl: `${hub.svc.url}/v1/ccaas/webhooks/${integrationId}`,
      integration: { config: { openMessagingIntegrationId } },
    });
    const created = fake.integrations.get(openMessagingIntegrationId);
    expect(created).toMatchObject({
      name: 'Engagement Hub e2e',
      outboundNotificationWebhookUrl: `${hub.svc.url}/v1/ccaas/webhooks/${integrationId}`,
    });
  });

  afterAll(async () => {
    await hub.stop();
    await fake.close();
  });

  const request = (over: Record<string, unknown> = {}) => hub.request(integrationId, over);
  const conversationOf = (handoffId: string) =>
    waitFor(() => fake.conversationOf(`hub-${handoffId}`), {
      what: 'the Genesys conversation',
      timeoutMs: 30_000,
    });
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
      hub.world,
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
      hub.world,
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

  it('a failed wrap-up note is retried durably later (timer + outbox), then saved once; the state is in ccaas_contacts', async () => {
    const h = await request();
    const conv = await conversationOf(h.id);
    await waitOutcome(h.id, 'routed');
    expect((await fake.agentMessage(`hub-${h.id}`, 'Hello from Genesys', 'Alex (Genesys)')).status).toBe(200);
    await waitOutcome(h.id, 'accepted');
    const summaryRow = async () =>
      (
        await sql<{ summary_status: string | null; summary_attempts: number; summary_error: string | null }>(
          hub.world,
          'SELECT summary_status, summary_attempts, summary_error FROM ccaas_contacts WHERE handoff_id = $1',
          [h.id],
        )
      )[0];
    // Genesys is down for every in-process try of the first attempt (CCAAS_MAX_ATTEMPTS = 3).
    const wrapupPath = /\/wrapup$/;
    const tries = () => fake.requests.filter((r) => r.method === 'POST' && wrapupPath.test(r.path)).length;
    const before = tries();
    fake.server.failNext({ method: 'POST', path: wrapupPath, status: 503, times: 3 });
    fake.agentDisconnect(`hub-${h.id}`);
    const pending = await waitFor(
      async () => {
        const r = await summaryRow();
        return r?.summary_status === 'pending' ? r : null;
      },
      { what: 'the wrap-up note scheduled for a retry', timeoutMs: 30_000 },
    );
    expect(pending.summary_attempts).toBe(1);
    expect(pending.summary_error).toMatch(/503/);
    expect(tries() - before).toBe(3);
    expect(conv.wrapups).toHaveLength(0);
    // The handoff timer loop fires the due retry as a save_summary command: saved on the second attempt.
    const wrapup = await waitFor(() => conv.wrapups[0], {
      what: 'the retried wrap-up note',
      timeoutMs: 30_000,
    });
    expect(wrapup.body).toMatchObject({ code: WRAP_UP_CODE });
    const saved = await waitFor(
      async () => {
        const r = await summaryRow();
        return r?.summary_status === 'saved' ? r : null;
      },
      { what: 'the wrap-up note recorded as saved', timeoutMs: 30_000 },
    );
    expect(saved.summary_attempts).toBe(2);
    expect(tries() - before).toBe(4);
    await new Promise((r) => setTimeout(r, 2000));
    expect(conv.wrapups).toHaveLength(1);
    const [due] = await sql<{ n: number }>(
      hub.world,
      'SELECT count(*)::int AS n FROM ccaas_contacts WHERE handoff_id = $1 AND summary_retry_at IS NOT NULL',
      [h.id],
    );
    expect(due.n).toBe(0);
  });

  it('customer typing (inbound open event) and files (Attachment content, URL vetted) reach Genesys; agent files come back; files past the limits are refused', async () => {
    const h = await request();
    const conv = await conversationOf(h.id);
    await waitOutcome(h.id, 'routed');
    await hub.customerSends(h.conversationId, { kind: 'typing', typing: true });
    await waitFor(() => conv.events[0], { what: 'customer typing at Genesys', timeoutMs: 30_000 });
    expect(conv.events[0]).toMatchObject({
      channel: { from: { id: `hub-${h.id}`, idType: 'Opaque' } },
      events: [{ eventType: 'Typing', typing: { type: 'On' } }],
    });
    const inboundBefore = conv.inbound.length;
    const url = `${fake.baseUrl}/files/receipt.png`;
    await hub.customerSends(h.conversationId, {
      kind: 'file',
      file: { fileId: 'f-big', name: 'big.png', contentType: 'image/png', sizeBytes: 11 * 1024 * 1024, url },
    });
    // a URL the outbound policy refuses (credentials in it) is never handed to Genesys
    await hub.customerSends(h.conversationId, {
      kind: 'file',
      file: {
        fileId: 'f-cred',
        name: 'x.png',
        contentType: 'image/png',
        sizeBytes: 10,
        url: url.replace('http://', 'http://user:pw@'),
      },
    });
    await hub.customerSends(
      h.conversationId,
      {
        kind: 'file',
        file: { fileId: 'f-1', name: 'receipt.png', contentType: 'image/png', sizeBytes: 1234, url },
      },
      'm-gen-file-1',
    );
    const sent = await waitFor(
      () => conv.inbound.slice(inboundBefore).find((m) => Array.isArray(m['content'])),
      { what: 'the customer file at Genesys', timeoutMs: 30_000 },
    );
    expect(sent).toMatchObject({
      channel: { messageId: 'm-gen-file-1', from: { id: `hub-${h.id}` } },
      content: [
        {
          contentType: 'Attachment',
          attachment: { mediaType: 'Image', url, mime: 'image/png', filename: 'receipt.png' },
        },
      ],
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(conv.inbound.slice(inboundBefore).filter((m) => Array.isArray(m['content']))).toHaveLength(1);

    const agentUrl = 'https://api.mypurecloud.com/api/v2/downloads/abc123';
    expect(
      (
        await fake.agentFile(
          `hub-${h.id}`,
          { url: agentUrl, mime: 'application/pdf', filename: 'invoice.pdf' },
          'Alex (Genesys)',
        )
      ).status,
    ).toBe(200);
    const file = await waitFor(() => relayed(h.conversationId, 'file')[0], {
      what: 'the agent file on the bot channel',
      timeoutMs: 30_000,
    });
    expect(file.data).toMatchObject({
      sender: { role: 'agent', name: 'Alex (Genesys)' },
      file: { name: 'invoice.pdf', contentType: 'application/pdf', url: agentUrl },
    });
    await waitOutcome(h.id, 'accepted');
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
    const ok = await http(hub.svc.url, 'POST', `/v1/integrations/${integrationId}/test`, { tenant: T });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true });
    const queues = await http(hub.svc.url, 'GET', `/v1/integrations/${integrationId}/queues`, { tenant: T });
    expect(queues.status).toBe(200);
    expect(queues.body).toHaveLength(fake.queues.length);
    expect(queues.body.slice(0, 2).map((q: { name: string }) => q.name)).toEqual(['Billing', 'Support']);

    const wrong = await http(hub.svc.url, 'POST', '/v1/integrations', {
      tenant: T,
      body: {
        type: 'genesys_cloud',
        name: 'Genesys wrong secret',
        config: config(),
        secrets: { clientSecret: 'not-the-client-secret', webhookSignatureSecret: WEBHOOK_SECRET },
      },
    });
    expect(wrong.status).toBe(201);
    const t = await http(hub.svc.url, 'POST', `/v1/integrations/${wrong.body.id}/test`, { tenant: T });
    expect(t.body).toMatchObject({ ok: false, failedStep: 'credentials' });

    const doc = await http(hub.svc.url, 'GET', '/docs-json');
    expect(JSON.stringify(doc.body)).toContain('"genesys_cloud"');
  });

  it('the 2 KB custom-attribute and 4,000-character recap cuts on a long real transcript (full transcript kept in the hub)', async () => {
    const transcript = longRealTranscript();
    const h = await request({
      transcript,
      attributes: Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [
          `note_${i}`,
          `${transcript[i].text} `.repeat(3).slice(0, 1000),
        ]),
      ),
    });
    const conv = await conversationOf(h.id);
    const first = conv.inbound[0] as {
      text: string;
      channel: { metadata: { customAttributes: Record<string, string> } };
    };
    const attrs = first.channel.metadata.customAttributes;
    expect(transcript.reduce((n, t) => n + Buffer.byteLength(t.text), 0)).toBeGreaterThan(40_000);
    expect(Buffer.byteLength(JSON.stringify(attrs))).toBeLessThanOrEqual(GENESYS_CUSTOM_ATTRIBUTES_MAX_BYTES);
    expect(Buffer.byteLength(JSON.stringify(attrs))).toBeGreaterThan(
      GENESYS_CUSTOM_ATTRIBUTES_MAX_BYTES - 200,
    );
    // the hub's routing keys come first and survive; the bot's attributes fill the rest
    expect(attrs).toMatchObject({ hub_handoff_id: h.id, hub_queue_id: fake.queues[0].id });
    expect(Object.values(attrs).some((v) => v.endsWith('…[cut]'))).toBe(true);
    expect(Object.keys(attrs).filter((k) => k.startsWith('note_')).length).toBeLessThan(40);
    // the recap: most recent lines after a marker, within the limit
    expect(first.text.length).toBeLessThanOrEqual(GENESYS_RECAP_MAX_CHARS);
    expect(first.text).toMatch(/\[\d+ earlier message\(s\) omitted; full transcript in the hub\]/);
    expect(first.text).toContain(transcript.at(-1)!.text);
    expect(first.text).not.toContain(`customer: ${transcript[0].text}`);
    await waitOutcome(h.id, 'routed');
    // the full transcript stays in the hub's record of the handoff
    const [row] = await sql<{ n: number }>(
      hub.world,
      'SELECT jsonb_array_length(transcript) AS n FROM handoffs WHERE id = $1',
      [h.id],
    );
    expect(Number(row.n)).toBe(transcript.length);
  });

  it('flows: not supported by genesys_cloud (422); contact attributes likewise', async () => {
    const flows = await hub.api('GET', `/v1/integrations/${integrationId}/flows`);
    expect(flows.status).toBe(422);
    expect(JSON.stringify(flows.body)).toContain('not supported by genesys_cloud');
    const h = await request();
    await waitOutcome(h.id, 'routed');
    const attrs = await hub.api(
      'GET',
      `/v1/integrations/${integrationId}/handoffs/${h.id}/contact-attributes`,
    );
    expect(attrs.status).toBe(422);
    expect(JSON.stringify(attrs.body)).toContain('not supported by genesys_cloud');
  });
});
