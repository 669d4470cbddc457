import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { newEnvelope, type ConversationMessage } from '@hub/contracts';
import { HubProducer, TopicNamer } from '@hub/messaging';
import {
  collect,
  emitAck,
  probed,
  seedWorkItem,
  startHarness,
  waitFor,
  type GatewayHarness,
} from './support/gateway-harness';

type MsgEvent = { tenantId: string; correlationId: string; data: ConversationMessage };

describe('agent-gateway: live conversation (messages, typing, files)', () => {
  let h: GatewayHarness;
  let producer: HubProducer;

  beforeAll(async () => {
    h = await startHarness();
    const kafka = new Kafka({
      clientId: 'bot-platform-fake',
      brokers: h.world.env.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    producer = new HubProducer(kafka, new TopicNamer(h.world.kafkaNamespace));
    await producer.connect();
  }, 90_000);
  afterAll(async () => {
    await producer?.disconnect();
    await h?.close();
  }, 30_000);

  /** What the bot platform publishes for a customer's message or typing. */
  function inbound(conversationId: string, m: Partial<ConversationMessage>) {
    const data: ConversationMessage = {
      conversationId,
      messageId: randomUUID(),
      direction: 'inbound',
      sender: { role: 'customer', name: 'Crystal Minh' },
      kind: 'text',
      sentAt: new Date().toISOString(),
      ...m,
    };
    return {
      ...newEnvelope({
        type: 'conversation.message',
        version: 1,
        tenantId: 'acme',
        source: 'bot-platform',
        correlationId: conversationId,
        data,
      }),
      version: 1 as const,
    };
  }

  it('delivers customer messages to the assigned agent, once, and keeps them in the history after the transcript', async () => {
    const w = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-chat', state: 'assigned' });
    const s = await h.connect(await h.token('acme', 'agent-chat'));
    const other = await h.connect(await h.token('acme', 'agent-bystander'));
    const got = collect<ConversationMessage>(s, 'chat:message');
    const leaked = collect<ConversationMessage>(other, 'chat:message');

    const msg = inbound(w.conversationId, { text: 'Are you still there? I got the wrong size.' });
    await producer.publish('conversationMessages', msg);
    await producer.publish('conversationMessages', msg); // redelivery: same envelope and message id
    await waitFor(() => got.length >= 1, { what: 'customer message on the agent socket' });
    expect(got[0]).toMatchObject({
      text: 'Are you still there? I got the wrong size.',
      workItemId: w.workItemId,
      sender: { role: 'customer' },
    });

    const later = inbound(w.conversationId, { text: 'Order ID: 3348917502' });
    await producer.publish('conversationMessages', later);
    await waitFor(() => got.length >= 2, { what: 'second message' });
    expect(got.map((m) => m.messageId)).toEqual([msg.data.messageId, later.data.messageId]);
    expect(leaked).toHaveLength(0);

    const res = await fetch(`${h.baseUrl}/v1/agent/work-items/${w.workItemId}/messages`, {
      headers: { authorization: `Bearer ${await h.token('acme', 'agent-chat')}` },
    });
    const { timeline } = await res.json();
    expect(
      timeline.map(
        (e: { source: string; text?: string; message?: { text: string } }) => e.text ?? e.message?.text,
      ),
    ).toEqual([
      'Hi! I need to return an item, can you help me with that?',
      'May I ask the reason for the return?',
      'I got the wrong size.',
      'Are you still there? I got the wrong size.',
      'Order ID: 3348917502',
    ]);
    expect(timeline.slice(0, 3).every((e: { source: string }) => e.source === 'bot_transcript')).toBe(true);
  });

  it('publishes the agent’s messages outbound for the bot platform and refuses items not assigned to the agent', async () => {
    const w = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-out', state: 'assigned' });
    const s = await h.connect(await h.token('acme', 'agent-out'));
    const clientMessageId = randomUUID();
    const ack = await emitAck<{ ok: boolean; message: ConversationMessage }>(s, 'chat:send', {
      workItemId: w.workItemId,
      text: 'I can help with the return. Which size do you need?',
      clientMessageId,
    });
    expect(ack.ok).toBe(true);
    expect(ack.message).toMatchObject({
      messageId: clientMessageId,
      direction: 'outbound',
      sender: { role: 'agent', id: 'agent-out' },
    });
    // A retry with the same client id is not sent twice.
    expect(
      (
        await emitAck(s, 'chat:send', {
          workItemId: w.workItemId,
          text: 'I can help with the return. Which size do you need?',
          clientMessageId,
        })
      ).ok,
    ).toBe(true);

    // an array is truthy even when empty: wait for a non-empty one (this returned [] at once and then
    // relied on the 300 ms below for the message to arrive)
    const out = await waitFor(
      () => {
        const got = probed<MsgEvent>(h, 'hub.conversation.messages.v1').filter(
          (e) => e.data.messageId === clientMessageId,
        );
        return got.length > 0 ? got : null;
      },
      { what: 'outbound message on Kafka' },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(
      probed<MsgEvent>(h, 'hub.conversation.messages.v1').filter((e) => e.data.messageId === clientMessageId),
    ).toHaveLength(1);
    expect(out[0]).toMatchObject({
      tenantId: 'acme',
      correlationId: w.conversationId,
      data: {
        direction: 'outbound',
        kind: 'text',
        workItemId: w.workItemId,
        text: 'I can help with the return. Which size do you need?',
      },
    });

    const offered = await seedWorkItem(h.prisma, {
      tenantId: 'acme',
      agentId: 'agent-out',
      state: 'offered',
    });
    expect(await emitAck(s, 'chat:send', { workItemId: offered.workItemId, text: 'hello' })).toMatchObject({
      ok: false,
      code: 'not_found',
    });
    const done = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-out', state: 'assigned' });
    await h.prisma.workItem.update({ where: { id: done.workItemId }, data: { status: 'completed' } });
    expect(await emitAck(s, 'chat:send', { workItemId: done.workItemId, text: 'hello' })).toMatchObject({
      ok: false,
      code: 'conflict',
    });
    const foreign = await seedWorkItem(h.prisma, {
      tenantId: 'globex',
      agentId: 'agent-out',
      state: 'assigned',
    });
    expect(await emitAck(s, 'chat:send', { workItemId: foreign.workItemId, text: 'hello' })).toMatchObject({
      ok: false,
      code: 'not_found',
    });
    expect(await emitAck(s, 'chat:send', { workItemId: w.workItemId, text: '   ' })).toMatchObject({
      ok: false,
      code: 'invalid',
    });
  });

  it('relays typing indicators both ways', async () => {
    const w = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-typing', state: 'assigned' });
    const s = await h.connect(await h.token('acme', 'agent-typing'));
    const typing = collect<{ workItemId: string; typing: boolean; role: string }>(s, 'chat:typing');
    await producer.publish(
      'conversationMessages',
      inbound(w.conversationId, { kind: 'typing', typing: true }),
    );
    await waitFor(() => typing.length >= 1, { what: 'customer typing on the socket' });
    expect(typing[0]).toMatchObject({ workItemId: w.workItemId, typing: true, role: 'customer' });

    expect((await emitAck(s, 'chat:typing', { workItemId: w.workItemId, typing: true })).ok).toBe(true);
    const out = await waitFor(() =>
      probed<MsgEvent>(h, 'hub.conversation.messages.v1').find(
        (e) =>
          e.correlationId === w.conversationId && e.data.kind === 'typing' && e.data.direction === 'outbound',
      ),
    );
    expect(out.data).toMatchObject({ typing: true, sender: { role: 'agent', id: 'agent-typing' } });
    // Typing is not history.
    const count = await h.prisma.conversationMessage.count({ where: { conversationId: w.conversationId } });
    expect(count).toBe(0);
  });

  it('customer file links must be https: an http one is never shown (dead letter), an https one is', async () => {
    const w = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-links', state: 'assigned' });
    const s = await h.connect(await h.token('acme', 'agent-links'));
    const got = collect<ConversationMessage>(s, 'chat:message');
    const file = (url: string) => ({
      kind: 'file' as const,
      file: {
        fileId: randomUUID(),
        name: 'receipt.pdf',
        contentType: 'application/pdf',
        sizeBytes: 1200,
        url,
      },
    });
    const insecure = inbound(w.conversationId, file('http://files.example.com/receipt.pdf'));
    const secure = inbound(w.conversationId, file('https://files.example.com/receipt.pdf'));
    await producer.publish('conversationMessages', insecure);
    await producer.publish('conversationMessages', secure);
    await waitFor(() => got.length >= 1, { what: 'the https file message' });
    expect(got.map((m) => m.messageId)).toEqual([secure.data.messageId]);
    const logged = await h.prisma.conversationMessage.findMany({
      where: { conversationId: w.conversationId },
    });
    expect(logged.map((r) => r.messageId)).toEqual([secure.data.messageId]);
  });

  it('uploads a file within the limits, shares it as a message, serves it to the agent and by signed link', async () => {
    const w = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-file', state: 'assigned' });
    const token = await h.token('acme', 'agent-file');
    const upload = (body: Blob, name: string, t = token) => {
      const form = new FormData();
      form.append('file', body, name);
      return fetch(`${h.baseUrl}/v1/agent/work-items/${w.workItemId}/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}` },
        body: form,
      });
    };
    const tooBig = await upload(new Blob([Buffer.alloc(4096, 1)], { type: 'text/plain' }), 'big.txt');
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).message).toMatch(/2048 bytes/);
    const wrongType = await upload(new Blob(['%PDF-1.7'], { type: 'application/pdf' }), 'label.pdf');
    expect(wrongType.status).toBe(415);
    expect((await wrongType.json()).message).toMatch(/application\/pdf is not allowed/);
    // the type is checked by content (magic bytes / UTF-8), not by the declared Content-Type
    const pngSignature = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const binaryAsText = await upload(new Blob([pngSignature], { type: 'text/plain' }), 'notes.txt');
    expect(binaryAsText.status).toBe(415);
    expect((await binaryAsText.json()).message).toBe('file: content is image/png, not text');
    const textAsPng = await upload(new Blob(['not an image'], { type: 'image/png' }), 'photo.png');
    expect(textAsPng.status).toBe(415);
    expect((await textAsPng.json()).message).toMatch(/^file: content is not image\/png/);
    const realPng = await upload(new Blob([pngSignature], { type: 'image/png' }), 'photo.png');
    expect(realPng.status).toBe(201);
    const notMine = await upload(
      new Blob(['x'], { type: 'text/plain' }),
      'x.txt',
      await h.token('acme', 'agent-else'),
    );
    expect(notMine.status).toBe(404);

    const content = 'Return label for order 3348917502';
    const ok = await upload(new Blob([content], { type: 'text/plain' }), 'return-label.txt');
    expect(ok.status).toBe(201);
    const { message } = (await ok.json()) as { message: ConversationMessage };
    expect(message).toMatchObject({
      kind: 'file',
      direction: 'outbound',
      file: { name: 'return-label.txt', contentType: 'text/plain', sizeBytes: content.length },
    });

    const published = await waitFor(() =>
      probed<MsgEvent>(h, 'hub.conversation.messages.v1').find((e) => e.data.messageId === message.messageId),
    );
    expect(published.data.file?.url).toContain(`/v1/files/${message.file!.fileId}?token=`);

    const asAgent = await fetch(`${h.baseUrl}/v1/files/${message.file!.fileId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asAgent.status).toBe(200);
    expect(await asAgent.text()).toBe(content);
    const signed = await fetch(`${h.baseUrl}${published.data.file!.url}`);
    expect(signed.status).toBe(200);
    expect(await signed.text()).toBe(content);
    const otherTenant = await fetch(`${h.baseUrl}/v1/files/${message.file!.fileId}`, {
      headers: { authorization: `Bearer ${await h.token('globex', 'agent-file')}` },
    });
    expect(otherTenant.status).toBe(404);
    const forged = await fetch(`${h.baseUrl}/v1/files/${message.file!.fileId}?token=abc.def.ghi`);
    expect(forged.status).toBe(403);
  });
});
