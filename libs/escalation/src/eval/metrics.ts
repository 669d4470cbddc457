/** Counts and rates of a binary detector ("needs a human") against gold labels. */
export interface BinaryMetrics {
  n: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** tp ÷ (tp + fp); null when nothing was predicted positive. */
  precision: number | null;
  /** tp ÷ (tp + fn); null when there are no positives. */
  recall: number | null;
  /** Harmonic mean of precision and recall; null when either is null. */
  f1: number | null;
  /** fp ÷ (fp + tn): share of gold-negative lines flagged; null when there are no negatives. */
  falseEscalationRate: number | null;
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

/** Precision, recall, F1 and false-escalation rate of `predicted` against `gold` (true = escalate). */
export function binaryMetrics(rows: { gold: boolean; predicted: boolean }[]): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const r of rows) {
    if (r.gold && r.predicted) tp++;
    else if (!r.gold && r.predicted) fp++;
    else if (r.gold) fn++;
    else tn++;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const f1 =
    precision === null || recall === null
      ? null
      : precision + recall === 0
        ? 0
        : (2 * precision * recall) / (precision + recall);
  return { n: rows.length, tp, fp, fn, tn, precision, recall, f1, falseEscalationRate: ratio(fp, fp + tn) };
}

/** One evaluated line of an out-of-scope data set. */
export interface OosRow {
  gold: 'in_scope' | 'oos';
  goldIntent?: string;
  predictedInScope: boolean;
  predictedIntent: string;
}

/** Figures of Larson et al. 2019 (CLINC150). */
export interface OosMetrics {
  inScope: number;
  oos: number;
  /** In-scope lines predicted in scope with the gold intent ÷ in-scope lines (an OOS prediction counts as wrong). */
  inScopeAccuracy: number | null;
  /** OOS lines predicted out of scope ÷ OOS lines. */
  oosRecall: number | null;
  /** OOS lines predicted out of scope ÷ lines predicted out of scope. */
  oosPrecision: number | null;
}

/** In-scope intent accuracy and out-of-scope recall/precision (Larson et al. 2019, §4). */
export function oosMetrics(rows: OosRow[]): OosMetrics {
  const ins = rows.filter((r) => r.gold === 'in_scope');
  const oos = rows.filter((r) => r.gold === 'oos');
  const correct = ins.filter((r) => r.predictedInScope && r.predictedIntent === r.goldIntent).length;
  const caught = oos.filter((r) => !r.predictedInScope).length;
  const flagged = rows.filter((r) => !r.predictedInScope).length;
  return {
    inScope: ins.length,
    oos: oos.length,
    inScopeAccuracy: ratio(correct, ins.length),
    oosRecall: ratio(caught, oos.length),
    oosPrecision: ratio(caught, flagged),
  };
}

/** Formats a rate for printing: 4 decimals, or "n/a" for null. */
export function fmt(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(4);
}
