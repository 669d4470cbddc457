import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeAmazonConnect, waitFor } from '@hub/testing';
import { CcaasBridges } from '../src/ccaas/ccaas-bridges.service';
import { CcaasHarness, longRealTranscript } from './support/ccaas-harness';
import { http, sql, startService, type RunningService } from './support/harness';

jest.setTimeout(120_000);

const T = 'connect-co';
const KEY = 'AKIAE2ECONNECTKEY001';
const SECRET = 'e2e-connect-secret-key-0001';

/**
 * End to end through the real orchestrator (PostgreSQL, Kafka, Redis) and a local Amazon Connect that
 * verifies every SigV4 signature: bot handoff (REST) → StartChatContact with the ob_* attributes (32 KB
 * cut on a long real transcript) → the participant websocket → customer line to the agent → agent reply
 * on the bot channel topic → agent ends → handoff final with its audit trail. Also Test Connection,
 * vendor outage/throttling with retries, timeouts, unpublished flows, and the webhook route's 401.
 */
describe('Amazon Connect escalation (e2e)', () => {
  const hub = new CcaasHarness(T, { CCAAS_BRIDGE_SCAN_MS: '500', CCAAS_BRIDGE_LEASE_MS: '3000' });
  const { outcomes, waitOutcome, relayed } = hub;
  const fake = new FakeAmazonConnect();
  let integrationId: string;
  let replica2: RunningService | undefined;

  beforeAll(async () => {
    await fake.start();
    fake.addKey(KEY, SECRET);
    await hub.start();
    integrationId = await hub.createIntegration({
      type: 'amazon_connect',
      name: 'Connect prod',
      config: {
        instanceId: fake.instanceId,
        region: fake.region,
        defaultContactFlowId: fake.defaultFlowId,
        endpoint: fake.url,
        queueMappings: [{ category: 'billing', queueId: fake.queues[0].Id }],
      },
      secrets: { accessKeyId: KEY, secretAccessKey: SECRET },
    });
  });

  afterAll(async () => {
    await replica2?.close();
    await hub.stop();
    await fake.stop();
  });

  const contactOf = (handoffId: string) =>
    waitFor(() => [...fake.contacts.values()].find((c) => c.clientToken === handoffId), {
      what: 'the Connect contact',
      timeoutMs: 30_000,
    });
  const request = (over: Record<string, unknown> = {}, integration = integrationId) =>
    hub.request(integration, over);

  it('bot handoff → Connect chat with context → both directions relayed → agent ends → final with its audit trail', async () => {
    const transcript = longRealTranscript();
    const h = await request({
      transcript,
      contact: { name: 'Dana Doe' },
      attributes: { 'order #': 'A-17', category: 'billing' },
    });
    const contact = await contactOf(h.id);

    // The attributes: ob_* keys, sanitized custom key, and the transcript cut to fit 32,768 bytes.
    const a = contact.attributes;
    expect(a).toMatchObject({
      ob_customer_name: 'Dana Doe',
      ob_intent: 'billing_refund',
      ob_channel: 'web',
      ob_handoff_id: h.id,
      order__: 'A-17',
      ob_queue_id: fake.queues[0].Id,
    });
    const total = Object.entries(a).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    expect(transcript.reduce((n, t) => n + Buffer.byteLength(t.text), 0)).toBeGreaterThan(40_000);
    expect(total).toBeLessThanOrEqual(32_768);
    expect(total).toBeGreaterThan(30_000);
    expect(a['ob_transcript']).toMatch(/^\[\d+ earlier message\(s\) omitted/);
    expect(a['ob_transcript']).toContain(transcript.at(-1)!.text.replace(/\r?\n/g, ' '));
    expect(a['ob_transcript']).not.toContain(`] Customer: ${transcript[0].text}`);

    await waitOutcome(h.id, 'routed');
    expect(contact.customerConnected).toBe(true);
    await waitFor(() => fake.subscribed(contact.contactId), {
      what: 'the participant websocket',
      timeoutMs: 30_000,
    });

    // The contact's state (participant/connection tokens) is stored encrypted.
    const [row] = await sql<{ state_ciphertext: Buffer; external_contact_id: string }>(
      hub.world,
      'SELECT state_ciphertext, external_contact_id FROM ccaas_contacts WHERE handoff_id = $1',
      [h.id],
    );
    expect(row.external_contact_id).toBe(contact.contactId);
    expect(row.state_ciphertext.toString('latin1')).not.toContain(contact.participantToken!);

    // The customer's line after the handoff reaches the Connect agent.
    await hub.customerSays(h.conversationId, 'Hello? I still need that refund.');
    await waitFor(
      () => contact.customerMessages.find((m) => m.content === 'Hello? I still need that refund.'),
      {
        what: 'the customer line at Connect',
        timeoutMs: 30_000,
      },
    );

    fake.agentJoins(contact.contactId, 'Alex (Connect)');
    const accepted = await waitOutcome(h.id, 'accepted');
    expect(accepted.data.agentId).toBe('Alex (Connect)');

    fake.agentSays(contact.contactId, 'Hi Dana, I can see the double charge.');
    const reply = await waitFor(() => relayed(h.conversationId, 'text')[0], {
      what: 'the agent reply on the bot channel',
      timeoutMs: 30_000,
    });
    expect(reply.data).toMatchObject({
      text: 'Hi Dana, I can see the double charge.',
      sender: { role: 'agent', name: 'Alex (Connect)' },
    });
    // Our own customer line echoed on the websocket is not relayed back.
    expect(
      relayed(h.conversationId, 'text').some((e) => e.data.text === 'Hello? I still need that refund.'),
    ).toBe(false);

    fake.agentEnds(contact.contactId);
    await waitFor(() => relayed(h.conversationId, 'ended')[0], {
      what: 'the end on the bot channel',
      timeoutMs: 30_000,
    });
    const view = await waitFor(
      async () => {
        const v = await http(hub.svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
        return v.body.transitions?.some((t: { detail?: string }) => /ended \(by agent\)/.test(t.detail ?? ''))
          ? v
          : null;
      },
      { what: 'the end on the audit trail', timeoutMs: 30_000 },
    );
    expect(view.body.status).toBe('accepted');
    expect(view.body.transitions.map((t: { to: string }) => t.to)).toEqual([
      'requested',
      'routed',
      'accepted',
      'accepted',
    ]);
    const [c] = await sql<{ status: string }>(
      hub.world,
      'SELECT status FROM ccaas_contacts WHERE handoff_id = $1',
      [h.id],
    );
    expect(c.status).toBe('ended');
  });

  it('customer typing (SendEvent) and files (StartAttachmentUpload → PUT → CompleteAttachmentUpload) reach Connect; agent files come back with a GetAttachment URL; files past the limits are refused', async () => {
    // The bot platform's file store (what `file.url` points at).
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2048, 7)]);
    const files = createServer((req, res) => {
      if (req.url === '/files/receipt.pdf') {
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(pdf.length) });
        res.end(pdf);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    const fileUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/files/receipt.pdf`;
    try {
      const h = await request();
      const contact = await contactOf(h.id);
      await waitOutcome(h.id, 'routed');
      await waitFor(() => fake.subscribed(contact.contactId), { what: 'the websocket', timeoutMs: 30_000 });

      await hub.customerSends(h.conversationId, { kind: 'typing', typing: true });
      await waitFor(() => contact.customerEvents[0], {
        what: 'customer typing at Connect',
        timeoutMs: 30_000,
      });
      expect(contact.customerEvents).toEqual(['application/vnd.amazonaws.connect.event.typing']);

      const starts = () => fake.calls('StartAttachmentUpload').length;
      // Refused by the platform's documented limits before any download: too large, and a type Connect refuses.
      await hub.customerSends(h.conversationId, {
        kind: 'file',
        file: {
          fileId: 'f-big',
          name: 'big.pdf',
          contentType: 'application/pdf',
          sizeBytes: 21 * 1024 * 1024,
          url: fileUrl,
        },
      });
      await hub.customerSends(h.conversationId, {
        kind: 'file',
        file: {
          fileId: 'f-exe',
          name: 'tool.exe',
          contentType: 'application/x-msdownload',
          sizeBytes: 10,
          url: fileUrl,
        },
      });
      await hub.customerSends(
        h.conversationId,
        {
          kind: 'file',
          file: {
            fileId: 'f-1',
            name: 'receipt.pdf',
            contentType: 'application/pdf',
            sizeBytes: pdf.length,
            url: fileUrl,
          },
        },
        'm-file-1',
      );
      const att = await waitFor(() => contact.customerAttachments[0], {
        what: 'the customer file at Connect',
        timeoutMs: 30_000,
      });
      expect(att).toMatchObject({ name: 'receipt.pdf', contentType: 'application/pdf' });
      expect(att.bytes.equals(pdf)).toBe(true);
      expect(starts()).toBe(1);
      expect(fake.calls('StartAttachmentUpload')[0].body).toMatchObject({
        AttachmentName: 'receipt.pdf',
        AttachmentSizeInBytes: pdf.length,
        ClientToken: 'm-file-1',
      });
      expect(fake.calls('CompleteAttachmentUpload')).toHaveLength(1);

      // The agent sends a file: relayed as kind=file with the GetAttachment URL, which serves its bytes.
      fake.agentJoins(contact.contactId, 'Alex (Connect)');
      await waitOutcome(h.id, 'accepted');
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      const sent = fake.agentSendsFile(contact.contactId, 'label.png', 'image/png', png);
      const relayedFile = await waitFor(() => relayed(h.conversationId, 'file')[0], {
        what: 'the agent file on the bot channel',
        timeoutMs: 30_000,
      });
      expect(relayedFile.data).toMatchObject({
        sender: { role: 'agent', name: 'Alex (Connect)' },
        file: {
          fileId: sent.attachmentId,
          name: 'label.png',
          contentType: 'image/png',
          sizeBytes: png.length,
        },
      });
      expect(fake.calls('GetAttachment').at(-1)?.body).toMatchObject({ AttachmentId: sent.attachmentId });
      const got = Buffer.from(await (await fetch(relayedFile.data.file!.url)).arrayBuffer());
      expect(got.equals(png)).toBe(true);
    } finally {
      files.closeAllConnections();
      await new Promise((r) => files.close(r));
    }
  });

  it('retries throttling and a short outage, then starts the contact', async () => {
    fake.failNext('StartChatContact', 'TooManyRequestsException', 429, 1);
    fake.failNext('StartChatContact', 'ServiceUnavailableException', 503, 1);
    const before = fake.calls('StartChatContact').length;
    const h = await request();
    await waitOutcome(h.id, 'routed');
    expect(fake.calls('StartChatContact').length - before).toBe(3);
  });

  it('vendor down → retried, then failed(error); nothing lost (outcome announced, audit trail kept)', async () => {
    fake.down(true);
    try {
      const before = fake.refusedWhileDown;
      const h = await request();
      const failed = await waitOutcome(h.id, 'failed');
      expect(failed.data.reason).toBe('error');
      expect(failed.data.detail).toMatch(/ServiceUnavailableException/);
      // every attempt reached the platform (CCAAS_MAX_ATTEMPTS = 3)
      expect(fake.refusedWhileDown - before).toBeGreaterThanOrEqual(3);
      const view = await http(hub.svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
      expect(view.body).toMatchObject({ status: 'failed', reason: 'error' });
      expect(view.body.transitions.map((t: { to: string }) => t.to)).toEqual(['requested', 'failed']);
    } finally {
      fake.down(false);
    }
  });

  it('an unknown contact flow fails at once with error naming the field (no retries)', async () => {
    const flow = fake.addFlow('PUBLISHED', 'soon deleted');
    const r = await http(hub.svc.url, 'POST', '/v1/integrations', {
      tenant: T,
      body: {
        type: 'amazon_connect',
        name: `Connect ${randomUUID().slice(0, 6)}`,
        config: {
          instanceId: fake.instanceId,
          region: fake.region,
          defaultContactFlowId: flow,
          endpoint: fake.url,
        },
        secrets: { accessKeyId: KEY, secretAccessKey: SECRET },
      },
    });
    expect(r.status).toBe(201);
    fake.flows.delete(flow);
    const before = fake.calls('StartChatContact').length;
    const h = await request({}, r.body.id);
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data).toMatchObject({ reason: 'error' });
    expect(failed.data.detail).toMatch(/^config\.defaultContactFlowId: /);
    expect(fake.calls('StartChatContact').length - before).toBe(1);
  });

  it('timeout: no agent joined → the Connect contact is ended and the bot told failed(timeout)', async () => {
    const h = await request({ timeoutSeconds: 2 });
    const contact = await contactOf(h.id);
    const failed = await waitOutcome(h.id, 'failed');
    expect(failed.data.reason).toBe('timeout');
    await waitFor(() => fake.calls('StopContact').some((c) => c.body['ContactId'] === contact.contactId), {
      what: 'StopContact',
      timeoutMs: 30_000,
    });
    expect(contact.stopped).toBe(true);
    // An agent accepting afterwards does not resurrect it.
    const view = await http(hub.svc.url, 'GET', `/v1/handoffs/${h.id}`, { tenant: T });
    expect(view.body).toMatchObject({ status: 'failed', reason: 'timeout' });
  });

  it('the bot cancels: failed(withdrawn) at once and the Connect contact is stopped', async () => {
    const h = await request();
    const contact = await contactOf(h.id);
    await waitOutcome(h.id, 'routed');
    const w = await http(hub.svc.url, 'POST', `/v1/handoffs/${h.id}/withdraw`, { tenant: T, body: {} });
    expect(w.status).toBe(202);
    expect((await waitOutcome(h.id, 'failed')).data.reason).toBe('withdrawn');
    await waitFor(() => contact.stopped, { what: 'StopContact', timeoutMs: 30_000 });
    expect(
      (await http(hub.svc.url, 'POST', `/v1/handoffs/${h.id}/withdraw`, { tenant: T, body: {} })).status,
    ).toBe(409);
  });

  it('refuses an unpublished flow when the integration is configured (422 naming the field)', async () => {
    const draft = fake.addFlow('SAVED', 'draft');
    const r = await http(hub.svc.url, 'PATCH', `/v1/integrations/${integrationId}`, {
      tenant: T,
      body: {
        config: {
          instanceId: fake.instanceId,
          region: fake.region,
          defaultContactFlowId: fake.defaultFlowId,
          endpoint: fake.url,
          flowMappings: [{ intent: 'billing_refund', contactFlowId: draft }],
        },
      },
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toContain('config.flowMappings.0.contactFlowId');
  });

  it('Test Connection names the failing step; queues are listed for the admin UI', async () => {
    const ok = await http(hub.svc.url, 'POST', `/v1/integrations/${integrationId}/test`, { tenant: T });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true });
    const queues = await http(hub.svc.url, 'GET', `/v1/integrations/${integrationId}/queues`, { tenant: T });
    expect(queues.status).toBe(200);
    expect(queues.body.map((q: { name: string }) => q.name)).toEqual(['Billing', 'Tech Support']);

    const wrong = await http(hub.svc.url, 'POST', '/v1/integrations', {
      tenant: T,
      body: {
        type: 'amazon_connect',
        name: 'Connect wrong key',
        config: {
          instanceId: fake.instanceId,
          region: fake.region,
          defaultContactFlowId: fake.defaultFlowId,
          endpoint: fake.url,
        },
        secrets: { accessKeyId: KEY, secretAccessKey: 'not-the-right-secret-000' },
      },
    });
    expect(wrong.status).toBe(201);
    const t = await http(hub.svc.url, 'POST', `/v1/integrations/${wrong.body.id}/test`, { tenant: T });
    expect(t.body).toMatchObject({ ok: false, failedStep: 'credentials' });

    fake.addKey('AKIAE2ENOLISTQUEUES1', SECRET, ['connect:ListQueues']);
    const denied = await http(hub.svc.url, 'POST', '/v1/integrations', {
      tenant: T,
      body: {
        type: 'amazon_connect',
        name: 'Connect no ListQueues',
        config: {
          instanceId: fake.instanceId,
          region: fake.region,
          defaultContactFlowId: fake.defaultFlowId,
          endpoint: fake.url,
        },
        secrets: { accessKeyId: 'AKIAE2ENOLISTQUEUES1', secretAccessKey: SECRET },
      },
    });
    const p = await http(hub.svc.url, 'POST', `/v1/integrations/${denied.body.id}/test`, { tenant: T });
    expect(p.body).toMatchObject({ ok: false, failedStep: 'permission' });
    expect(JSON.stringify(p.body)).toContain('connect:ListQueues');

    // another tenant cannot test or list this tenant's integration
    expect(
      (await http(hub.svc.url, 'POST', `/v1/integrations/${integrationId}/test`, { tenant: 'other-co' }))
        .status,
    ).toBe(404);
  });

  it('the signed-webhook route refuses what no receiver verifies (401), changing nothing', async () => {
    const r = await fetch(`${hub.svc.url}/v1/ccaas/webhooks/${integrationId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ forged: true }),
    });
    expect(r.status).toBe(401);
    const unknown = await fetch(`${hub.svc.url}/v1/ccaas/webhooks/${randomUUID()}`, {
      method: 'POST',
      body: '{}',
    });
    expect(unknown.status).toBe(401);
  });

  describe('voice progress from Connect contact events (EventBridge rule → API destination)', () => {
    const EVENTS_KEY = 'evb-api-key-0123456789abcdef0123';
    let voiceIntegration: string;
    const status = hub.view;

    beforeAll(async () => {
      const r = await http(hub.svc.url, 'POST', '/v1/integrations', {
        tenant: T,
        body: {
          type: 'amazon_connect',
          name: 'Connect voice',
          config: {
            instanceId: fake.instanceId,
            region: fake.region,
            defaultContactFlowId: fake.defaultFlowId,
            endpoint: fake.url,
            sourcePhoneNumber: '+15550100000',
            queueMappings: [{ category: 'billing', queueId: fake.queues[0].Id }],
            contactEvents: { auth: 'api_key', headerName: 'x-hub-connect-events-key' },
          },
          secrets: { accessKeyId: KEY, secretAccessKey: SECRET, contactEventsSecret: EVENTS_KEY },
        },
      });
      expect(r.status).toBe(201);
      voiceIntegration = r.body.id;
      // The view never shows the secret.
      expect(JSON.stringify(r.body)).not.toContain(EVENTS_KEY);
      fake.eventDestination = {
        url: `${hub.svc.url}/v1/ccaas/webhooks/${voiceIntegration}`,
        headers: { 'x-hub-connect-events-key': EVENTS_KEY },
      };
    });

    const voiceHandoff = async () => {
      const h = await request(
        { channel: 'voice', contact: { name: 'Vic Voice', phone: '+1 (555) 010-0199' } },
        voiceIntegration,
      );
      const contact = await contactOf(h.id);
      expect(contact).toMatchObject({ kind: 'voice', destinationPhoneNumber: '+15550100199' });
      await waitOutcome(h.id, 'routed');
      return { h, contact };
    };

    it('voice handoff → outbound call → signed events → accepted → ended, deduped, with its audit trail; attributes readable after', async () => {
      const { h, contact } = await voiceHandoff();
      const id = contact.contactId;
      expect(await fake.deliverEvent(fake.contactEvent(id, 'INITIATED'))).toBe(200);
      expect(await fake.deliverEvent(fake.contactEvent(id, 'QUEUED'))).toBe(200);
      const joined = fake.contactEvent(id, 'CONNECTED_TO_AGENT');
      expect(await fake.deliverEvent(joined)).toBe(200);
      const accepted = await waitOutcome(h.id, 'accepted');
      expect(accepted.data.agentId).toBe('11111111-2222-4333-8444-555555555555');
      // EventBridge retries the same event (same id): nothing changes.
      expect(await fake.deliverEvent(joined)).toBe(200);
      expect(
        await fake.deliverEvent(
          fake.contactEvent(id, 'DISCONNECTED', {
            agentConnected: true,
            disconnectReason: 'CUSTOMER_DISCONNECT',
          }),
        ),
      ).toBe(200);
      const view = await waitFor(
        async () => {
          const v = await status(h.id);
          return v.transitions.some((t) => /ended \(by customer\)/.test(t.detail ?? '')) ? v : null;
        },
        { what: 'the end on the audit trail', timeoutMs: 30_000 },
      );
      expect(view.status).toBe('accepted');
      expect(view.transitions.map((t) => t.to)).toEqual(['requested', 'routed', 'accepted', 'accepted']);
      expect(outcomes(h.id).filter((e) => e.data.status === 'accepted')).toHaveLength(1);
      const [c] = await sql<{ status: string }>(
        hub.world,
        'SELECT status FROM ccaas_contacts WHERE handoff_id = $1',
        [h.id],
      );
      expect(c.status).toBe('ended');

      // GetContactAttributes after the handoff.
      const attrs = await http(
        hub.svc.url,
        'GET',
        `/v1/integrations/${voiceIntegration}/handoffs/${h.id}/contact-attributes`,
        { tenant: T },
      );
      expect(attrs.status).toBe(200);
      expect(attrs.body).toMatchObject({
        handoffId: h.id,
        externalContactId: id,
        attributes: { ob_handoff_id: h.id, ob_channel: 'voice', ob_customer_name: 'Vic Voice' },
      });
      expect(fake.calls('GetContactAttributes').at(-1)?.path).toContain(id);
      // another integration of the tenant, or another tenant, does not reach it
      expect(
        (
          await http(
            hub.svc.url,
            'GET',
            `/v1/integrations/${integrationId}/handoffs/${h.id}/contact-attributes`,
            { tenant: T },
          )
        ).status,
      ).toBe(404);
      expect(
        (
          await http(
            hub.svc.url,
            'GET',
            `/v1/integrations/${voiceIntegration}/handoffs/${h.id}/contact-attributes`,
            { tenant: 'other-co' },
          )
        ).status,
      ).toBe(404);
    });

    it('forged, unsigned, other-instance or stale contact events → 401 and nothing changes', async () => {
      const { h, contact } = await voiceHandoff();
      const joined = fake.contactEvent(contact.contactId, 'CONNECTED_TO_AGENT');
      expect(await fake.deliverEvent(joined, {})).toBe(401);
      expect(
        await fake.deliverEvent(joined, { 'x-hub-connect-events-key': 'evb-api-key-guessed-000000000000' }),
      ).toBe(401);
      expect(
        await fake.deliverEvent(joined, {
          authorization: `Basic ${Buffer.from(`u:${EVENTS_KEY}`).toString('base64')}`,
        }),
      ).toBe(401);
      const otherInstance = JSON.parse(JSON.stringify(joined)) as { detail: { instanceArn: string } };
      otherInstance.detail.instanceArn = `arn:aws:connect:us-east-1:123456789012:instance/${randomUUID()}`;
      expect(await fake.deliverEvent(otherInstance)).toBe(401);
      expect(await fake.deliverEvent({ ...joined, id: randomUUID(), time: '2026-01-01T00:00:00Z' })).toBe(
        401,
      );
      // the integration without contactEvents configured refuses even a well-formed event
      const saved = fake.eventDestination;
      fake.eventDestination = {
        url: `${hub.svc.url}/v1/ccaas/webhooks/${integrationId}`,
        headers: saved!.headers,
      };
      expect(await fake.deliverEvent(joined)).toBe(401);
      fake.eventDestination = saved;
      const view = await status(h.id);
      expect(view.status).toBe('routed');
      expect(view.transitions.map((t) => t.to)).toEqual(['requested', 'routed']);
      expect(outcomes(h.id).some((e) => e.data.status === 'accepted')).toBe(false);
      // the genuine event still applies afterwards (the refusals left no inbox claim)
      expect(await fake.deliverEvent(joined)).toBe(200);
      await waitOutcome(h.id, 'accepted');
    });

    const ended = (handoffId: string) =>
      waitFor(
        async () => {
          const v = await status(handoffId);
          return v.transitions.some((t) => /the platform contact ended/.test(t.detail ?? '')) ? v : null;
        },
        { what: 'the end on the audit trail', timeoutMs: 30_000 },
      );
    const noted = (handoffId: string, re: RegExp) =>
      waitFor(
        async () => {
          const v = await status(handoffId);
          return v.transitions.some((t) => re.test(t.detail ?? '')) ? v : null;
        },
        { what: `${re} on the audit trail`, timeoutMs: 30_000 },
      );

    it('a transferred call is followed: the old leg disconnecting is no end; StopContact and the end address the new leg', async () => {
      const { h, contact } = await voiceHandoff();
      const a = contact.contactId;
      expect(await fake.deliverEvent(fake.contactEvent(a, 'CONNECTED_TO_AGENT'))).toBe(200);
      await waitOutcome(h.id, 'accepted');
      // The agent transfers the call (quick connect): Connect creates leg B (initiationMethod TRANSFER,
      // previousContactId A, initialContactId A), then leg A disconnects from the agent.
      const b = fake.transferLeg(a, 'TRANSFER');
      expect(await fake.deliverEvent(fake.contactEvent(b, 'INITIATED'))).toBe(200);
      await noted(h.id, /transferred/);
      expect(
        await fake.deliverEvent(
          fake.contactEvent(a, 'DISCONNECTED', {
            agentConnected: true,
            disconnectReason: 'AGENT_DISCONNECT',
          }),
        ),
      ).toBe(200);
      expect(await fake.deliverEvent(fake.contactEvent(b, 'QUEUED'))).toBe(200);
      expect(await fake.deliverEvent(fake.contactEvent(b, 'CONNECTED_TO_AGENT'))).toBe(200);
      // (the route applies an event before it answers 200)
      const mid = await status(h.id);
      expect(mid.status).toBe('accepted');
      expect(mid.transitions.some((t) => /the platform contact ended/.test(t.detail ?? ''))).toBe(false);
      expect(relayed(h.conversationId, 'ended')).toHaveLength(0);
      const [open] = await sql<{ status: string }>(
        hub.world,
        'SELECT status FROM ccaas_contacts WHERE handoff_id = $1',
        [h.id],
      );
      expect(open.status).toBe('open');
      // The hub ends the contact (e.g. the bot withdraws): StopContact goes to the leg the customer is on.
      await hub.command(h.conversationId, {
        command: 'end',
        handoffId: h.id,
        integrationId: voiceIntegration,
        target: 'amazon_connect',
        reason: 'withdrawn',
      });
      await waitFor(() => fake.contacts.get(b)?.stopped || null, {
        what: 'StopContact of leg B',
        timeoutMs: 30_000,
      });
      expect(fake.calls('StopContact').at(-1)?.body['ContactId']).toBe(b);
    });

    it('transfer events out of order: the new leg ending before its INITIATED arrived is followed and ends the handoff; nothing twice', async () => {
      const { h, contact } = await voiceHandoff();
      const a = contact.contactId;
      expect(await fake.deliverEvent(fake.contactEvent(a, 'CONNECTED_TO_AGENT'))).toBe(200);
      await waitOutcome(h.id, 'accepted');
      const b = fake.transferLeg(a, 'QUEUE_TRANSFER');
      const initiatedB = fake.contactEvent(b, 'INITIATED');
      expect(await fake.deliverEvent(fake.contactEvent(b, 'CONNECTED_TO_AGENT'))).toBe(200);
      expect(
        await fake.deliverEvent(
          fake.contactEvent(b, 'DISCONNECTED', {
            agentConnected: true,
            disconnectReason: 'CUSTOMER_DISCONNECT',
          }),
        ),
      ).toBe(200);
      const v = await ended(h.id);
      expect(v.transitions.find((t) => /the platform contact ended/.test(t.detail ?? ''))?.detail).toMatch(
        /by customer/,
      );
      // The late INITIATED of B and A's own disconnect change nothing more.
      expect(await fake.deliverEvent(initiatedB)).toBe(200);
      expect(
        await fake.deliverEvent(
          fake.contactEvent(a, 'DISCONNECTED', {
            agentConnected: true,
            disconnectReason: 'AGENT_DISCONNECT',
          }),
        ),
      ).toBe(200);
      await waitFor(() => relayed(h.conversationId, 'ended')[0], {
        what: 'the end on the bot channel',
        timeoutMs: 30_000,
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(relayed(h.conversationId, 'ended')).toHaveLength(1);
      const after = await status(h.id);
      expect(after.transitions.filter((t) => /the platform contact ended/.test(t.detail ?? ''))).toHaveLength(
        1,
      );
    });

    it('the call ends before an agent joined (no answer) → failed(error) naming the disconnect reason', async () => {
      const { h, contact } = await voiceHandoff();
      expect(
        await fake.deliverEvent(
          fake.contactEvent(contact.contactId, 'DISCONNECTED', { disconnectReason: 'TELECOM_PROBLEM' }),
        ),
      ).toBe(200);
      const failed = await waitOutcome(h.id, 'failed');
      expect(failed.data.reason).toBe('error');
      expect(failed.data.detail).toMatch(/before an agent joined \(disconnectReason TELECOM_PROBLEM\)/);
    });
  });

  it('contact flows are listed for the flow mappings (ListContactFlows, every page)', async () => {
    const draft = fake.addFlow('SAVED', 'Draft flow');
    const before = fake.calls('ListContactFlows').length;
    const r = await http(hub.svc.url, 'GET', `/v1/integrations/${integrationId}/flows`, { tenant: T });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(
      expect.arrayContaining([
        { id: fake.defaultFlowId, name: 'Default inbound', kind: 'flow', published: true },
        { id: draft, name: 'Draft flow', kind: 'flow', published: false },
      ]),
    );
    expect(r.body).toHaveLength(fake.flows.size);
    // the fake pages by 2: every page was followed
    expect(fake.calls('ListContactFlows').length - before).toBe(Math.ceil(fake.flows.size / 2));
    expect(fake.calls('ListContactFlows').at(-1)?.path).toBe(`/contact-flows-summary/${fake.instanceId}`);
    expect(
      (await http(hub.svc.url, 'GET', `/v1/integrations/${integrationId}/flows`, { tenant: 'other-co' }))
        .status,
    ).toBe(404);
  });

  it('setup is not a Connect route: 422 "not supported by amazon_connect"', async () => {
    const r = await http(hub.svc.url, 'POST', `/v1/integrations/${integrationId}/setup`, {
      tenant: T,
      body: { publicBaseUrl: 'https://hub.example.com' },
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toContain('not supported by amazon_connect');
  });

  it('two replicas: one holds the Connect websocket (Redis lease); when it stops, the other takes over and replays what it missed', async () => {
    replica2 = await startService(hub.world, hub.serviceEnv);
    const h = await request();
    const contact = await contactOf(h.id);
    await waitOutcome(h.id, 'routed');
    const holders = () =>
      [hub.svc, replica2].filter(
        (r): r is RunningService => !!r && r.app.get(CcaasBridges).held().includes(h.id),
      );
    const [holder] = await waitFor(() => (holders().length ? holders() : null), {
      what: 'a stream holder',
      timeoutMs: 30_000,
    });
    expect(holders()).toHaveLength(1);
    const other = (holder === hub.svc ? replica2 : hub.svc) as RunningService;
    await holder.close();
    if (holder === hub.svc) hub.svc = replica2 as RunningService;
    replica2 = undefined;
    // The agent joins while no replica holds the websocket: the takeover replays the transcript
    // (GetTranscript), so the join is not lost.
    fake.agentJoins(contact.contactId);
    await waitFor(() => other.app.get(CcaasBridges).held().includes(h.id), {
      what: 'the takeover',
      timeoutMs: 30_000,
    });
    await waitOutcome(h.id, 'accepted');
    fake.agentSays(contact.contactId, 'after the takeover');
    await waitFor(
      () =>
        hub.kafka
          .events('conversationMessages')
          .find((e) => e.data.conversationId === h.conversationId && e.data.text === 'after the takeover'),
      { what: 'the relayed line after the takeover', timeoutMs: 30_000 },
    );
  });
});
