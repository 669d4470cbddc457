/**
 * Polls `probe` until it returns a truthy value other than an empty array (returned) or `timeoutMs`
 * passes (throws with `what`, and the last error the probe threw). An empty array counts as "not yet":
 * `waitFor(() => probe.on(topic).filter(…))` would otherwise succeed at once with `[]` and leave the test
 * racing the messages it meant to wait for.
 * @param timeoutMs overall bound, ms (default 15 000)
 * @param intervalMs poll interval, ms (default 25)
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  {
    timeoutMs = 15000,
    intervalMs = 25,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v && !(Array.isArray(v) && v.length === 0)) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
