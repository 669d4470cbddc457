/**
 * Multinomial logistic regression (softmax classifier) over dense feature vectors, trained by mini-batch Adam
 * (Kingma & Ba 2015) on the cross-entropy loss with L2 weight decay. Deterministic: shuffling uses a seeded
 * PRNG, so the same data and options give the same weights.
 */
export interface SoftmaxTrainOptions {
  /** Passes over the data (default 6). */
  epochs?: number;
  /** Adam step size (default 0.003). */
  learningRate?: number;
  /** Examples per step (default 64). */
  batchSize?: number;
  /** L2 weight decay (default 1e-4). */
  l2?: number;
  /**
   * Inputs are multiplied by this before training and prediction (default 30): unit-length sentence embeddings
   * have small dot products, so a fixed scale lets the classifier reach confident probabilities in few epochs.
   */
  inputScale?: number;
  /** PRNG seed for the shuffling (default 1). */
  seed?: number;
}

/** Mulberry32: a small seeded 32-bit PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The trained parameters of a {@link SoftmaxRegression}, as stored by the scope head cache. */
export interface SoftmaxSnapshot {
  kind: 'softmax';
  labels: string[];
  dims: number;
  inputScale: number;
  /** [labels × dims], row-major per label. */
  weights: Float32Array;
  bias: Float32Array;
}

/** A trained softmax classifier: `predict(x)` gives one probability per label (summing to 1). */
export class SoftmaxRegression {
  private constructor(
    readonly labels: readonly string[],
    private readonly weights: Float32Array, // [labels × dims], row-major per label
    private readonly bias: Float32Array,
    private readonly dims: number,
    private readonly inputScale: number,
  ) {}

  /** The trained parameters (shared, not copied). */
  toSnapshot(): SoftmaxSnapshot {
    return {
      kind: 'softmax',
      labels: [...this.labels],
      dims: this.dims,
      inputScale: this.inputScale,
      weights: this.weights,
      bias: this.bias,
    };
  }

  /**
   * The classifier of a snapshot ({@link toSnapshot}).
   * @throws Error when the arrays' lengths do not match the labels and dimensions.
   */
  static fromSnapshot(s: SoftmaxSnapshot): SoftmaxRegression {
    if (s.weights.length !== s.labels.length * s.dims || s.bias.length !== s.labels.length) {
      throw new Error('softmax snapshot: weights or bias do not match labels × dims');
    }
    return new SoftmaxRegression(s.labels, s.weights, s.bias, s.dims, s.inputScale);
  }

  /**
   * Trains on `inputs[i]` labelled `labels[i]`.
   * @throws Error when inputs and labels differ in length, there are no inputs, or dimensions differ.
   */
  static train(
    inputs: Float32Array[],
    labels: string[],
    options: SoftmaxTrainOptions = {},
  ): SoftmaxRegression {
    if (inputs.length !== labels.length) throw new Error('inputs and labels differ in length');
    if (!inputs.length) throw new Error('no training examples');
    const dims = inputs[0].length;
    if (inputs.some((x) => x.length !== dims)) throw new Error('inputs differ in dimensions');
    const names = [...new Set(labels)].sort();
    const index = new Map(names.map((n, i) => [n, i]));
    const y = labels.map((l) => index.get(l) as number);
    const C = names.length;
    const epochs = options.epochs ?? 6;
    const lr = options.learningRate ?? 0.003;
    const batchSize = options.batchSize ?? 64;
    const l2 = options.l2 ?? 1e-4;
    const scale = options.inputScale ?? 30;
    const rand = mulberry32(options.seed ?? 1);
    const W = new Float32Array(C * dims);
    const b = new Float32Array(C);
    const mW = new Float32Array(C * dims);
    const vW = new Float32Array(C * dims);
    const mb = new Float32Array(C);
    const vb = new Float32Array(C);
    const gW = new Float32Array(C * dims);
    const gb = new Float32Array(C);
    const order = inputs.map((_, i) => i);
    // the batch's scaled inputs [batchSize × dims] and its loss gradients w.r.t. the logits [batchSize × C]
    const X = new Float32Array(batchSize * dims);
    const G = new Float64Array(batchSize * C);
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let start = 0; start < order.length; start += batchSize) {
        const n = Math.min(batchSize, order.length - start);
        for (let k = 0; k < n; k++) {
          const src = inputs[order[start + k]];
          const base = k * dims;
          for (let d = 0; d < dims; d++) X[base + d] = src[d] * scale;
        }
        logitsInto(W, b, X, n, dims, C, G);
        for (let k = 0; k < n; k++) {
          softmaxRow(G, k * C, C);
          G[k * C + y[order[start + k]]] -= 1;
        }
        gradientInto(G, X, n, dims, C, gW, gb);
        step++;
        const c1 = 1 - 0.9 ** step;
        const c2 = 1 - 0.999 ** step;
        for (let k = 0; k < W.length; k++) {
          const g = gW[k] + l2 * W[k];
          mW[k] = 0.9 * mW[k] + 0.1 * g;
          vW[k] = 0.999 * vW[k] + 0.001 * g * g;
          W[k] -= (lr * (mW[k] / c1)) / (Math.sqrt(vW[k] / c2) + 1e-8);
        }
        for (let c = 0; c < C; c++) {
          mb[c] = 0.9 * mb[c] + 0.1 * gb[c];
          vb[c] = 0.999 * vb[c] + 0.001 * gb[c] * gb[c];
          b[c] -= (lr * (mb[c] / c1)) / (Math.sqrt(vb[c] / c2) + 1e-8);
        }
      }
    }
    return new SoftmaxRegression(names, W, b, dims, scale);
  }

  /**
   * Probability of each label (in `labels` order) for one input, plus the most probable label and its probability.
   * @throws Error when the input's dimensions differ from the training data's.
   */
  predict(input: Float32Array): { label: string; probability: number; probabilities: Float64Array } {
    if (input.length !== this.dims)
      throw new Error(`input has ${input.length} dimensions, expected ${this.dims}`);
    const x = new Float32Array(this.dims);
    for (let d = 0; d < this.dims; d++) x[d] = input[d] * this.inputScale;
    const probs = new Float64Array(this.labels.length);
    softmaxInto(this.weights, this.bias, x, this.dims, this.labels.length, probs);
    let best = 0;
    for (let c = 1; c < probs.length; c++) if (probs[c] > probs[best]) best = c;
    return { label: this.labels[best], probability: probs[best], probabilities: probs };
  }
}

function softmaxInto(
  W: Float32Array,
  b: Float32Array,
  x: Float32Array,
  dims: number,
  C: number,
  out: Float64Array,
): void {
  let max = -Infinity;
  for (let c = 0; c < C; c++) {
    let z = b[c];
    const row = c * dims;
    for (let d = 0; d < dims; d++) z += W[row + d] * x[d];
    out[c] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let c = 0; c < C; c++) {
    out[c] = Math.exp(out[c] - max);
    sum += out[c];
  }
  for (let c = 0; c < C; c++) out[c] /= sum;
}

/**
 * `out[k·C + c] = b[c] + W[c]·X[k]` for the first `n` rows of X ([n × dims]): the batch's logits, four rows of X per
 * pass over a row of W (register blocking: a quarter of the loads of one dot product at a time).
 */
function logitsInto(
  W: Float32Array,
  b: Float32Array,
  X: Float32Array,
  n: number,
  dims: number,
  C: number,
  out: Float64Array,
): void {
  for (let c = 0; c < C; c++) {
    const row = c * dims;
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const x0 = k * dims;
      const x1 = x0 + dims;
      const x2 = x1 + dims;
      const x3 = x2 + dims;
      let z0 = 0;
      let z1 = 0;
      let z2 = 0;
      let z3 = 0;
      for (let d = 0; d < dims; d++) {
        const w = W[row + d];
        z0 += w * X[x0 + d];
        z1 += w * X[x1 + d];
        z2 += w * X[x2 + d];
        z3 += w * X[x3 + d];
      }
      out[k * C + c] = b[c] + z0;
      out[(k + 1) * C + c] = b[c] + z1;
      out[(k + 2) * C + c] = b[c] + z2;
      out[(k + 3) * C + c] = b[c] + z3;
    }
    for (; k < n; k++) {
      const x0 = k * dims;
      let z = 0;
      for (let d = 0; d < dims; d++) z += W[row + d] * X[x0 + d];
      out[k * C + c] = b[c] + z;
    }
  }
}

/** Softmax in place over `z[offset … offset + C)`. */
function softmaxRow(z: Float64Array, offset: number, C: number): void {
  let max = -Infinity;
  for (let c = 0; c < C; c++) if (z[offset + c] > max) max = z[offset + c];
  let sum = 0;
  for (let c = 0; c < C; c++) {
    z[offset + c] = Math.exp(z[offset + c] - max);
    sum += z[offset + c];
  }
  for (let c = 0; c < C; c++) z[offset + c] /= sum;
}

/**
 * Mean gradient of the cross-entropy over the batch: `gW[c] = Σₖ G[k, c]·X[k] / n`, `gb[c] = Σₖ G[k, c] / n`
 * (G = probabilities − one-hot), four rows of X per pass over a row of gW.
 */
function gradientInto(
  G: Float64Array,
  X: Float32Array,
  n: number,
  dims: number,
  C: number,
  gW: Float32Array,
  gb: Float32Array,
): void {
  for (let c = 0; c < C; c++) {
    const row = c * dims;
    let sb = 0;
    for (let k = 0; k < n; k++) sb += G[k * C + c];
    gb[c] = sb / n;
    for (let d = 0; d < dims; d++) gW[row + d] = 0;
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const g0 = G[k * C + c] / n;
      const g1 = G[(k + 1) * C + c] / n;
      const g2 = G[(k + 2) * C + c] / n;
      const g3 = G[(k + 3) * C + c] / n;
      const x0 = k * dims;
      const x1 = x0 + dims;
      const x2 = x1 + dims;
      const x3 = x2 + dims;
      for (let d = 0; d < dims; d++) {
        gW[row + d] += g0 * X[x0 + d] + g1 * X[x1 + d] + g2 * X[x2 + d] + g3 * X[x3 + d];
      }
    }
    for (; k < n; k++) {
      const g0 = G[k * C + c] / n;
      const x0 = k * dims;
      for (let d = 0; d < dims; d++) gW[row + d] += g0 * X[x0 + d];
    }
  }
}
