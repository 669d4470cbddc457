import { ZodError } from 'zod';
import { evaluateRules, parseRules } from './rules';

describe('parseRules', () => {
  it('applies defaults and accepts keyword rules and routing conditions', () => {
    const rules = parseRules([
      { id: 'refund', kind: 'keyword', keywords: ['refund', 'money back'] },
      {
        id: 'vip-voice',
        kind: 'condition',
        when: { channels: ['voice'], attributes: { tier: 'gold' } },
        path: 'live_agent',
      },
    ]);
    expect(rules[0]).toMatchObject({ category: 'general', enabled: true });
    expect(rules[1]).toMatchObject({ kind: 'condition', path: 'live_agent' });
  });

  it.each([
    [[{ id: 'x', kind: 'keyword', keywords: [] }], '0.keywords'],
    [[{ id: 'x', kind: 'keyword', keywords: ['a'], category: 'astrology' }], '0.category'],
    [[{ id: 'x', kind: 'keyword', keywords: ['a'], path: 'fax' }], '0.path'],
    [
      [
        {
          id: 'x',
          kind: 'condition',
          when: { time: { timeZone: 'Mars/Olympus', from: '09:00', to: '17:00' } },
        },
      ],
      '0.when.time.timeZone',
    ],
    [
      [{ id: 'x', kind: 'condition', when: { time: { timeZone: 'UTC', from: '9am', to: '17:00' } } }],
      '0.when.time.from',
    ],
    [[{ id: 'x', kind: 'condition', when: {} }], '0.when'],
    [
      [
        { id: 'a', kind: 'keyword', keywords: ['a'] },
        { id: 'a', kind: 'keyword', keywords: ['b'] },
      ],
      '1.id',
    ],
  ])('rejects %j naming %s', (input, field) => {
    try {
      parseRules(input);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ZodError);
      expect((e as ZodError).issues.map((i) => i.path.join('.'))).toContain(field);
    }
  });
});

describe('evaluateRules', () => {
  const rules = parseRules([
    { id: 'cancel', kind: 'keyword', keywords: ['cancel', 'close my account'], path: 'form' },
    {
      id: 'fraud',
      kind: 'keyword',
      keywords: ['fraud', 'stolen card', 'unauthorized charge'],
      category: 'fraud',
      path: 'live_agent',
    },
    { id: 'off', kind: 'keyword', keywords: ['hello'], enabled: false },
    {
      id: 'after-hours',
      kind: 'condition',
      when: {
        time: {
          timeZone: 'Europe/Berlin',
          days: ['mon', 'tue', 'wed', 'thu', 'fri'],
          from: '18:00',
          to: '08:00',
        },
      },
      path: 'callback',
    },
    { id: 'angry-billing', kind: 'condition', when: { intents: ['bill_balance'], sentimentBelow: -0.3 } },
  ]);
  // Wednesday 2026-12-02 12:00 UTC = 13:00 in Berlin (inside office hours).
  const noon = new Date('2026-12-02T12:00:00Z');

  it('matches whole words and phrases case-insensitively, regulated categories first', () => {
    const m = evaluateRules(rules, {
      text: 'Please CANCEL it, there is an unauthorized   charge on my card',
      now: noon,
    });
    expect(m.map((x) => x.ruleId)).toEqual(['fraud', 'cancel']);
    expect(m[0]).toMatchObject({
      regulated: true,
      category: 'fraud',
      path: 'live_agent',
      evidence: 'keyword "unauthorized charge"',
    });
    expect(evaluateRules(rules, { text: 'the cancellation fee', now: noon })).toEqual([]);
    expect(evaluateRules(rules, { text: 'hello', now: noon })).toEqual([]);
  });

  it('evaluates time windows in the tenant time zone, wrapping past midnight', () => {
    const late = new Date('2026-12-02T21:30:00Z'); // 22:30 Berlin, Wednesday
    const early = new Date('2026-12-03T06:00:00Z'); // 07:00 Berlin, Thursday
    const saturday = new Date('2026-12-05T21:30:00Z');
    expect(evaluateRules(rules, { text: 'hi', now: late }).map((x) => x.ruleId)).toEqual(['after-hours']);
    expect(evaluateRules(rules, { text: 'hi', now: early }).map((x) => x.ruleId)).toEqual(['after-hours']);
    expect(evaluateRules(rules, { text: 'hi', now: noon })).toEqual([]);
    expect(evaluateRules(rules, { text: 'hi', now: saturday })).toEqual([]);
  });

  it('requires every criterion of a condition', () => {
    const ctx = { text: 'why is my bill so high', intent: 'bill_balance', now: noon };
    expect(evaluateRules(rules, { ...ctx, sentiment: -0.6 })[0]).toMatchObject({
      ruleId: 'angry-billing',
      evidence: 'intent=bill_balance, sentiment=-0.6<-0.3',
    });
    expect(evaluateRules(rules, { ...ctx, sentiment: 0.2 })).toEqual([]);
    expect(evaluateRules(rules, { ...ctx })).toEqual([]);
  });
});
