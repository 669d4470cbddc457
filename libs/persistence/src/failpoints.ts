/**
 * Failpoints: named places in the code where a test can make the process crash, to prove that a crash at
 * exactly that step loses and duplicates nothing (the technique of FoundationDB's and TiKV's `fail-rs`
 * failpoints). **Off unless `HUB_FAILPOINTS` is set**; a production process (`NODE_ENV=production`) refuses
 * to start with it set.
 *
 * `HUB_FAILPOINTS` is a comma-separated list of `name` or `name=N`: the process SIGKILLs itself (no shutdown
 * hooks, no flushing — like the OOM killer or a power cut) on the N-th time (default 1st) execution reaches
 * {@link failpoint}(`name`). Example: `HUB_FAILPOINTS=relay.afterSend=3`. Names in use:
 *
 * | name | where (libs/persistence OutboxRelay, one hit per batch) |
 * |---|---|
 * | `relay.beforeClaim` | rows committed by the business transaction, the relay about to take them |
 * | `relay.afterClaim` | batch taken (`DELETE … RETURNING`, not committed), before delivery |
 * | `relay.afterSend` | delivery acknowledged (Kafka acks=-1 / transaction committed), before the COMMIT of the delete |
 *
 * Only batches with at least one row count as hits.
 */
export type FailpointName = 'relay.beforeClaim' | 'relay.afterClaim' | 'relay.afterSend';

const NAMES: readonly FailpointName[] = ['relay.beforeClaim', 'relay.afterClaim', 'relay.afterSend'];

/**
 * Parses a `HUB_FAILPOINTS` value into name → hit that crashes.
 * @throws Error naming the bad entry (unknown name, N not a positive integer) or when `nodeEnv` is production
 */
export function parseFailpoints(
  value: string | undefined,
  nodeEnv = process.env['NODE_ENV'],
): Map<FailpointName, number> {
  const out = new Map<FailpointName, number>();
  if (!value?.trim()) return out;
  if (nodeEnv === 'production')
    throw new Error('HUB_FAILPOINTS: failpoints are for tests and must not be set in production');
  for (const entry of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, n = '1'] = entry.split('=');
    if (!NAMES.includes(name as FailpointName))
      throw new Error(`HUB_FAILPOINTS: unknown failpoint "${name}" (known: ${NAMES.join(', ')})`);
    if (!/^[1-9]\d*$/.test(n)) throw new Error(`HUB_FAILPOINTS: "${entry}": N must be a positive integer`);
    out.set(name as FailpointName, Number(n));
  }
  return out;
}

let armed: Map<FailpointName, number> | undefined;
const hits = new Map<FailpointName, number>();

/**
 * Reads `HUB_FAILPOINTS` now (call at start-up: a malformed value fails fast) and says whether `name` is armed.
 * @throws Error when `HUB_FAILPOINTS` is malformed or set in production
 */
export function failpointArmed(name?: FailpointName): boolean {
  armed ??= parseFailpoints(process.env['HUB_FAILPOINTS']);
  return name === undefined ? armed.size > 0 : armed.has(name);
}

/**
 * Marks a failpoint: a no-op (one map lookup) unless `HUB_FAILPOINTS` arms `name`; on its N-th hit the process
 * writes one line to stderr and SIGKILLs itself.
 * @throws Error (on the first call) when `HUB_FAILPOINTS` is malformed or set in production
 */
export function failpoint(name: FailpointName): void {
  armed ??= parseFailpoints(process.env['HUB_FAILPOINTS']);
  const at = armed.get(name);
  if (at === undefined) return;
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  if (n !== at) return;
  process.stderr.write(`failpoint ${name} hit ${n}: SIGKILL pid ${process.pid}\n`);
  process.kill(process.pid, 'SIGKILL');
}
