import { parseFailpoints } from './failpoints';
import { decodeBatchId, encodeBatchId } from './outbox/outbox-relay';

describe('failpoints (HUB_FAILPOINTS)', () => {
  it('is off unless set; parses name and name=N', () => {
    expect(parseFailpoints(undefined, 'test').size).toBe(0);
    expect(parseFailpoints('  ', 'test').size).toBe(0);
    expect([...parseFailpoints('relay.afterSend=3, relay.beforeClaim', 'test')]).toEqual([
      ['relay.afterSend', 3],
      ['relay.beforeClaim', 1],
    ]);
  });

  it('names the bad entry, and refuses production', () => {
    expect(() => parseFailpoints('relay.nope', 'test')).toThrow(/unknown failpoint "relay.nope"/);
    expect(() => parseFailpoints('relay.afterClaim=0', 'test')).toThrow(
      /relay.afterClaim=0.*positive integer/,
    );
    expect(() => parseFailpoints('relay.afterClaim', 'production')).toThrow(/must not be set in production/);
  });
});

describe('outbox batch ids', () => {
  it('round-trip the seqs of a batch compactly', () => {
    const seqs = [17n, 18n, 25n, 1_000_000n, 1_000_001n, 9_007_199_254_740_993n];
    const id = encodeBatchId(seqs);
    expect(id.startsWith('s1.')).toBe(true);
    expect([...decodeBatchId(id)]).toEqual(seqs.map(String));
    // the relay's largest logged batch (250 rows) with the largest possible gaps fits Kafka's 4096-byte metadata
    const worst = Array.from({ length: 250 }, (_, i) => BigInt(i) * 36n ** 12n);
    expect(encodeBatchId(worst).length).toBeLessThan(4096);
    expect(decodeBatchId(undefined).size).toBe(0);
    expect(decodeBatchId('other-format').size).toBe(0);
  });
});
