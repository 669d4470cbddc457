import { normalizeValence, recentCustomerText } from './sentiment-normalization';

describe('normalizeValence', () => {
  it('is 0 at 0, symmetric, monotonic and bounded by (-1, 1)', () => {
    expect(normalizeValence(0)).toBe(0);
    expect(normalizeValence(1)).toBeCloseTo(0.25, 4);
    expect(normalizeValence(-3)).toBeCloseTo(-0.6124, 4);
    expect(normalizeValence(8)).toBeCloseTo(0.8998, 3);
    let prev = -1;
    for (let x = -50; x <= 50; x += 1) {
      const v = normalizeValence(x);
      expect(v).toBeGreaterThan(-1);
      expect(v).toBeLessThan(1);
      expect(v).toBeGreaterThanOrEqual(prev);
      expect(normalizeValence(-x)).toBe(-v === 0 ? 0 : -v);
      prev = v;
    }
  });
  it('returns 0 for non-finite input', () => {
    expect(normalizeValence(Number.NaN)).toBe(0);
  });
});

describe('recentCustomerText', () => {
  const at = '2026-01-01T10:00:00Z';
  it('keeps only the last n non-empty user lines, oldest first', () => {
    const text = recentCustomerText(
      [
        { role: 'user', text: 'one', timestamp: at },
        { role: 'bot', text: 'bot line', timestamp: at },
        { role: 'user', text: '  ', timestamp: at },
        { role: 'user', text: 'two', timestamp: at },
        { role: 'user', text: 'three', timestamp: at },
      ],
      2,
    );
    expect(text).toBe('two\nthree');
  });
  it('is empty when the customer said nothing', () => {
    expect(recentCustomerText([{ role: 'bot', text: 'hello', timestamp: at }])).toBe('');
  });
});
