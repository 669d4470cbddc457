import { waitFor } from '../src/wait-for';

describe('waitFor', () => {
  it('keeps polling while the probe answers an empty array, and returns the first non-empty one', async () => {
    const arrived: string[] = [];
    setTimeout(() => arrived.push('m1'), 100);
    let polls = 0;
    const got = await waitFor(
      () => {
        polls += 1;
        return arrived.filter((m) => m.startsWith('m'));
      },
      { what: 'a message', intervalMs: 5 },
    );
    expect(got).toEqual(['m1']);
    expect(polls).toBeGreaterThan(1); // [] did not end the wait
  });

  it('returns the first truthy value; retries a probe that throws; times out naming what and the last error', async () => {
    let n = 0;
    expect(
      await waitFor(
        () => {
          n += 1;
          if (n < 3) throw new Error(`not yet ${n}`);
          return n;
        },
        { intervalMs: 1 },
      ),
    ).toBe(3);
    await expect(
      waitFor(
        () => {
          throw new Error('still down');
        },
        { timeoutMs: 50, intervalMs: 5, what: 'the broker' },
      ),
    ).rejects.toThrow(/timed out after 50 ms waiting for the broker: still down/);
    await expect(waitFor(() => [], { timeoutMs: 30, intervalMs: 5, what: 'rows' })).rejects.toThrow(
      /waiting for rows/,
    );
  });
});
