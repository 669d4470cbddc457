import { decodeDeadLetter, decodeEvent, type RawRecord } from './decode';
import { EventStore } from './event-store';

const T0 = Date.parse('2026-12-02T10:00:00.000Z');

function record(over: Partial<RawRecord> & { env?: Record<string, unknown> }): RawRecord {
  const { env, ...rest } = over;
  return {
    topic: 'hub.conversation.events.v1',
    partition: 0,
    offset: '0',
    key: 'call-1',
    value: JSON.stringify({
      id: '7e446f47-d70a-4079-90b7-37d69cf92382',
      type: 'conversation.event',
      tenantId: 'acme',
      source: 'connector-audiohook',
      correlationId: 'call-1',
      occurredAt: '2026-12-02T09:59:59.000Z',
      data: { kind: 'utterance' },
      ...env,
    }),
    timestamp: String(T0),
    headers: {},
    ...rest,
  };
}

describe('decode', () => {
  it('reads the envelope fields, and keeps a non-JSON value as raw text', () => {
    expect(decodeEvent(record({}))).toMatchObject({
      eventId: '7e446f47-d70a-4079-90b7-37d69cf92382',
      tenantId: 'acme',
      source: 'connector-audiohook',
      correlationId: 'call-1',
      occurredAt: '2026-12-02T09:59:59.000Z',
      loggedAt: '2026-12-02T10:00:00.000Z',
      data: { kind: 'utterance' },
    });
    const raw = decodeEvent(record({ value: 'not json{' }));
    expect([raw.eventId, raw.tenantId, raw.data, raw.occurredAt]).toEqual([
      null,
      null,
      'not json{',
      '2026-12-02T10:00:00.000Z',
    ]);
  });

  it('reads the dead-letter headers libs/messaging writes', () => {
    const d = decodeDeadLetter(
      record({
        topic: 'hub.conversation.events.v1.dlq',
        headers: {
          'x-dlq-reason': 'schema_invalid',
          'x-dlq-error': 'id: Invalid UUID',
          'x-dlq-attempts': '1',
          'x-dlq-original-topic': 'hub.conversation.events.v1',
          'x-dlq-original-partition': '2',
          'x-dlq-original-offset': '41',
          'x-dlq-consumer-group': 'suggestion-service',
          'x-dlq-failed-at': '2026-12-02T10:00:01.000Z',
        },
      }),
    );
    expect(d).toMatchObject({
      dlqTopic: 'hub.conversation.events.v1.dlq',
      originalTopic: 'hub.conversation.events.v1',
      originalPartition: 2,
      originalOffset: '41',
      reason: 'schema_invalid',
      error: 'id: Invalid UUID',
      attempts: 1,
      consumerGroup: 'suggestion-service',
      failedAt: '2026-12-02T10:00:01.000Z',
    });
    expect(decodeDeadLetter(record({ topic: 'hub.x.v1.dlq' })).originalTopic).toBe('hub.x.v1');
  });
});

describe('EventStore', () => {
  const store = () => new EventStore({ perTopic: 3, perDlq: 2, windowSeconds: 60 });

  it('keeps the newest events per topic and finds a conversation by correlation id or key, per tenant', () => {
    const s = store();
    for (let i = 0; i < 5; i++)
      s.addEvent(decodeEvent(record({ offset: String(i), timestamp: String(T0 + i * 1000) })), T0 + 5000);
    s.addEvent(
      decodeEvent(record({ topic: 'hub.handoff.requested.v1', key: 'call-1', env: { correlationId: 'x' } })),
    );
    s.addEvent(
      decodeEvent(record({ env: { tenantId: 'globex' }, offset: '9', timestamp: String(T0 + 9000) })),
    );
    const mine = s.conversation('call-1', 'acme', 10);
    // perTopic 3: the conversation-events topic kept offsets 3, 4 and globex's 9 → acme has 3, 4; plus the handoff (by key)
    expect(mine.map((e) => `${e.topic}:${e.offset}`)).toEqual([
      'hub.conversation.events.v1:4',
      'hub.conversation.events.v1:3',
      'hub.handoff.requested.v1:0',
    ]);
    expect(s.conversation('call-1', 'globex', 10).map((e) => e.offset)).toEqual(['9']);
    expect(s.conversation('call-1', null, 2)).toHaveLength(2);
  });

  it('health: events and rate in the window per (tenant, source, topic), last seen, errors from dead letters', () => {
    const s = store();
    const now = T0 + 120_000;
    s.addEvent(decodeEvent(record({ timestamp: String(T0) })), now); // outside the 60 s window
    s.addEvent(decodeEvent(record({ offset: '2', timestamp: String(now - 10_000) })), now);
    s.addEvent(decodeEvent(record({ offset: '1', timestamp: String(now - 20_000) })), now); // out of order
    s.addEvent(
      decodeEvent(record({ env: { source: 'connector-8x8' }, timestamp: String(now - 5_000) })),
      now,
    );
    s.addDeadLetter(
      decodeDeadLetter(
        record({
          topic: 'hub.conversation.events.v1.dlq',
          headers: {
            'x-dlq-reason': 'permanent_error',
            'x-dlq-failed-at': new Date(now - 1000).toISOString(),
          },
        }),
      ),
    );
    const h = s.health('acme', now);
    expect(h).toEqual([
      {
        tenantId: 'acme',
        source: 'connector-audiohook',
        topic: 'hub.conversation.events.v1',
        events: 2,
        ratePerMinute: 2,
        lastSeen: new Date(now - 10_000).toISOString(),
        errors: 1,
      },
      expect.objectContaining({ source: 'connector-8x8', events: 1, errors: 0 }),
    ]);
    expect(s.health('globex', now)).toEqual([]);
  });

  it('dead letters: newest first, bounded per DLQ, found by position; the same position replaces', () => {
    const s = store();
    const dl = (offset: string, at: string, env: Record<string, unknown> = {}) =>
      decodeDeadLetter(
        record({ topic: 'hub.conversation.events.v1.dlq', offset, env, headers: { 'x-dlq-failed-at': at } }),
      );
    s.addDeadLetter(dl('0', '2026-12-02T10:00:00.000Z'));
    s.addDeadLetter(dl('1', '2026-12-02T10:00:02.000Z'));
    s.addDeadLetter(dl('1', '2026-12-02T10:00:02.000Z'));
    s.addDeadLetter(dl('2', '2026-12-02T10:00:01.000Z', { tenantId: 'globex' }));
    expect(s.deadLetters({ tenantId: null, limit: 10 }).map((d) => d.offset)).toEqual(['1', '2']); // 0 dropped
    expect(s.deadLetters({ tenantId: 'acme', limit: 10 }).map((d) => d.offset)).toEqual(['1']);
    expect(s.deadLetters({ tenantId: 'acme', topic: 'hub.handoff.requested.v1', limit: 10 })).toEqual([]);
    expect(s.deadLetter('hub.conversation.events.v1.dlq', 0, '1')?.reason).toBe('unknown');
    expect(s.deadLetter('hub.conversation.events.v1.dlq', 0, '0')).toBeNull();
  });
});
