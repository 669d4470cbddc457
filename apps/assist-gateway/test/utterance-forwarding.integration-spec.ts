import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RealtimeChannels, RealtimeKeys, type ConversationEvent } from '@hub/contracts';
import { KafkaProbe, createTestWorld, waitFor, type ProbedMessage, type TestWorld } from '@hub/testing';
import type { ForwardUtteranceAck } from '../src/forwarding/usecases/forward-utterance.usecase';
import {
  connectWidget,
  mintToken,
  startGateway,
  type RunningGateway,
  type TestWidget,
} from './support/harness';

jest.setTimeout(60_000);

let world: TestWorld;
let gw: RunningGateway;
let probe: KafkaProbe;
let redis: Redis;
const widgets: TestWidget[] = [];

interface PublishedEvent {
  id: string;
  tenantId: string;
  source: string;
  correlationId: string;
  occurredAt: string;
  data: Extract<ConversationEvent, { kind: 'utterance' }>;
}

const events = (): { msg: ProbedMessage; event: PublishedEvent }[] =>
  probe
    .on(`${world.kafkaNamespace}hub.conversation.events.v1`)
    .map((msg) => ({ msg, event: msg.json() as PublishedEvent }));

async function widget(body: Record<string, unknown>, hints?: Record<string, string>): Promise<TestWidget> {
  const w = await connectWidget(gw.url, { token: await mintToken(gw, body), ...(hints ? { hints } : {}) });
  widgets.push(w);
  return w;
}

function forward(w: TestWidget, payload: unknown): Promise<ForwardUtteranceAck> {
  return w.socket.timeout(20_000).emitWithAck('utterance', payload) as Promise<ForwardUtteranceAck>;
}

/** Waits until the probe holds the event of `utteranceId` (published by the gateway). */
function published(utteranceId: string) {
  return waitFor(() => events().find((e) => e.event.data.utteranceId === utteranceId), {
    timeoutMs: 30_000,
    what: `conversation event ${utteranceId}`,
  });
}

beforeAll(async () => {
  world = await createTestWorld();
  gw = await startGateway(world);
  probe = new KafkaProbe();
  await probe.start([`${world.kafkaNamespace}hub.conversation.events.v1`]);
  redis = new Redis(world.env['REDIS_URL']);
});

afterAll(async () => {
  for (const w of widgets) w.socket.close();
  await probe?.stop();
  await gw?.app.close();
  redis?.disconnect();
  await world?.drop();
});

describe('widget utterance forwarding → hub.conversation.events.v1', () => {
  it("publishes a forwarded customer line as a final utterance of the token's tenant, agent and interaction", async () => {
    const w = await widget({
      tenantId: 'acme',
      provider: 'salesforce',
      agentId: 'sf-agent-1',
      interactionId: 'int-F1',
    });
    const messageId = `sf-msg-${randomUUID()}`;
    const ack = await forward(w, {
      speaker: 'customer',
      text: '  Does the Kirkwood House offer a good breakfast, preferably a buffet?  ',
      messageId,
      occurredAt: '2026-11-21T10:00:05.000+01:00',
      queue: 'Hotels',
    });
    expect(ack).toEqual({
      ok: true,
      eventId: expect.any(String),
      utteranceId: messageId,
      interactionId: 'int-F1',
    });

    const { msg, event } = await published(messageId);
    expect(msg.key).toBe('int-F1');
    expect(event).toMatchObject({
      id: ack.ok ? ack.eventId : '',
      tenantId: 'acme',
      source: 'assist-gateway',
      correlationId: 'int-F1',
      occurredAt: '2026-11-21T10:00:05.000+01:00',
      data: {
        kind: 'utterance',
        interactionId: 'int-F1',
        provider: 'salesforce',
        utteranceId: messageId,
        speaker: 'customer',
        text: 'Does the Kirkwood House offer a good breakfast, preferably a buffet?',
        isFinal: true,
        agentId: 'sf-agent-1',
        queue: 'Hotels',
      },
    });

    // the same vendor message forwarded again (a retry) is the same event id: one utterance downstream
    const again = await forward(w, {
      speaker: 'customer',
      text: 'Does the Kirkwood House offer a good breakfast, preferably a buffet?',
      messageId,
    });
    expect(again.ok && again.eventId).toBe(ack.ok && ack.eventId);
  });

  it('Five9: the call id is the interaction and the provider is five9; an agent line is forwarded too', async () => {
    const w = await widget(
      { tenantId: 'acme', provider: 'five9', ctx: { callId: '300000777', agentId: '4711' } },
      { callId: '300000777', agentId: '4711' },
    );
    const ack = await forward(w, { speaker: 'agent', text: 'Let me check that for you.' });
    expect(ack.ok).toBe(true);
    // no messageId: the gateway generates the utterance id
    const utteranceId = ack.ok ? ack.utteranceId : '';
    const { event } = await published(utteranceId);
    expect(event.tenantId).toBe('acme');
    expect(event.data).toMatchObject({
      interactionId: '300000777',
      provider: 'five9',
      speaker: 'agent',
      agentId: '4711',
      isFinal: true,
    });
  });

  it('a widget cannot forward for another interaction or tenant: such payloads are rejected and nothing is published', async () => {
    const w = await widget({ tenantId: 'acme', provider: 'hub', agentId: 'a-1', interactionId: 'int-OWN' });
    const attempts = [
      { interactionId: 'int-OTHER' },
      { tenantId: 'globex' },
      { tenantId: 'globex', interactionId: 'int-OTHER', agentId: 'someone-else', provider: 'genesys' },
    ];
    for (const extra of attempts) {
      const ack = await forward(w, {
        speaker: 'customer',
        text: 'hijack',
        messageId: `bad-${randomUUID()}`,
        ...extra,
      });
      expect(ack).toMatchObject({ ok: false, reason: 'invalid_payload' });
      if (ack.ok) continue;
      expect(ack.errors?.map((e) => e.field).sort()).toEqual(Object.keys(extra).sort());
      for (const field of Object.keys(extra)) expect(ack.error).toContain(`${field}: not accepted`);
    }

    // a marker on the same key (same partition, published after): once it is on Kafka, anything
    // published before it would be too
    const marker = `marker-${randomUUID()}`;
    expect((await forward(w, { speaker: 'customer', text: 'marker', messageId: marker })).ok).toBe(true);
    await published(marker);
    expect(events().filter((e) => e.event.data.text === 'hijack')).toEqual([]);
    expect(events().filter((e) => e.event.data.interactionId === 'int-OTHER')).toEqual([]);
    expect(events().filter((e) => e.event.tenantId === 'globex')).toEqual([]);
  });

  it('a bad payload is answered with an error naming the field, and nothing is published', async () => {
    const w = await widget({ tenantId: 'acme', provider: 'hub', agentId: 'a-2', interactionId: 'int-BAD' });
    const cases: [unknown, string][] = [
      [{ speaker: 'bot', text: 'hello' }, 'speaker'],
      [{ speaker: 'customer', text: '   ' }, 'text'],
      [{ speaker: 'customer' }, 'text'],
      [{ speaker: 'customer', text: 'x'.repeat(20_001) }, 'text'],
      [{ speaker: 'customer', text: 'hello', occurredAt: 'yesterday' }, 'occurredAt'],
      [{ speaker: 'customer', text: 'hello', messageId: '' }, 'messageId'],
      [{ text: 'hello' }, 'speaker'],
      ['just a string', '(root)'],
    ];
    for (const [payload, field] of cases) {
      const ack = await forward(w, payload);
      expect(ack).toMatchObject({ ok: false, reason: 'invalid_payload' });
      if (!ack.ok) {
        expect(ack.errors?.map((e) => e.field)).toContain(field);
        expect(ack.error).toContain(`${field}: `);
      }
    }
    const marker = `marker-${randomUUID()}`;
    expect((await forward(w, { speaker: 'customer', text: 'valid line', messageId: marker })).ok).toBe(true);
    await published(marker);
    expect(
      events()
        .filter((e) => e.event.data.interactionId === 'int-BAD')
        .map((e) => e.event.data.utteranceId),
    ).toEqual([marker]);
  });

  it("8x8 agent-only widget: refused while the agent has no interaction, then forwarded to the agent's current one", async () => {
    const ns = world.redisNamespace;
    const key = ns + RealtimeKeys.eightByEightAgentInteraction('acme', 'agent-fw');
    const w = await widget(
      { tenantId: 'acme', provider: '8x8', ctx: { aid: 'agent-fw' } },
      { aid: 'agent-fw' },
    );
    await waitFor(() => w.interactions.length > 0, { what: 'bound' });
    expect(w.interactions).toEqual([null]);
    const idle = await forward(w, { speaker: 'customer', text: 'anyone there?' });
    expect(idle).toMatchObject({ ok: false, reason: 'no_interaction' });

    // connector-8x8 maps the agent to an interaction (key, then channel notification)
    await redis.set(key, 'int-8x8-F');
    await redis.publish(
      ns + RealtimeChannels.eightByEightAgent.channel('acme', 'agent-fw'),
      JSON.stringify({ agentId: 'agent-fw', interactionId: 'int-8x8-F' }),
    );
    await waitFor(() => w.interactions.at(-1) === 'int-8x8-F', { what: 'switch' });
    const messageId = `8x8-${randomUUID()}`;
    const ack = await forward(w, { speaker: 'customer', text: 'my parcel never arrived', messageId });
    expect(ack).toMatchObject({ ok: true, interactionId: 'int-8x8-F' });
    const { event } = await published(messageId);
    expect(event.data).toMatchObject({ interactionId: 'int-8x8-F', provider: '8x8', agentId: 'agent-fw' });
  });
});
