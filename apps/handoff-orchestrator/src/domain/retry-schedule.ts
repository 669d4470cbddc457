/**
 * Delay before the next durable attempt of a failed callback delivery: exponential
 * (`baseMs · 2^(attempt-1)`), capped at `capMs`, with ±`jitter` proportional randomness so many
 * failing deliveries do not retry in lockstep.
 *
 * @param attempt attempts made so far (≥ 1)
 * @param rnd random source in [0, 1) (injectable for tests)
 * @returns delay, ms
 */
export function callbackRetryDelayMs(
  attempt: number,
  baseMs: number,
  {
    capMs = 600_000,
    jitter = 0.2,
    rnd = Math.random,
  }: { capMs?: number; jitter?: number; rnd?: () => number } = {},
): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const spread = exp * jitter * (2 * rnd() - 1);
  return Math.max(0, Math.round(Math.min(capMs, exp + spread)));
}
