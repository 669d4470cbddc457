import { build, type Histogram } from 'hdr-histogram-js';

/** Percentile summary of a latency series, milliseconds (3 significant digits, HdrHistogram). */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Records latencies (ms, microsecond resolution) into an HdrHistogram (hdr-histogram-js). */
export class LatencyRecorder {
  private readonly h: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });

  /** @param ms latency in milliseconds (negative values are clamped to 0) */
  record(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  summary(): LatencySummary {
    const at = (p: number) => round(this.h.getValueAtPercentile(p) / 1000);
    return {
      count: this.h.totalCount,
      p50: at(50),
      p95: at(95),
      p99: at(99),
      max: round(this.h.maxValue / 1000),
      mean: round(this.h.mean / 1000),
    };
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** `p50 / p95 / p99` for a table cell. */
export function fmt(s: LatencySummary, unit = 'ms'): string {
  return s.count ? `${s.p50} / ${s.p95} / ${s.p99} ${unit} (n=${s.count})` : 'n/a';
}
