import {
  compareWaiting,
  freeSlots,
  freeTypes,
  nextItemForAgent,
  rankAgents,
  type AgentCandidate,
  type WaitingItem,
} from './agent-selection';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const agent = (id: string, idle: number, o: Partial<AgentCandidate> = {}): AgentCandidate => ({
  id,
  presence: 'online',
  idleSince: t(idle),
  capacity: { chat: 2, call: 1 },
  load: { chat: 0, call: 0 },
  autoAccept: false,
  ...o,
});

describe('rankAgents: longest idle among online agents with a free slot', () => {
  it('orders by idleSince ascending, then id', () => {
    const r = rankAgents([agent('c', 5), agent('b', 1), agent('a', 5)], 'chat');
    expect(r.map((a) => a.id)).toEqual(['b', 'a', 'c']);
  });

  it('drops agents that are not online, full for the type, or excluded', () => {
    const r = rankAgents(
      [
        agent('away', 0, { presence: 'away' }),
        agent('offline', 0, { presence: 'offline' }),
        agent('full-chat', 0, { load: { chat: 2, call: 0 } }),
        agent('excluded', 0),
        agent('ok', 9),
      ],
      'chat',
      new Set(['excluded']),
    );
    expect(r.map((a) => a.id)).toEqual(['ok']);
  });

  it('capacity is per type: full on chat still takes a call', () => {
    const a = agent('a', 0, { load: { chat: 2, call: 0 } });
    expect(rankAgents([a], 'call').map((x) => x.id)).toEqual(['a']);
    expect(rankAgents([a], 'chat')).toEqual([]);
  });

  it('zero capacity for a type never receives that type', () => {
    expect(rankAgents([agent('a', 0, { capacity: { chat: 0, call: 1 } })], 'chat')).toEqual([]);
  });
});

describe('freeSlots / freeTypes', () => {
  it('never negative (capacity lowered below load)', () => {
    expect(freeSlots({ capacity: { chat: 1, call: 1 }, load: { chat: 3, call: 0 } }, 'chat')).toBe(0);
    expect(freeTypes({ capacity: { chat: 1, call: 1 }, load: { chat: 3, call: 0 } })).toEqual(['call']);
  });
});

describe('waiting order', () => {
  const item = (id: string, priority: number, at: number, o: Partial<WaitingItem> = {}): WaitingItem => ({
    id,
    type: 'chat',
    priority,
    enqueuedAt: t(at),
    priorityHandling: 'priority',
    ...o,
  });

  it('highest priority first, then oldest', () => {
    const items = [item('old-low', 0, 1), item('new-high', 50, 9), item('old-high', 50, 2)];
    expect([...items].sort(compareWaiting).map((i) => i.id)).toEqual(['old-high', 'new-high', 'old-low']);
  });

  it('fifo queues ignore priority', () => {
    const items = [
      item('new-high', 90, 9, { priorityHandling: 'fifo' }),
      item('old-low', 0, 1, { priorityHandling: 'fifo' }),
    ];
    expect([...items].sort(compareWaiting).map((i) => i.id)).toEqual(['old-low', 'new-high']);
  });

  it('nextItemForAgent skips types without a free slot', () => {
    const items = [item('call-high', 99, 0, { type: 'call' }), item('chat-low', 0, 5)];
    expect(nextItemForAgent(items, { capacity: { chat: 1, call: 1 }, load: { chat: 0, call: 1 } })?.id).toBe(
      'chat-low',
    );
    expect(nextItemForAgent(items, { capacity: { chat: 1, call: 1 }, load: { chat: 0, call: 0 } })?.id).toBe(
      'call-high',
    );
    expect(
      nextItemForAgent(items, { capacity: { chat: 1, call: 1 }, load: { chat: 1, call: 1 } }),
    ).toBeNull();
  });
});
