import { generateKeyPair } from 'jose';
import { EIGHTBYEIGHT_MAX_ADDITIONAL_PROPERTIES, EIGHTBYEIGHT_MAX_HISTORY_MESSAGES } from '@hub/ccaas';
import { FakeEightByEightCc, postWebhook } from '@hub/ccaas/testing';
import { waitFor } from '@hub/testing';
import { CcaasHarness, longRealTranscript } from './support/ccaas-harness';
import { http, sql } from './support/harness';

jest.setTimeout(120_000);

const T = 'eightbyeight-co';

/**
 * End to end through the real orchestrator (PostgreSQL, Kafka, Redis) and a local 8x8 Chat Gateway (`x-api-key`,
 * `X-8x8-Tenant`, JWK endpoint, detached-RS256-JWS-signed webhooks): the webhook registration's `WEB_HOOK_VERIFY`
 * answered by the orchestrator's route → bot handoff (REST) → conversation with the customer's fields, case id,
 * `additionalProperties`, history and the mapped queue → customer line to the conversation → agent joins, replies
 * (signed webhooks) → the reply on the bot channel topic → agent left + transfer is not an end → idle (the agent
 * closed it) → `ended` for the bot and the audit trail. Also: a forged webhook → 401 and nothing changes; a
 * replayed one (same `x-8x8-event-id`) changes nothing.
 */
describe('8x8 Contact Center escalation (e2e)', () => {
  const hub = new CcaasHarness(T);
  const { outcomes, waitOutcome, relayed, customerSays, view } = hub;
  const fake = new FakeEightByEightCc({ reportCreated: true });
  let integrationId: string;
  const QUEUE_BILLING = 'queue-billing-1';
  const QUEUE_DEFAULT = 'queue-general-1';
  let setup: { webhookId?: string; channelId?: string } = {};
  const config = () => ({
    tenantId: fake.tenantId,
    customerId: fake.customerId,
    baseUrl: fake.baseUrl,
    defaultQueueId: QUEUE_DEFAULT,
    queueMappings: [{ match: 'intent', value: 'billing_refund', queueId: QUEUE_BILLING }],
    ...setup,
  });
  beforeAll(async () => {
    await fake.listen();
    await hub.start();
    integrationId = await hub.createIntegration({
      type: 'eightbyeight_cc',
      name: '8x8 prod',
      config: config(),
      secrets: { apiKey: fake.apiKey },
    });
  });

  afterAll(async () => {
    await hub.stop();
    await fake.close();
  });

  const request = (over: Record<string, unknown> = {}) => hub.request(integrationId, over);
  /** `hub_ccaas_reconciliations_total{type="eightbyeight_cc",<label>}` from /metrics (0 if absent). */
  const metric = async (label: string) => {
    const text = await (await fetch(`${hub.svc.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('hub_ccaas_reconciliations_total{') &&
          l.includes('type="eightbyeight_cc"') &&
          l.includes(label),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const conversationOf = (handoffId: string) =>
    waitFor(() => [...fake.conversations.values()].find((c) => c.request.user?.['caseId'] === handoffId), {
      what: 'the 8x8 conversation',
      timeoutMs: 30_000,
    });
  it("setup route: webhook + Chat API channel registered at 8x8 (its signed WEB_HOOK_VERIFY answered 2xx by the orchestrator's route), ids stored", async () => {
    const missing = await hub.api('POST', `/v1/integrations/${integrationId}/setup`, {
      publicBaseUrl: hub.svc.url,
      queueId: '',
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe('queueId');
    // the origin 8x8 will call is vetted by the outbound policy
    const refused = await hub.api('POST', `/v1/integrations/${integrationId}/setup`, {
      publicBaseUrl: 'ftp://hub.example.com',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].field).toBe('publicBaseUrl');
    expect(fake.server.find('POST', /^\/chat-gateway\/v1\/webhooks$/)).toHaveLength(0);
    const r = await hub.api('POST', `/v1/integrations/${integrationId}/setup`, {
      publicBaseUrl: hub.svc.url,
      name: 'hub',
    });
    // The fake refuses the webhook registration (400 → 422 here) unless the verification POST got a 2xx.
    expect(r.status).toBe(200);
    setup = { webhookId: r.body.stored.webhookId, channelId: r.body.stored.channelId };
    expect(setup.webhookId).toBeTruthy();
    expect(setup.channelId).toBeTruthy();
    expect(r.body.integration.config).toMatchObject(setup);
    const registered = fake.server.find('POST', /^\/chat-gateway\/v1\/webhooks$/).at(-1);
    expect(registered?.body).toMatchObject({ uri: `${hub.svc.url}/v1/ccaas/webhooks/${integrationId}` });
    const channel = fake.server.find('POST', /^\/chat-gateway\/v1\/channels$/).at(-1);
    expect(channel?.body).toMatchObject({
      type: 'ChatAPI',
      webHookId: setup.webhookId,
      routingOptions: { type: 'queue', id: QUEUE_DEFAULT },
    });
    const t = await hub.api('POST', `/v1/integrations/${integrationId}/test`);
    expect(t.body).toMatchObject({ ok: true });
  });

  it('bot handoff → conversation with context → both directions relayed → transfer is not an end → idle → final with its audit trail', async () => {
    const h = await request({
      contact: { name: 'Dana Doe', email: 'dana@example.com', phone: '+15551234567' },
      attributes: { order_id: 'A-17' },
    });
    const conv = await conversationOf(h.id);
    expect(conv.request.channelId).toBe(setup.channelId);
    expect(conv.request.assignment).toEqual({ type: 'queue', id: QUEUE_BILLING });
    expect(conv.request.user).toMatchObject({
      name: 'Dana Doe',
      email: 'dana@example.com',
      phone: '+15551234567',
      caseId: h.id,
    });
    const props = Object.fromEntries(
      (conv.request.user?.additionalProperties ?? []).map((p) => [p.key, p.value]),
    );
    expect(props).toMatchObject({
      'Media Type': 'web',
      Intent: 'billing_refund',
      'Hub Conversation': h.conversationId,
      order_id: 'A-17',
    });
    expect(conv.request.history?.messages).toEqual([
      { authorType: 'user', text: 'I was charged twice for my order and I want a refund.' },
      { authorType: 'bot', text: 'I can connect you with an agent.' },
    ]);
    await waitOutcome(h.id, 'routed');
    expect((await fake.queued(conv.id, QUEUE_BILLING, 'Billing')).status).toBe(200);

    // The customer's line after the handoff reaches the 8x8 conversation.
    await customerSays(h.conversationId, 'Hello? I still need that refund.');
    await waitFor(() => conv.messages.find((m) => m.text === 'Hello? I still need that refund.'), {
      what: 'the customer line at 8x8',
      timeoutMs: 30_000,
    });
    expect(conv.messages.find((m) => m.text === 'Hello? I still need that refund.')?.authorType).toBe('user');

    expect((await fake.agentJoined(conv.id, 'agent-7')).status).toBe(200);
    const accepted = await waitOutcome(h.id, 'accepted');
    expect(accepted.data.agentId).toBe('agent-7');
    expect((await fake.agentTyping(conv.id, 'agent-7')).status).toBe(200);
    expect(
      (await fake.agentMessage(conv.id, 'Hi Dana, I can see the double charge.', 'agent-7')).status,
    ).toBe(200);
    const line = await waitFor(() => relayed(h.conversationId, 'text')[0], {
      what: 'the agent reply on the bot channel',
      timeoutMs: 30_000,
    });
    expect(line.data).toMatchObject({
      text: 'Hi Dana, I can see the double charge.',
      sender: { role: 'agent', id: 'agent-7' },
    });
    await waitFor(() => relayed(h.conversationId, 'typing')[0], {
      what: 'typing on the bot channel',
      timeoutMs: 30_000,
    });

    // The agent leaves and the conversation is transferred: noted, not an end.
    expect((await fake.agentLeft(conv.id, 'agent-7')).status).toBe(200);
    expect((await fake.transfer(conv.id)).status).toBe(200);
    await waitFor(
      async () =>
        (await view(h.id)).transitions.some((t) => /transferred/.test(t.detail ?? '')) ? true : null,
      { what: 'the transfer on the audit trail', timeoutMs: 30_000 },
    );
    expect(relayed(h.conversationId, 'ended')).toHaveLength(0);
    expect((await fake.agentJoined(conv.id, 'agent-9')).status).toBe(200);

    // The agent closes it: CONVERSATION_UPDATE idle → ended for the bot.
    expect((await fake.idle(conv.id)).status).toBe(200);
    await waitFor(() => relayed(h.conversationId, 'ended')[0], {
      what: 'the end on the bot channel',
      timeoutMs: 30_000,
    });
    const v = await waitFor(
      async () => {
        const x = await view(h.id);
        return x.transitions.some((t) => /ended \(by agent\)/.test(t.detail ?? '')) ? x : null;
      },
      { what: 'the end on the audit trail', timeoutMs: 30_000 },
    );
    expect(v.status).toBe('accepted');
    expect(v.transitions.map((t) => t.to)).toEqual([
      'requested',
      'routed',
      'accepted',
      'accepted',
      'accepted',
    ]);
    const [c] = await sql<{ status: string; external_contact_id: string }>(
      hub.world,
      'SELECT status, external_contact_id FROM ccaas_contacts WHERE handoff_id = $1',
      [h.id],
    );
    expect(c).toEqual({ status: 'ended', external_contact_id: conv.id });
    expect(outcomes(h.id).filter((e) => e.data.status === 'accepted')).toHaveLength(1);
  });

  it('a forged webhook → 401 and nothing changes; a replayed event id changes nothing', async () => {
    const h = await request();
    const conv = await conversationOf(h.id);
    await waitOutcome(h.id, 'routed');
    const uri = `${hub.svc.url}/v1/ccaas/webhooks/${integrationId}`;

    // Signed with a key that is not 8x8's (same kid): refused.
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    const forgedBody = JSON.stringify({
      eventType: 'MEMBERS_CHANGED',
      conversationId: conv.id,
      timestamp: Date.now(),
      data: { memberType: 'agent', change: 'joined', id: 'mallory' },
    });
    expect((await postWebhook(uri, forgedBody, await fake.sign(forgedBody, {}, privateKey))).status).toBe(
      401,
    );
    // Validly signed, but for another 8x8 tenant: refused.
    expect(
      (await postWebhook(uri, forgedBody, await fake.sign(forgedBody, { tenantId: 'vccOther' }))).status,
    ).toBe(401);
    // Unsigned: refused.
    expect((await postWebhook(uri, forgedBody, {})).status).toBe(401);
    // Body changed after signing: refused.
    const signed = await fake.sign(forgedBody);
    expect((await postWebhook(uri, forgedBody.replace('mallory', 'mallory2'), signed)).status).toBe(401);
    expect((await view(h.id)).transitions.map((t) => t.to)).toEqual(['requested', 'routed']);

    expect((await fake.agentJoined(conv.id, 'agent-7')).status).toBe(200);
    await waitOutcome(h.id, 'accepted');
    const real = await fake.agentMessage(conv.id, 'the one real line', 'agent-7');
    expect(real.status).toBe(200);
    await waitFor(() => relayed(h.conversationId, 'text').find((e) => e.data.text === 'the one real line'), {
      what: 'the real line on the bot channel',
      timeoutMs: 30_000,
    });
    // 8x8 retries the same event (same x-8x8-event-id): acknowledged, applied once.
    expect((await postWebhook(real.uri, real.rawBody, real.headers)).status).toBe(200);
    await fake.agentMessage(conv.id, 'a later line', 'agent-7');
    await waitFor(() => relayed(h.conversationId, 'text').find((e) => e.data.text === 'a later line'), {
      what: 'the later line',
      timeoutMs: 30_000,
    });
    expect(relayed(h.conversationId, 'text').filter((e) => e.data.text === 'the one real line')).toHaveLength(
      1,
    );
    const after = await view(h.id);
    expect(after.transitions.map((t) => t.to)).toEqual(['requested', 'routed', 'accepted']);
    expect(outcomes(h.id).filter((e) => e.data.status === 'accepted')).toHaveLength(1);
    expect(outcomes(h.id).find((e) => e.data.agentId === 'mallory')).toBeUndefined();
  });

  it('vendor down → retried, then failed(error); nothing lost (outcome announced, audit trail kept)', async () => {
    const creates = () => fake.server.find('POST', /^\/chat-gateway\/v1\/conversations$/).length;
    const before = creates();
    fake.server.failNext({
      method: 'POST',
      path: /^\/chat-gateway\/v1\/conversations$/,
      status: 503,
      times: 3,
    });
    const h = await request();
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data.reason).toBe('error');
    expect(creates() - before).toBe(3);
    const v = await view(h.id);
    expect(v.status).toBe('failed');
    expect(v.transitions.map((t) => t.to)).toEqual(['requested', 'failed']);
  });

  it('timeout: no agent joined → the user leaves the 8x8 conversation and the bot is told failed(timeout)', async () => {
    const h = await request({ timeoutSeconds: 2 });
    const conv = await conversationOf(h.id);
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data.reason).toBe('timeout');
    await waitFor(() => conv.userRemoved, { what: 'the user removed at 8x8', timeoutMs: 30_000 });
    expect((await view(h.id)).status).toBe('failed');
  });

  it('Test Connection names the failing step; queues are listed for the admin UI; the OpenAPI document lists the type', async () => {
    const queues = await http(hub.svc.url, 'GET', `/v1/integrations/${integrationId}/queues`, { tenant: T });
    expect(queues.status).toBe(200);
    expect(queues.body.map((q: { id: string }) => q.id)).toEqual(
      expect.arrayContaining([QUEUE_DEFAULT, QUEUE_BILLING]),
    );
    const wrong = await http(hub.svc.url, 'POST', '/v1/integrations', {
      tenant: T,
      body: {
        type: 'eightbyeight_cc',
        name: '8x8 wrong key',
        config: config(),
        secrets: { apiKey: 'not-the-api-key' },
      },
    });
    expect(wrong.status).toBe(201);
    const t = await http(hub.svc.url, 'POST', `/v1/integrations/${wrong.body.id}/test`, { tenant: T });
    expect(t.body).toMatchObject({ ok: false, failedStep: 'credentials' });
    const doc = await http(hub.svc.url, 'GET', '/docs-json');
    expect(JSON.stringify(doc.body)).toContain('"eightbyeight_cc"');
  });

  it('history and custom fields cut to the Chat Gateway limits on a long real transcript (full transcript kept in the hub)', async () => {
    const transcript = longRealTranscript();
    const h = await request({
      transcript,
      attributes: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field_${i}`, `value ${i}`])),
    });
    const conv = await conversationOf(h.id);
    const history = conv.request.history?.messages ?? [];
    const lines = transcript.filter((t) => t.text.trim() !== '');
    expect(lines.length).toBeGreaterThan(EIGHTBYEIGHT_MAX_HISTORY_MESSAGES);
    expect(history).toHaveLength(EIGHTBYEIGHT_MAX_HISTORY_MESSAGES);
    expect(history[0]).toEqual({
      authorType: 'bot',
      text: `[${lines.length - (EIGHTBYEIGHT_MAX_HISTORY_MESSAGES - 1)} earlier message(s) omitted; full transcript in the hub]`,
    });
    // the most recent lines, in order, as user / bot
    expect(history.at(-1)?.text).toBe(lines.at(-1)!.text);
    expect(history.slice(1).map((m) => m.authorType)).toEqual(
      lines.slice(-(EIGHTBYEIGHT_MAX_HISTORY_MESSAGES - 1)).map((t) => (t.role === 'user' ? 'user' : 'bot')),
    );
    const props = conv.request.user?.additionalProperties ?? [];
    expect(props).toHaveLength(EIGHTBYEIGHT_MAX_ADDITIONAL_PROPERTIES);
    expect(props.map((p) => p.key)).toEqual(expect.arrayContaining(['Media Type', 'Hub Conversation']));
    await waitOutcome(h.id, 'routed');
    const [row] = await sql<{ n: number }>(
      hub.world,
      'SELECT jsonb_array_length(transcript) AS n FROM handoffs WHERE id = $1',
      [h.id],
    );
    expect(Number(row.n)).toBe(transcript.length);
  });

  it('no idempotency key at 8x8: a retried start after a lost store re-uses the conversation, a redelivered line is not re-sent', async () => {
    const creates = () => fake.server.find('POST', /^\/chat-gateway\/v1\/conversations$/).length;
    const h = await request();
    const conv = await conversationOf(h.id);
    await waitOutcome(h.id, 'routed');
    const before = creates();
    // The crash window: 8x8 created the conversation but our row is gone; the start command comes again.
    expect(
      await sql(hub.world, 'DELETE FROM ccaas_contacts WHERE handoff_id = $1 RETURNING handoff_id', [h.id]),
    ).toHaveLength(1);
    await hub.command(h.conversationId, {
      command: 'start',
      handoffId: h.id,
      integrationId,
      target: 'eightbyeight_cc',
    });
    const [row] = await waitFor(
      async () => {
        const rows = await sql<{ external_contact_id: string }>(
          hub.world,
          'SELECT external_contact_id FROM ccaas_contacts WHERE handoff_id = $1',
          [h.id],
        );
        return rows.length ? rows : null;
      },
      { what: 'the contact stored again', timeoutMs: 30_000 },
    );
    expect(row.external_contact_id).toBe(conv.id);
    expect(creates()).toBe(before);

    // The bot platform redelivers one customer line (new envelope, same message id): sent once.
    await customerSays(h.conversationId, 'only once please', 'm-redelivered-1');
    await customerSays(h.conversationId, 'only once please', 'm-redelivered-1');
    await customerSays(h.conversationId, 'a later line', 'm-later-1');
    await waitFor(() => conv.messages.find((m) => m.text === 'a later line'), {
      what: 'the later line at 8x8',
      timeoutMs: 30_000,
    });
    expect(conv.messages.filter((m) => m.text === 'only once please')).toHaveLength(1);
  });

  it('an answer lost in transit, 8x8 reports the conversation: the retry adopts it, no second conversation (counted)', async () => {
    const creates = () => fake.server.find('POST', /^\/chat-gateway\/v1\/conversations$/).length;
    const before = creates();
    const adoptedBefore = await metric('outcome="adopted"');
    fake.loseCreateAnswers(1, 'at_once');
    const h = await request();
    await waitOutcome(h.id, 'routed');
    const convs = [...fake.conversations.values()].filter((c) => c.request.user?.['caseId'] === h.id);
    expect(convs).toHaveLength(1);
    expect(creates() - before).toBe(1);
    const [row] = await sql<{ external_contact_id: string }>(
      hub.world,
      'SELECT external_contact_id FROM ccaas_contacts WHERE handoff_id = $1',
      [h.id],
    );
    expect(row.external_contact_id).toBe(convs[0].id);
    expect(convs[0].userRemoved).toBe(false);
    expect(await metric('outcome="adopted"')).toBe(adoptedBefore + 1);
    // and the conversation works: the agent's line reaches the bot channel
    expect((await fake.agentJoined(convs[0].id, 'agent-7')).status).toBe(200);
    await waitOutcome(h.id, 'accepted');
  });

  it("an answer lost in transit, 8x8's report late: the second conversation is used, the first closed and never shown to the bot", async () => {
    const closedBefore = await metric('outcome="duplicate_closed"');
    fake.loseCreateAnswers(1, 'held');
    const h = await request();
    await waitOutcome(h.id, 'routed');
    const convs = [...fake.conversations.values()].filter((c) => c.request.user?.['caseId'] === h.id);
    expect(convs).toHaveLength(2);
    const [row] = await sql<{ external_contact_id: string }>(
      hub.world,
      'SELECT external_contact_id FROM ccaas_contacts WHERE handoff_id = $1',
      [h.id],
    );
    const kept = convs.find((c) => c.id === row.external_contact_id)!;
    const extra = convs.find((c) => c.id !== row.external_contact_id)!;
    expect(kept).toBeDefined();
    expect(extra).toBeDefined();
    // 8x8's late CONVERSATION_UPDATE (created, caseId = handoff) for the first one: the hub closes it.
    expect(await fake.releaseHeldReports()).toEqual([200]);
    await waitFor(() => extra.userRemoved, { what: 'the duplicate closed at 8x8', timeoutMs: 30_000 });
    expect(kept.userRemoved).toBe(false);
    expect(await metric('outcome="duplicate_closed"')).toBe(closedBefore + 1);
    // Whatever happens on the duplicate never reaches the handoff or the bot.
    expect((await fake.agentJoined(extra.id, 'agent-dup')).status).toBe(200);
    expect((await fake.agentMessage(extra.id, 'from the duplicate', 'agent-dup')).status).toBe(200);
    expect((await fake.agentJoined(kept.id, 'agent-7')).status).toBe(200);
    const accepted = await waitOutcome(h.id, 'accepted');
    expect(accepted.data.agentId).toBe('agent-7');
    expect((await fake.agentMessage(kept.id, 'from the real one', 'agent-7')).status).toBe(200);
    await waitFor(() => relayed(h.conversationId, 'text').find((e) => e.data.text === 'from the real one'), {
      what: 'the real line on the bot channel',
      timeoutMs: 30_000,
    });
    expect(relayed(h.conversationId, 'text').map((e) => e.data.text)).toEqual(['from the real one']);
    expect(outcomes(h.id).filter((e) => e.data.status === 'accepted')).toHaveLength(1);
  });

  it('flows and contact attributes: not supported by eightbyeight_cc (422)', async () => {
    const flows = await hub.api('GET', `/v1/integrations/${integrationId}/flows`);
    expect(flows.status).toBe(422);
    expect(JSON.stringify(flows.body)).toContain('not supported by eightbyeight_cc');
  });
});
