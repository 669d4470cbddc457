import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '@hub/config';
import { CallbackClock } from '../src/customer-callbacks/callback-clock';
import { HandoffOrchestratorConfigSchema } from '../src/config';

const base = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub',
  HUB_SECRETS_KEK: randomBytes(32).toString('base64'),
  KAFKA_BROKERS: '127.0.0.1:9092',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('CallbackClock (the customer callbacks’ test clock seam)', () => {
  it('is the system clock and refuses to move unless adjustable', () => {
    const c = new CallbackClock();
    const before = Date.now();
    const now = c.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(() => c.advance(60_000)).toThrow(/not adjustable/);
  });

  it('an adjustable clock moves forward by the offset, never back', () => {
    const c = new CallbackClock(true);
    c.advance(3_600_000);
    expect(c.now().getTime()).toBeGreaterThanOrEqual(Date.now() + 3_600_000 - 1_000);
    expect(() => c.advance(-1)).toThrow(/forward/);
  });

  it('HUB_TEST_CLOCK_ADJUSTABLE defaults to false and is refused with NODE_ENV=production', () => {
    expect(
      loadConfig('handoff-orchestrator', HandoffOrchestratorConfigSchema, base).HUB_TEST_CLOCK_ADJUSTABLE,
    ).toBe(false);
    let problems: { variable: string; message: string }[] = [];
    try {
      loadConfig('handoff-orchestrator', HandoffOrchestratorConfigSchema, {
        ...base,
        NODE_ENV: 'production',
        FORM_LINK_SECRET: randomBytes(32).toString('base64'),
        HUB_TEST_CLOCK_ADJUSTABLE: 'true',
      });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems;
    }
    expect(problems.map((p) => p.variable)).toEqual(['HUB_TEST_CLOCK_ADJUSTABLE']);
  });
});
