import { binaryMetrics, fmt, oosMetrics } from './metrics';

describe('binaryMetrics', () => {
  it('computes precision, recall, F1 and false-escalation rate (hand-computed)', () => {
    // 3 TP, 1 FP, 2 FN, 4 TN → P = 3/4, R = 3/5, F1 = 2·0.75·0.6/1.35 = 2/3, FER = 1/5.
    const rows = [
      ...Array.from({ length: 3 }, () => ({ gold: true, predicted: true })),
      { gold: false, predicted: true },
      ...Array.from({ length: 2 }, () => ({ gold: true, predicted: false })),
      ...Array.from({ length: 4 }, () => ({ gold: false, predicted: false })),
    ];
    expect(binaryMetrics(rows)).toEqual({
      n: 10,
      tp: 3,
      fp: 1,
      fn: 2,
      tn: 4,
      precision: 0.75,
      recall: 0.6,
      f1: expect.closeTo(2 / 3, 12),
      falseEscalationRate: 0.2,
    });
  });

  it('gives a false-escalation rate and no precision/recall for a file of only "none" lines', () => {
    const m = binaryMetrics([
      { gold: false, predicted: false },
      { gold: false, predicted: true },
      { gold: false, predicted: false },
      { gold: false, predicted: false },
    ]);
    expect(m.falseEscalationRate).toBe(0.25);
    expect(m.recall).toBeNull();
    expect(m.f1).toBeNull();
    expect(fmt(m.recall)).toBe('n/a');
  });
});

describe('oosMetrics', () => {
  it('counts an in-scope line rejected as OOS as wrong (Larson et al. 2019)', () => {
    const m = oosMetrics([
      { gold: 'in_scope', goldIntent: 'a', predictedInScope: true, predictedIntent: 'a' },
      { gold: 'in_scope', goldIntent: 'a', predictedInScope: true, predictedIntent: 'b' },
      { gold: 'in_scope', goldIntent: 'b', predictedInScope: false, predictedIntent: 'b' },
      { gold: 'in_scope', goldIntent: 'b', predictedInScope: true, predictedIntent: 'b' },
      { gold: 'oos', predictedInScope: false, predictedIntent: 'a' },
      { gold: 'oos', predictedInScope: true, predictedIntent: 'a' },
    ]);
    expect(m).toEqual({ inScope: 4, oos: 2, inScopeAccuracy: 0.5, oosRecall: 0.5, oosPrecision: 0.5 });
    expect(fmt(m.inScopeAccuracy)).toBe('0.5000');
  });
});
