import { TargetError } from './target';

describe('TargetError', () => {
  it('is retriable only for throttling and unavailability', () => {
    expect(new TargetError('throttled', 'x').retriable).toBe(true);
    expect(new TargetError('unavailable', 'x').retriable).toBe(true);
    expect(new TargetError('auth', 'x').retriable).toBe(false);
    expect(new TargetError('invalid', 'x', 'config.instanceId').retriable).toBe(false);
  });
});
