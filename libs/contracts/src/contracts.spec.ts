import { randomUUID } from 'node:crypto';
import { ContractViolationError, encodeEvent } from './encode';
import { newEnvelope } from './envelope';
import { HandoffRequestSchema } from './events/handoff.schema';
import { workItemTypeForChannel } from './events/common.schema';
import { Topics, allTopics, dlqTopicName } from './topics';
import { buildAsyncApiDocument, jsonSchemaForTopic } from './asyncapi';

const request = {
  integrationId: randomUUID(),
  botSessionId: 'bs-1',
  conversationId: 'conv-1',
  channel: 'whatsapp',
  routing: { queue: 'Billing' },
  transcript: [{ role: 'user', text: 'I want a refund', timestamp: '2026-11-21T10:00:00Z' }],
};

describe('contracts', () => {
  it('every topic is versioned hub.<domain>.<event>.v<N> and unique', () => {
    const names = allTopics.map((t) => t.name);
    for (const n of names) expect(n).toMatch(/^hub\.[a-z]+\.[a-z]+\.v\d+$/);
    expect(new Set(names).size).toBe(names.length);
    expect(dlqTopicName('hub.a.b.v1')).toBe('hub.a.b.v1.dlq');
  });

  it('encodes with the conversation as partition key and trace headers', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const env = newEnvelope({
      type: 'handoff.requested',
      version: 1,
      tenantId: 'acme',
      source: 'bot',
      correlationId: 'conv-1',
      traceparent,
      data: HandoffRequestSchema.parse(request),
    });
    const m = encodeEvent('handoffRequested', env as never);
    expect(m.key).toBe('conv-1');
    expect(m.headers).toMatchObject({ traceparent, 'x-event-type': 'handoff.requested' });
    expect(JSON.parse(m.value).data.attributes).toEqual({});
  });

  it('names the offending fields of an invalid event', () => {
    const env = newEnvelope({
      type: 'handoff.requested',
      version: 1,
      tenantId: 'ACME!',
      source: 'bot',
      correlationId: 'conv-1',
      data: { ...request, channel: 'fax', transcript: [{ role: 'user', text: 'x', timestamp: 'yesterday' }] },
    });
    expect(() => encodeEvent('handoffRequested', env as never)).toThrow(ContractViolationError);
    try {
      encodeEvent('handoffRequested', env as never);
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain('tenantId');
      expect(msg).toContain('data.channel');
      expect(msg).toContain('data.transcript.0.timestamp');
    }
  });

  it('keys work-item presence commands by agent, item commands by conversation', () => {
    const base = { version: 1, tenantId: 'acme', source: 'gw', correlationId: 'conv-9' } as const;
    const presence = newEnvelope({
      ...base,
      type: 'workitem.command',
      data: { command: 'set_presence', agentId: 'a1', presence: 'online' },
    });
    const accept = newEnvelope({
      ...base,
      type: 'workitem.command',
      data: { command: 'accept', workItemId: randomUUID(), agentId: 'a1' },
    });
    expect(encodeEvent('workItemCommands', presence as never).key).toBe('agent:a1');
    expect(encodeEvent('workItemCommands', accept as never).key).toBe('conv-9');
  });

  it('maps channels to work item types (seed 000)', () => {
    expect(['web', 'sms', 'whatsapp'].map((c) => workItemTypeForChannel(c as never))).toEqual([
      'chat',
      'chat',
      'chat',
    ]);
    expect(['voice', 'phone'].map((c) => workItemTypeForChannel(c as never))).toEqual(['call', 'call']);
  });

  it('the suggestions topic carries complete suggestions and their deltas, keyed by interaction', () => {
    const suggestionId = randomUUID();
    const base = { version: 1, tenantId: 'acme', source: 'suggestion-service', correlationId: 'int-1' };
    const source = { documentId: 'doc-1', title: 'Parking' };
    const first = encodeEvent(
      'assistSuggestions',
      newEnvelope({
        ...base,
        type: 'assist.suggestion.delta' as const,
        data: {
          suggestionId,
          interactionId: 'int-1',
          seq: 1,
          text: 'Yes',
          sources: [source],
          confidence: 0.8,
        },
      }) as never,
    );
    expect(first.key).toBe('int-1');
    expect(first.headers['x-event-type']).toBe('assist.suggestion.delta');
    const later = { suggestionId, interactionId: 'int-1', seq: 2, text: ', there is.' };
    expect(
      encodeEvent(
        'assistSuggestions',
        newEnvelope({ ...base, type: 'assist.suggestion.delta' as const, data: later }) as never,
      ).key,
    ).toBe('int-1');
    // the first delta must carry the sources and confidence; seq starts at 1
    expect(() =>
      encodeEvent(
        'assistSuggestions',
        newEnvelope({
          ...base,
          type: 'assist.suggestion.delta' as const,
          data: { ...later, seq: 1 },
        }) as never,
      ),
    ).toThrow(/data\.sources: required on seq 1; data\.confidence: required on seq 1/);
    expect(() =>
      encodeEvent(
        'assistSuggestions',
        newEnvelope({
          ...base,
          type: 'assist.suggestion.delta' as const,
          data: { ...later, seq: 0 },
        }) as never,
      ),
    ).toThrow(/data\.seq/);
    // the complete suggestion is unchanged
    const final = encodeEvent(
      'assistSuggestions',
      newEnvelope({
        ...base,
        type: 'assist.suggestion' as const,
        data: {
          suggestionId,
          interactionId: 'int-1',
          answer: 'Yes, there is.',
          sources: [source],
          confidence: 0.8,
          generator: 'llm' as const,
          timings: { retrievalMs: 1, generationMs: 2, totalMs: 3 },
        },
      }) as never,
    );
    expect(final.headers['x-event-type']).toBe('assist.suggestion');
    expect(() =>
      encodeEvent(
        'assistSuggestions',
        newEnvelope({ ...base, type: 'assist.suggestion.partial', data: later }) as never,
      ),
    ).toThrow(ContractViolationError);
    // AsyncAPI: one message per event type on the one channel
    const doc = buildAsyncApiDocument() as {
      channels: Record<string, { messages: Record<string, unknown> }>;
      components: { messages: Record<string, { name: string }> };
    };
    const names = Object.keys(doc.channels['hub_assist_suggestions_v1'].messages).map(
      (id) => doc.components.messages[id].name,
    );
    expect(names).toEqual(['assist.suggestion', 'assist.suggestion.delta']);
  });

  it('AsyncAPI 3 document has a channel, two operations and a message per topic, with JSON Schema payloads', () => {
    const doc = buildAsyncApiDocument() as {
      asyncapi: string;
      channels: Record<string, { address: string }>;
      operations: object;
      components: { messages: Record<string, { payload: { properties: Record<string, unknown> } }> };
    };
    expect(doc.asyncapi).toBe('3.0.0');
    expect(
      Object.values(doc.channels)
        .map((c) => c.address)
        .sort(),
    ).toEqual(allTopics.map((t) => t.name).sort());
    expect(Object.keys(doc.operations)).toHaveLength(allTopics.length * 2);
    for (const m of Object.values(doc.components.messages)) {
      expect(Object.keys(m.payload.properties)).toEqual(
        expect.arrayContaining(['id', 'tenantId', 'correlationId', 'data']),
      );
    }
    expect(jsonSchemaForTopic(Topics.workItemCommands.name)).toHaveProperty('$id');
  });
});
