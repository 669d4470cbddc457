/**
 * Sampling and verdicts shared by the soaks (issue 14 "Also measure"): `/metrics` of a service (RSS, heap,
 * event-loop lag p99), PostgreSQL table sizes, Kafka consumer lag of a topic namespace, and the growth verdict per
 * series (`tools/bench/resource-soak.ts` for the handoff path, `npm run bench:assist -- --sample-every S` for
 * Agent Assist).
 */
import type { Kafka } from 'kafkajs';
import type { Client } from 'pg';

/** One sample of everything, at `t` seconds into the run. */
export interface Sample {
  t: number;
  load1: number;
  services: Record<string, { rssBytes: number; heapUsedBytes: number; loopLagP99Ms: number } | null>;
  tables: Record<string, { bytes: number; rows: number }>;
  consumerLag: Record<string, number>;
  /** Units of work done so far (handoffs, suggestions), for growth per unit. */
  units: number;
}

/** The value of a prom-client metric line (`name{labels} value`) in a `/metrics` text, or NaN. */
export function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/** RSS, heap used and event-loop lag p99 of a service from its `/metrics`, or null when it does not answer. */
export async function serviceSample(url: string) {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    return {
      rssBytes: metric(text, 'process_resident_memory_bytes'),
      heapUsedBytes: metric(text, 'nodejs_heap_size_used_bytes'),
      loopLagP99Ms: metric(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
    };
  } catch {
    return null; // not up (yet): the sample says so
  }
}

/** Total size (table + indexes + TOAST) and live rows of every user table. */
export async function tableSample(pg: Client): Promise<Sample['tables']> {
  const r = await pg.query<{ name: string; bytes: string; rows: string }>(
    `SELECT relname AS name, pg_total_relation_size(relid)::text AS bytes, n_live_tup::text AS rows
       FROM pg_stat_user_tables`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, { bytes: Number(x.bytes), rows: Number(x.rows) }]));
}

/** Consumer lag (messages) of every group of `namespace`'s topics: high watermark − committed offset. */
export async function lagSample(
  admin: ReturnType<Kafka['admin']>,
  namespace: string,
): Promise<Sample['consumerLag']> {
  const out: Sample['consumerLag'] = {};
  const { groups } = await admin.listGroups();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
  const highs = new Map<string, Map<number, number>>();
  for (const t of topics) {
    highs.set(t, new Map((await admin.fetchTopicOffsets(t)).map((p) => [p.partition, Number(p.high)])));
  }
  for (const g of groups.filter((x) => x.groupId.startsWith(namespace))) {
    let lag = 0;
    for (const t of await admin.fetchOffsets({ groupId: g.groupId, topics })) {
      for (const p of t.partitions) {
        const high = highs.get(t.topic)?.get(p.partition) ?? 0;
        if (Number(p.offset) >= 0) lag += Math.max(0, high - Number(p.offset));
      }
    }
    out[g.groupId] = lag;
  }
  return out;
}

/** Least-squares slope of `ys` over `xs` (per second). */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}

/** Second-quarter vs last-quarter means of a series (after the warm-up quarter) and the slope over both. */
export function trend(samples: Sample[], pick: (s: Sample) => number | undefined) {
  const pts = samples
    .map((s) => [s.t, pick(s)] as const)
    .filter((p): p is [number, number] => Number.isFinite(p[1]));
  const q = Math.floor(pts.length / 4);
  const mean = (a: (readonly [number, number])[]) => a.reduce((x, p) => x + p[1], 0) / Math.max(1, a.length);
  const body = pts.slice(q);
  return {
    first: pts[0]?.[1] ?? Number.NaN,
    last: pts.at(-1)?.[1] ?? Number.NaN,
    q2: mean(pts.slice(q, 2 * q)),
    q4: mean(pts.slice(3 * q)),
    slopePerMin:
      slope(
        body.map((p) => p[0]),
        body.map((p) => p[1]),
      ) * 60,
  };
}

/**
 * The Markdown rows of a soak report: per service RSS, heap and loop lag, per consumer group its lag, each with
 * first / 2nd-quarter / last-quarter / last values, slope per minute and the verdict ("bounded" when the last
 * quarter is within 10 % (memory), 50 ms (lag) or 1,000 messages of the second quarter).
 */
export function soakRows(samples: Sample[], services: readonly string[]): string[] {
  const rows: string[] = [];
  const verdict = (ok: boolean) => (ok ? 'bounded' : '**grows**');
  for (const s of services) {
    const rss = trend(samples, (x) => x.services[s]?.rssBytes);
    const heap = trend(samples, (x) => x.services[s]?.heapUsedBytes);
    const lag = trend(samples, (x) => x.services[s]?.loopLagP99Ms);
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    rows.push(
      `| ${s} RSS (MiB) | ${mib(rss.first)} | ${mib(rss.q2)} | ${mib(rss.q4)} | ${mib(rss.last)} | ${(rss.slopePerMin / 2 ** 20).toFixed(2)} | ${verdict(rss.q4 <= rss.q2 * 1.1)} |`,
      `| ${s} heap used (MiB) | ${mib(heap.first)} | ${mib(heap.q2)} | ${mib(heap.q4)} | ${mib(heap.last)} | ${(heap.slopePerMin / 2 ** 20).toFixed(2)} | ${verdict(heap.q4 <= heap.q2 * 1.1)} |`,
      `| ${s} event-loop lag p99 (ms) | ${lag.first.toFixed(1)} | ${lag.q2.toFixed(1)} | ${lag.q4.toFixed(1)} | ${lag.last.toFixed(1)} | ${lag.slopePerMin.toFixed(2)} | ${verdict(lag.q4 <= lag.q2 + 50)} |`,
    );
  }
  for (const g of Object.keys(samples.at(-1)?.consumerLag ?? {})) {
    const l = trend(samples, (x) => x.consumerLag[g]);
    rows.push(
      `| consumer lag ${g} (messages) | ${l.first} | ${l.q2.toFixed(0)} | ${l.q4.toFixed(0)} | ${l.last} | ${l.slopePerMin.toFixed(1)} | ${verdict(l.q4 <= l.q2 + 1000)} |`,
    );
  }
  return rows;
}

/** Per-table rows of a soak report: size at the end, bytes and rows added per unit of work. */
export function tableRows(samples: Sample[]): string[] {
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const units = Math.max(1, last.units - first.units);
  return Object.keys(last.tables)
    .map((name) => ({
      name,
      bytes: (last.tables[name]!.bytes - (first.tables[name]?.bytes ?? 0)) / units,
      rows: (last.tables[name]!.rows - (first.tables[name]?.rows ?? 0)) / units,
      total: last.tables[name]!.bytes,
    }))
    .filter((x) => x.bytes !== 0 || x.rows !== 0)
    .sort((a, b) => b.bytes - a.bytes)
    .map(
      (x) =>
        `| ${x.name} | ${(x.total / 2 ** 20).toFixed(1)} | ${x.bytes.toFixed(0)} | ${x.rows.toFixed(2)} |`,
    );
}
