import { callbackRetryDelayMs } from './retry-schedule';

describe('callbackRetryDelayMs', () => {
  const mid = () => 0.5; // no jitter
  it('doubles per attempt from the base', () => {
    expect([1, 2, 3, 4].map((a) => callbackRetryDelayMs(a, 1000, { rnd: mid }))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
  });
  it('is capped', () => {
    expect(callbackRetryDelayMs(30, 1000, { rnd: mid, capMs: 60_000 })).toBe(60_000);
    expect(callbackRetryDelayMs(30, 1000, { rnd: () => 0.999, capMs: 60_000 })).toBeLessThanOrEqual(60_000);
  });
  it('jitters within ±20 %', () => {
    expect(callbackRetryDelayMs(3, 1000, { rnd: () => 0 })).toBe(3200);
    expect(callbackRetryDelayMs(3, 1000, { rnd: () => 0.9999 })).toBeCloseTo(4800, -1);
  });
});
