import { CholeskyDecomposition, Matrix } from 'ml-matrix';

/** What every intent classifier of the scope detector answers for one input vector. */
export interface IntentPrediction {
  /** Most probable label. */
  label: string;
  /** Its probability, in [0, 1]. */
  probability: number;
  /** One probability per label, in `labels` order, summing to 1. */
  probabilities: Float64Array;
}

/** A trained classifier over dense vectors (softmax regression, linear discriminant, an ensemble of them). */
export interface IntentClassifier {
  readonly labels: readonly string[];
  /** @throws Error when the input's dimensions differ from the training data's. */
  predict(input: Float32Array): IntentPrediction;
}

/**
 * The sufficient statistics of linear discriminant analysis over labelled vectors: per-label means and counts and
 * the pooled within-class covariance `S = Σᵢ (xᵢ − μ_yᵢ)(xᵢ − μ_yᵢ)ᵀ / (N − C)` (d × d). Computed once
 * (O(N·d²)), then {@link solve} gives a classifier for any shrinkage in O(d³ + d²·C): choosing the shrinkage on
 * held-out data costs one pass over the examples.
 */
export class DiscriminantStatistics {
  private constructor(
    readonly labels: readonly string[],
    readonly dims: number,
    /** [labels × dims], row-major. */
    readonly means: Float64Array,
    readonly counts: Float64Array,
    /** [dims × dims], symmetric. */
    readonly covariance: Float64Array,
  ) {}

  /**
   * Computes the statistics of `inputs[i]` labelled `labels[i]`.
   * @throws Error when inputs and labels differ in length, there are fewer than two labels, fewer examples than
   * labels + 1, or the dimensions differ.
   */
  static compute(inputs: Float32Array[], labels: string[]): DiscriminantStatistics {
    if (inputs.length !== labels.length) throw new Error('inputs and labels differ in length');
    const names = [...new Set(labels)].sort();
    if (names.length < 2) throw new Error('linear discriminant analysis needs at least two labels');
    if (inputs.length <= names.length) throw new Error('needs more examples than labels');
    const d = inputs[0].length;
    if (inputs.some((x) => x.length !== d)) throw new Error('inputs differ in dimensions');
    const index = new Map(names.map((n, i) => [n, i]));
    const C = names.length;
    const means = new Float64Array(C * d);
    const counts = new Float64Array(C);
    inputs.forEach((x, i) => {
      const c = index.get(labels[i]) as number;
      counts[c]++;
      const row = c * d;
      for (let k = 0; k < d; k++) means[row + k] += x[k];
    });
    for (let c = 0; c < C; c++) for (let k = 0; k < d; k++) means[c * d + k] /= counts[c];
    const S = new Float64Array(d * d);
    const r = new Float64Array(d);
    inputs.forEach((x, i) => {
      const row = (index.get(labels[i]) as number) * d;
      for (let k = 0; k < d; k++) r[k] = x[k] - means[row + k];
      for (let a = 0; a < d; a++) {
        const ra = r[a];
        if (ra === 0) continue;
        const base = a * d;
        for (let b = a; b < d; b++) S[base + b] += ra * r[b];
      }
    });
    const dof = inputs.length - C;
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        const v = S[a * d + b] / dof;
        S[a * d + b] = v;
        S[b * d + a] = v;
      }
    }
    return new DiscriminantStatistics(names, d, means, counts, S);
  }

  /**
   * The classifier for shrinkage `alpha` ∈ (0, 1]: covariance `Σ = (1 − α)·S + α·(tr S / d)·I` (Ledoit–Wolf-style
   * shrinkage towards a scaled identity, which keeps Σ positive definite when d is large against the examples per
   * label), logits `z_c(x) = w_cᵀx − ½ μ_cᵀw_c + log π_c` with `w_c = Σ⁻¹ μ_c` and π_c the label's share of the
   * examples, probabilities `softmax(z / temperature)`.
   * @throws Error when alpha is outside (0, 1], temperature is not positive, or Σ is not positive definite.
   */
  solve(alpha: number, temperature = 1): LinearDiscriminant {
    if (!(alpha > 0 && alpha <= 1)) throw new Error(`shrinkage must be in (0, 1], got ${alpha}`);
    if (!(temperature > 0)) throw new Error(`temperature must be positive, got ${temperature}`);
    const d = this.dims;
    const C = this.labels.length;
    let trace = 0;
    for (let k = 0; k < d; k++) trace += this.covariance[k * d + k];
    const ridge = (alpha * trace) / d;
    const sigma = new Matrix(d, d);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        sigma.set(a, b, (1 - alpha) * this.covariance[a * d + b] + (a === b ? ridge : 0));
      }
    }
    const chol = new CholeskyDecomposition(sigma);
    if (!chol.isPositiveDefinite()) throw new Error('the shrunk covariance is not positive definite');
    const M = new Matrix(d, C);
    for (let c = 0; c < C; c++) for (let k = 0; k < d; k++) M.set(k, c, this.means[c * d + k]);
    const Wm = chol.solve(M); // d × C
    const weights = new Float64Array(C * d);
    const bias = new Float64Array(C);
    const total = this.counts.reduce((a, b) => a + b, 0);
    for (let c = 0; c < C; c++) {
      let quad = 0;
      for (let k = 0; k < d; k++) {
        const w = Wm.get(k, c);
        weights[c * d + k] = w;
        quad += w * this.means[c * d + k];
      }
      bias[c] = -0.5 * quad + Math.log(this.counts[c] / total);
    }
    return new LinearDiscriminant(this.labels, weights, bias, d, temperature, alpha);
  }
}

/** The parameters of a {@link LinearDiscriminant}. */
export interface DiscriminantSnapshot {
  kind: 'discriminant';
  labels: string[];
  dims: number;
  temperature: number;
  shrinkage: number;
  /** [labels × dims], row-major. */
  weights: Float64Array;
  bias: Float64Array;
}

/**
 * A linear discriminant classifier (Fisher/Gaussian LDA with a shared, shrunk covariance; Hastie, Tibshirani &
 * Friedman, *The Elements of Statistical Learning*, §4.3): closed-form, so the same data always give the same
 * weights (no seed, no iteration count). Built by {@link DiscriminantStatistics.solve}.
 */
export class LinearDiscriminant implements IntentClassifier {
  /** The trained parameters (shared, not copied), as stored by the scope head cache. */
  toSnapshot(): DiscriminantSnapshot {
    return {
      kind: 'discriminant',
      labels: [...this.labels],
      dims: this.dims,
      temperature: this.temperature,
      shrinkage: this.shrinkage,
      weights: this.weights,
      bias: this.bias,
    };
  }

  /**
   * The classifier of a snapshot ({@link toSnapshot}).
   * @throws Error when the arrays' lengths do not match the labels and dimensions.
   */
  static fromSnapshot(s: DiscriminantSnapshot): LinearDiscriminant {
    if (s.weights.length !== s.labels.length * s.dims || s.bias.length !== s.labels.length) {
      throw new Error('discriminant snapshot: weights or bias do not match labels × dims');
    }
    return new LinearDiscriminant(s.labels, s.weights, s.bias, s.dims, s.temperature, s.shrinkage);
  }

  constructor(
    readonly labels: readonly string[],
    private readonly weights: Float64Array,
    private readonly bias: Float64Array,
    private readonly dims: number,
    readonly temperature: number,
    readonly shrinkage: number,
  ) {}

  /** The same classifier with another softmax temperature (the labels' order of scores is unchanged). */
  withTemperature(temperature: number): LinearDiscriminant {
    if (!(temperature > 0)) throw new Error(`temperature must be positive, got ${temperature}`);
    return new LinearDiscriminant(
      this.labels,
      this.weights,
      this.bias,
      this.dims,
      temperature,
      this.shrinkage,
    );
  }

  /** The logits `z_c(x)` (before the temperature), in `labels` order. */
  logits(input: Float32Array): Float64Array {
    if (input.length !== this.dims)
      throw new Error(`input has ${input.length} dimensions, expected ${this.dims}`);
    const C = this.labels.length;
    const z = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let s = this.bias[c];
      const row = c * this.dims;
      for (let k = 0; k < this.dims; k++) s += this.weights[row + k] * input[k];
      z[c] = s;
    }
    return z;
  }

  /** {@inheritDoc IntentClassifier.predict} */
  predict(input: Float32Array): IntentPrediction {
    return softmaxPrediction(this.labels, this.logits(input), this.temperature);
  }
}

/** Softmax of `logits / temperature` (numerically stable) with its arg-max. */
export function softmaxPrediction(
  labels: readonly string[],
  logits: Float64Array,
  temperature = 1,
): IntentPrediction {
  const p = new Float64Array(logits.length);
  let max = -Infinity;
  for (const z of logits) if (z > max) max = z;
  let sum = 0;
  for (let c = 0; c < logits.length; c++) {
    p[c] = Math.exp((logits[c] - max) / temperature);
    sum += p[c];
  }
  let best = 0;
  for (let c = 0; c < p.length; c++) {
    p[c] /= sum;
    if (p[c] > p[best]) best = c;
  }
  return { label: labels[best], probability: p[best], probabilities: p };
}

/**
 * The softmax temperature that minimises the mean negative log-likelihood of `gold` labels under
 * `softmax(logits / T)` (temperature scaling, Guo et al. 2017, "On Calibration of Modern Neural Networks"),
 * searched on a log grid from 0.01 to 100 and refined by golden-section search. Scaling does not change which
 * label wins, only how confident the probabilities are, which the probability gate's threshold reads.
 * @throws Error when there are no examples or a gold label is unknown.
 */
export function fitTemperature(labels: readonly string[], logits: Float64Array[], gold: string[]): number {
  if (!logits.length) throw new Error('no examples to calibrate on');
  const index = new Map(labels.map((l, i) => [l, i]));
  const y = gold.map((g) => {
    const i = index.get(g);
    if (i === undefined) throw new Error(`unknown label ${g}`);
    return i;
  });
  const nll = (logT: number) => {
    const T = Math.exp(logT);
    let total = 0;
    logits.forEach((z, n) => {
      let max = -Infinity;
      for (const v of z) if (v > max) max = v;
      let sum = 0;
      for (const v of z) sum += Math.exp((v - max) / T);
      total += Math.log(sum) - (z[y[n]] - max) / T;
    });
    return total / logits.length;
  };
  let bestLog = 0;
  let bestValue = Infinity;
  for (let g = Math.log(0.01); g <= Math.log(100) + 1e-9; g += Math.log(10) / 8) {
    const v = nll(g);
    if (v < bestValue) {
      bestValue = v;
      bestLog = g;
    }
  }
  let lo = bestLog - Math.log(10) / 8;
  let hi = bestLog + Math.log(10) / 8;
  const phi = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 30; i++) {
    const a = hi - phi * (hi - lo);
    const b = lo + phi * (hi - lo);
    if (nll(a) < nll(b)) hi = b;
    else lo = a;
  }
  return Math.exp((lo + hi) / 2);
}
