import { readFileSync, readdirSync } from 'node:fs';

/** CPU seconds (user+system) per process group, read from /proc (Linux). */
export type CpuSnapshot = Map<string, number>;

const TICKS = 100; // USER_HZ on Linux

/**
 * Groups processes for the bottleneck breakdown: the three services by pid (from var/run), the
 * benchmark itself, PostgreSQL backends, the Kafka JVM(s), Redis, and everything else.
 */
export function cpuSnapshot(servicePids: Record<string, number>): CpuSnapshot {
  const byPid = new Map(Object.entries(servicePids).map(([name, pid]) => [pid, name] as const));
  const out: CpuSnapshot = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
    const pid = Number(entry);
    let group = byPid.get(pid);
    if (!group) {
      if (pid === process.pid) group = 'bench (load generator + agents)';
      else if (comm === 'postgres') group = 'postgresql';
      else if (comm === 'java') group = 'kafka (jvm)';
      else if (comm.startsWith('redis')) group = 'redis';
      else group = 'other processes';
    }
    out.set(group, (out.get(group) ?? 0) + cpu);
  }
  return out;
}

/** Cores used per group between two snapshots over `seconds` (processes that ended are not counted). */
export function coresUsed(a: CpuSnapshot, b: CpuSnapshot, seconds: number): Record<string, number> {
  const r: Record<string, number> = {};
  for (const [k, v] of b) r[k] = Math.round(((v - (a.get(k) ?? 0)) / seconds) * 100) / 100;
  return r;
}
