import { SoftmaxRegression } from './softmax-regression';

const v = (...xs: number[]) => Float32Array.from(xs);

describe('SoftmaxRegression', () => {
  const inputs = [v(1, 0, 0), v(0.9, 0.1, 0), v(0, 1, 0), v(0.1, 0.9, 0), v(0, 0, 1), v(0, 0.1, 0.9)];
  const labels = ['a', 'a', 'b', 'b', 'c', 'c'];

  it('separates separable classes and returns probabilities that sum to 1', () => {
    const model = SoftmaxRegression.train(inputs, labels, { epochs: 200, batchSize: 2, learningRate: 0.05 });
    expect(model.labels).toEqual(['a', 'b', 'c']);
    expect(model.predict(v(0.95, 0.05, 0)).label).toBe('a');
    expect(model.predict(v(0, 0.95, 0.05)).label).toBe('b');
    const p = model.predict(v(0.05, 0, 0.95));
    expect(p.label).toBe('c');
    expect(p.probability).toBeGreaterThan(0.9);
    expect(p.probabilities.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 10);
    // An input between the classes is less confident than one at a class.
    expect(model.predict(v(0.33, 0.33, 0.33)).probability).toBeLessThan(p.probability);
  });

  it('is deterministic for a seed', () => {
    const a = SoftmaxRegression.train(inputs, labels, { epochs: 3, seed: 7 }).predict(v(0.5, 0.5, 0));
    const b = SoftmaxRegression.train(inputs, labels, { epochs: 3, seed: 7 }).predict(v(0.5, 0.5, 0));
    expect(Array.from(a.probabilities)).toEqual(Array.from(b.probabilities));
  });

  it('rejects bad training data and inputs of the wrong size', () => {
    expect(() => SoftmaxRegression.train([], [])).toThrow('no training examples');
    expect(() => SoftmaxRegression.train([v(1)], ['a', 'b'])).toThrow('differ in length');
    expect(() => SoftmaxRegression.train([v(1), v(1, 2)], ['a', 'b'])).toThrow('dimensions');
    const model = SoftmaxRegression.train(inputs, labels, { epochs: 1 });
    expect(() => model.predict(v(1, 2))).toThrow('expected 3');
  });
});
