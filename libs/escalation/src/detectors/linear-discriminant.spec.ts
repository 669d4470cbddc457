import { DiscriminantStatistics, fitTemperature, softmaxPrediction } from './linear-discriminant';
import { AveragedClassifier } from './scope-detector';
import { SoftmaxRegression } from './softmax-regression';

const v = (...xs: number[]) => Float32Array.from(xs);

describe('DiscriminantStatistics / LinearDiscriminant', () => {
  // Two classes whose means differ along x, with a strongly correlated within-class spread along (1, 1): the
  // Euclidean nearest mean is wrong for the probe below, the Mahalanobis (LDA) one is right.
  const inputs = [v(-1, -1), v(1, 1), v(0, 0), v(3, -1), v(5, 1), v(4, 0)];
  const labels = ['a', 'a', 'a', 'b', 'b', 'b'];

  it('computes per-label means and the pooled within-class covariance', () => {
    const s = DiscriminantStatistics.compute(inputs, labels);
    expect(s.labels).toEqual(['a', 'b']);
    expect(Array.from(s.means)).toEqual([0, 0, 4, 0]);
    expect(Array.from(s.counts)).toEqual([2 + 1, 3]);
    // residuals (-1,-1),(1,1),(0,0) twice → scatter [[4,4],[4,4]] / (N − C = 4)
    expect(Array.from(s.covariance)).toEqual([1, 1, 1, 1]);
  });

  it('classifies by the shared covariance, not the Euclidean distance', () => {
    const clf = DiscriminantStatistics.compute(inputs, labels).solve(0.05);
    // (2.6, 2.2) is Euclidean-closer to b's mean (4, 0)? |(-1.4, 2.2)| = 2.61 vs a's |(2.6, 2.2)| = 3.41 → b;
    // but it lies along a's direction of spread (1, 1) shifted by 0.4 across it: LDA says a.
    const probe = v(2.6, 2.2);
    expect(clf.predict(probe).label).toBe('a');
    expect(clf.predict(v(4.2, 0.1)).label).toBe('b');
    const p = clf.predict(v(-0.5, -0.5));
    expect(p.label).toBe('a');
    expect(p.probabilities.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    // full shrinkage = identity covariance = nearest mean in Euclidean distance: the probe flips to b
    expect(DiscriminantStatistics.compute(inputs, labels).solve(1).predict(probe).label).toBe('b');
  });

  it('is deterministic and the temperature only changes the confidence', () => {
    const stats = DiscriminantStatistics.compute(inputs, labels);
    const a = stats.solve(0.1).predict(v(1, 0.2));
    const b = DiscriminantStatistics.compute(inputs, labels).solve(0.1).predict(v(1, 0.2));
    expect(Array.from(a.probabilities)).toEqual(Array.from(b.probabilities));
    const hot = stats.solve(0.1, 10).predict(v(1, 0.2));
    expect(hot.label).toBe(a.label);
    expect(hot.probability).toBeLessThan(a.probability);
    expect(hot.probability).toBeGreaterThan(0.5);
  });

  it('rejects bad data, shrinkage and inputs of the wrong size', () => {
    expect(() => DiscriminantStatistics.compute([v(1)], ['a', 'b'])).toThrow('differ in length');
    expect(() => DiscriminantStatistics.compute([v(1), v(2)], ['a', 'a'])).toThrow('two labels');
    expect(() => DiscriminantStatistics.compute([v(1), v(2)], ['a', 'b'])).toThrow('more examples');
    expect(() => DiscriminantStatistics.compute([v(1), v(2), v(1, 2)], ['a', 'b', 'a'])).toThrow(
      'dimensions',
    );
    const stats = DiscriminantStatistics.compute(inputs, labels);
    expect(() => stats.solve(0)).toThrow('shrinkage');
    expect(() => stats.solve(0.1, 0)).toThrow('temperature');
    expect(() => stats.solve(0.1).predict(v(1, 2, 3))).toThrow('expected 2');
  });
});

describe('fitTemperature', () => {
  const labels = ['a', 'b'];
  it('cools overconfident logits and sharpens underconfident ones', () => {
    // logits say a by a margin of 20, but a is right only 3 times in 4: the calibrated T is large
    const over = [20, 20, 20, 20].map((m) => Float64Array.from([m, 0]));
    const tOver = fitTemperature(labels, over, ['a', 'a', 'a', 'b']);
    // the NLL optimum: sigmoid(20 / T) = 0.75 → T = 20 / ln 3
    expect(tOver).toBeCloseTo(20 / Math.log(3), 2);
    // margin 0.1, always right: T goes to the grid's low end (sharpen)
    const under = [0.1, 0.1, 0.1].map((m) => Float64Array.from([m, 0]));
    expect(fitTemperature(labels, under, ['a', 'a', 'a'])).toBeLessThan(0.02);
  });

  it('rejects empty and unknown labels', () => {
    expect(() => fitTemperature(labels, [], [])).toThrow('no examples');
    expect(() => fitTemperature(labels, [Float64Array.from([1, 0])], ['c'])).toThrow('unknown label c');
  });
});

describe('softmaxPrediction', () => {
  it('is stable for large logits', () => {
    const p = softmaxPrediction(['a', 'b'], Float64Array.from([1000, 999]));
    expect(p.label).toBe('a');
    expect(p.probability).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });
});

describe('AveragedClassifier', () => {
  it('averages its members’ probabilities', () => {
    const inputs = [v(1, 0), v(0.9, 0.1), v(0, 1), v(0.1, 0.9)];
    const labels = ['a', 'a', 'b', 'b'];
    const m1 = SoftmaxRegression.train(inputs, labels, { epochs: 5, seed: 1 });
    const m2 = SoftmaxRegression.train(inputs, labels, { epochs: 50, seed: 2 });
    const x = v(0.6, 0.4);
    const avg = new AveragedClassifier([m1, m2]).predict(x);
    const want = (m1.predict(x).probabilities[0] + m2.predict(x).probabilities[0]) / 2;
    expect(avg.probabilities[0]).toBeCloseTo(want, 12);
    expect(avg.label).toBe('a');
    expect(() => new AveragedClassifier([])).toThrow('at least one member');
    const other = SoftmaxRegression.train(inputs, ['a', 'a', 'c', 'c'], { epochs: 1 });
    expect(() => new AveragedClassifier([m1, other])).toThrow('differ in labels');
  });
});
