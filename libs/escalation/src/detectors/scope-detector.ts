import { loadEmbeddingModel, type EmbeddingModel } from '@hub/embeddings';
import {
  DiscriminantStatistics,
  fitTemperature,
  LinearDiscriminant,
  type DiscriminantSnapshot,
  type IntentClassifier,
  type IntentPrediction,
} from './linear-discriminant';
import { SoftmaxRegression, type SoftmaxSnapshot, type SoftmaxTrainOptions } from './softmax-regression';

/**
 * The embedding model of the scope detector: all-MiniLM-L6-v2 ⊕ e5-small-v2 (each vector L2-normalised, then
 * concatenated: `ConcatenatedEmbeddingModel`). Both are required: MiniLM alone stays below the in-scope accuracy
 * target on CLINC150 dev (0.944 vs 0.95, docs/escalation-detection.md), so there is no single-model fallback.
 */
export const SCOPE_EMBEDDING_MODEL = 'all-minilm-l6-v2+e5-small-v2-q';

/**
 * Loads {@link SCOPE_EMBEDDING_MODEL} from the local models folder (`$HUB_MODELS_DIR`).
 * @throws Error naming the missing model file and `bash tools/models/fetch-models.sh` when a model is absent.
 */
export function loadScopeEmbeddingModel(options: { modelsDir?: string } = {}) {
  return loadEmbeddingModel(SCOPE_EMBEDDING_MODEL, options);
}

/** One in-scope example utterance of a bot (a line of a scope file such as CLINC150's training split). */
export interface ScopeExample {
  text: string;
  intent: string;
}

/**
 * Result of {@link ScopeDetector.classify}. In scope when both gates pass: the classifier's top-intent probability
 * (`score ≥ threshold`) and the similarity to the nearest training examples (`similarity ≥ similarityThreshold`).
 */
export interface ScopeSignal {
  inScope: boolean;
  /** Most probable intent (reported even when out of scope, for explanation). */
  intent: string;
  /** Classifier probability of `intent`, in [0, 1]. */
  score: number;
  threshold: number;
  /** Mean cosine similarity to the `neighbours` closest training examples, in [-1, 1]. */
  similarity: number;
  similarityThreshold: number;
}

/** How the decision thresholds were chosen (printed by `npm run eval:oos`). */
export interface ThresholdChoice {
  threshold: number;
  similarityThreshold: number;
  method: string;
  /** Held-out in-scope examples the thresholds were chosen on. */
  heldOut: number;
  /** Intent accuracy on the held-out examples without and with the thresholds. */
  heldOutAccuracy: number;
  heldOutAccuracyWithThreshold: number;
}

/** Options of {@link ScopeDetector.train}. */
export interface ScopeDetectorOptions {
  /** Every n-th example of each intent is held out of training to choose the thresholds (default 10). */
  holdOutEvery?: number;
  /**
   * Share of held-out in-scope examples the probability gate may reject (default 0.005): its threshold is that
   * quantile of their top-intent probabilities. Chosen without out-of-scope data, so the tenant needs none.
   */
  rejectRate?: number;
  /** Same for the nearest-neighbour similarity gate (default 0.005; 0 disables it). */
  similarityRejectRate?: number;
  /** Training examples averaged for the similarity (default 3). */
  neighbours?: number;
  /**
   * After the thresholds are chosen on the held-out examples, train the final classifier and the neighbour index
   * on every example, held-out ones included (default true): the usual "choose on a split, refit on everything"
   * step; the held-out tenth otherwise never informs the intent classifier.
   */
  refit?: boolean;
  /** Fixed thresholds instead (skip the choice; the similarity gate is then off unless given). */
  threshold?: number;
  similarityThreshold?: number;
  /**
   * The intent classifier (default {@link DEFAULT_SCOPE_CLASSIFIER}, `softmax-ensemble`):
   * - `discriminant`: linear discriminant analysis with a shrunk shared covariance (closed form, deterministic); the
   *   shrinkage is the one of {@link shrinkages} with the best intent accuracy on the held-out examples (ties: the
   *   lower log-loss), the softmax temperature is fitted on them (temperature scaling) before the thresholds are
   *   chosen;
   * - `softmax`: softmax regression by mini-batch Adam ({@link training}; its result depends on the shuffling seed);
   * - `softmax-ensemble`: the mean probabilities of softmax regressions trained with each of {@link ensembleSeeds}.
   */
  classifier?: 'discriminant' | 'softmax' | 'softmax-ensemble';
  /** Shrinkage candidates of the discriminant (default {@link DEFAULT_SHRINKAGES}). */
  shrinkages?: number[];
  /** Seeds of `softmax-ensemble` (default 1–5). */
  ensembleSeeds?: readonly number[];
  training?: SoftmaxTrainOptions;
}

/**
 * The default intent classifier: `softmax-ensemble` (mean probabilities of five softmax regressions, seeds 1–5).
 * On CLINC150 dev (docs/escalation-detection.md, seventh session) three disjoint seed sets (1–5, 6–10, 11–15) all
 * met in-scope accuracy ≥ 0.95 with OOS recall ≥ 0.60 (0.9547–0.9587 / 0.74–0.75), where single softmax runs
 * ranged 0.932–0.952 (mean 0.944) and the closed-form discriminant reached 0.934. Training costs five times a
 * single softmax (×2 with the refit): store the trained detector (`ScopeDetectorStore`) instead of training
 * at every start.
 */
export const DEFAULT_SCOPE_CLASSIFIER: NonNullable<ScopeDetectorOptions['classifier']> = 'softmax-ensemble';

/** The discriminant's shrinkage candidates, chosen among on the held-out examples. */
export const DEFAULT_SHRINKAGES: readonly number[] = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7];

/** The parameters of an intent classifier ({@link classifierSnapshot}). */
export type ClassifierSnapshot =
  SoftmaxSnapshot | DiscriminantSnapshot | { kind: 'ensemble'; members: ClassifierSnapshot[] };

/**
 * Everything a trained {@link ScopeDetector} needs to classify (no training data, no embedding model): the
 * classifier's parameters, the neighbour index (the examples' vectors, [rows × dims] row-major) and the thresholds.
 */
export interface ScopeDetectorSnapshot {
  /** Embedding model the vectors and the classifier belong to (`EmbeddingModel.id`). */
  modelId: string;
  dims: number;
  neighbours: number;
  classifier: ClassifierSnapshot;
  index: Float32Array;
  thresholdChoice: ThresholdChoice;
}

/** @throws Error for a classifier this module cannot store. */
function classifierSnapshot(c: IntentClassifier): ClassifierSnapshot {
  if (c instanceof SoftmaxRegression || c instanceof LinearDiscriminant) return c.toSnapshot();
  if (c instanceof AveragedClassifier)
    return { kind: 'ensemble', members: c.members.map(classifierSnapshot) };
  throw new Error('this intent classifier cannot be stored');
}

function classifierFromSnapshot(s: ClassifierSnapshot): IntentClassifier {
  switch (s.kind) {
    case 'softmax':
      return SoftmaxRegression.fromSnapshot(s);
    case 'discriminant':
      return LinearDiscriminant.fromSnapshot(s);
    case 'ensemble':
      return new AveragedClassifier(s.members.map(classifierFromSnapshot));
    default:
      throw new Error(`unknown classifier kind ${(s as { kind: string }).kind}`);
  }
}

/** Mean of several classifiers' probabilities (same labels, same order): a variance-reducing ensemble. */
export class AveragedClassifier implements IntentClassifier {
  readonly labels: readonly string[];
  /** @throws Error when there are no members or their labels differ. */
  constructor(readonly members: readonly IntentClassifier[]) {
    if (!members.length) throw new Error('an ensemble needs at least one member');
    this.labels = members[0].labels;
    if (members.some((m) => m.labels.join('\u0000') !== this.labels.join('\u0000'))) {
      throw new Error('ensemble members differ in labels');
    }
  }

  /** {@inheritDoc IntentClassifier.predict} */
  predict(input: Float32Array): IntentPrediction {
    const p = new Float64Array(this.labels.length);
    for (const m of this.members) {
      const q = m.predict(input).probabilities;
      for (let c = 0; c < p.length; c++) p[c] += q[c] / this.members.length;
    }
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    return { label: this.labels[best], probability: p[best], probabilities: p };
  }
}

const quantile = (xs: number[], q: number) => {
  if (q <= 0 || !xs.length) return -1;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/**
 * Out-of-scope detection relative to a bot's scope (its in-scope example utterances with intents): a softmax
 * classifier over sentence embeddings, trained on the examples, gives the intent; a turn is out of scope when the
 * top intent's probability is below a threshold (the "oos-threshold" approach of Larson et al. 2019, CLINC150)
 * or its mean similarity to the nearest training examples is below a second threshold.
 */
export class ScopeDetector {
  private constructor(
    private readonly model: EmbeddingModel,
    private readonly classifier: IntentClassifier,
    private readonly index: Float32Array,
    private readonly dims: number,
    private readonly neighbours: number,
    readonly thresholdChoice: ThresholdChoice,
  ) {}

  /** The decision threshold on the top-intent probability. */
  get threshold(): number {
    return this.thresholdChoice.threshold;
  }

  /** The intents the detector knows. */
  get intents(): readonly string[] {
    return this.classifier.labels;
  }

  /**
   * Embeds the examples, trains the classifier on all but the held-out ones, and chooses the thresholds on them.
   * @throws Error when there are fewer than two intents or an intent has too few examples to hold one out.
   */
  static async train(
    model: EmbeddingModel,
    examples: ScopeExample[],
    options: ScopeDetectorOptions = {},
  ): Promise<ScopeDetector> {
    const fixed = options.threshold !== undefined;
    const every = Math.max(2, options.holdOutEvery ?? 10);
    const seen = new Map<string, number>();
    const heldOut: boolean[] = examples.map((e) => {
      const n = (seen.get(e.intent) ?? 0) + 1;
      seen.set(e.intent, n);
      return !fixed && n % every === 0;
    });
    if (seen.size < 2) throw new Error('the scope needs at least two intents');
    const thin = [...seen].filter(([, n]) => n < every).map(([i]) => i);
    if (thin.length && !fixed) {
      throw new Error(`intents with fewer than ${every} examples: ${thin.slice(0, 5).join(', ')}`);
    }
    const vectors = await model.embed(examples.map((e) => e.text));
    const trainIdx = examples.map((_, i) => i).filter((i) => !heldOut[i]);
    const held = examples.map((_, i) => i).filter((i) => heldOut[i]);
    const kind = options.classifier ?? DEFAULT_SCOPE_CLASSIFIER;
    const fit = await fitClassifier(
      kind,
      trainIdx.map((i) => vectors[i]),
      trainIdx.map((i) => examples[i].intent),
      held.map((i) => vectors[i]),
      held.map((i) => examples[i].intent),
      options,
    );
    const dims = vectors[0].length;
    const index = new Float32Array(trainIdx.length * dims);
    trainIdx.forEach((i, row) => index.set(vectors[i], row * dims));
    const neighbours = Math.max(1, options.neighbours ?? 3);
    const draft = new ScopeDetector(model, fit.classifier, index, dims, neighbours, {
      threshold: options.threshold ?? 0,
      similarityThreshold: options.similarityThreshold ?? -1,
      method: `${fit.description}; thresholds fixed by the caller`,
      heldOut: 0,
      heldOutAccuracy: NaN,
      heldOutAccuracyWithThreshold: NaN,
    });
    if (fixed) return draft;
    const rejectRate = options.rejectRate ?? 0.005;
    const simRate = options.similarityRejectRate ?? 0.005;
    const preds = held.map((i) => ({ s: draft.classifyVector(vectors[i]), gold: examples[i].intent }));
    const threshold = quantile(
      preds.map((x) => x.s.score),
      rejectRate,
    );
    const similarityThreshold = quantile(
      preds.map((x) => x.s.similarity),
      simRate,
    );
    const correct = (t: number, st: number) =>
      preds.filter((x) => x.s.intent === x.gold && x.s.score >= t && x.s.similarity >= st).length;
    const refit = options.refit ?? true;
    const finalClassifier = refit
      ? fit.refit(
          vectors,
          examples.map((e) => e.intent),
        )
      : fit.classifier;
    const finalIndex = refit ? new Float32Array(vectors.length * dims) : index;
    if (refit) vectors.forEach((v, row) => finalIndex.set(v, row * dims));
    return new ScopeDetector(model, finalClassifier, finalIndex, dims, neighbours, {
      threshold,
      similarityThreshold,
      method:
        `${fit.description}; quantile ${rejectRate} of the top-intent probabilities and quantile ${simRate} of the ` +
        `mean similarity to the ${neighbours} nearest training examples, over every ${every}th example per intent, ` +
        'held out of training' +
        (refit ? '; then refitted on every example' : ''),
      heldOut: held.length,
      heldOutAccuracy: correct(-Infinity, -Infinity) / held.length,
      heldOutAccuracyWithThreshold: correct(threshold, similarityThreshold) / held.length,
    });
  }

  /** What the detector needs to classify, for storing it ({@link fromSnapshot}); arrays are shared, not copied. */
  toSnapshot(): ScopeDetectorSnapshot {
    return {
      modelId: this.model.id,
      dims: this.dims,
      neighbours: this.neighbours,
      classifier: classifierSnapshot(this.classifier),
      index: this.index,
      thresholdChoice: this.thresholdChoice,
    };
  }

  /**
   * A detector from a snapshot ({@link toSnapshot}) over `model` (used to embed the turns to classify).
   * @throws Error when the snapshot belongs to another embedding model or its arrays do not match its dimensions.
   */
  static fromSnapshot(model: EmbeddingModel, s: ScopeDetectorSnapshot): ScopeDetector {
    if (s.modelId !== model.id) {
      throw new Error(`the stored scope detector is for model ${s.modelId}, not ${model.id}`);
    }
    if (s.dims !== model.dimensions || s.index.length % s.dims !== 0) {
      throw new Error('the stored scope detector does not match the model dimensions');
    }
    const classifier = classifierFromSnapshot(s.classifier);
    return new ScopeDetector(model, classifier, s.index, s.dims, s.neighbours, {
      ...s.thresholdChoice,
      heldOutAccuracy: s.thresholdChoice.heldOutAccuracy ?? NaN,
      heldOutAccuracyWithThreshold: s.thresholdChoice.heldOutAccuracyWithThreshold ?? NaN,
    });
  }

  /** Classifies one customer turn. Rejects when the embedding model fails. */
  async classify(text: string): Promise<ScopeSignal> {
    const [v] = await this.model.embed([text]);
    return this.classifyVector(v);
  }

  /** Classifies many turns (embedded in batches). */
  async classifyAll(texts: string[]): Promise<ScopeSignal[]> {
    return (await this.model.embed(texts)).map((v) => this.classifyVector(v));
  }

  /** Classifies an already embedded turn (a vector of the same model). */
  classifyVector(v: Float32Array): ScopeSignal {
    const p = this.classifier.predict(v);
    const similarity = this.nearestSimilarity(v);
    const { threshold, similarityThreshold } = this.thresholdChoice;
    return {
      inScope: p.probability >= threshold && similarity >= similarityThreshold,
      intent: p.label,
      score: p.probability,
      threshold,
      similarity,
      similarityThreshold,
    };
  }

  /** Mean cosine similarity of `v` to its `neighbours` nearest training examples (exact scan). */
  private nearestSimilarity(v: Float32Array): number {
    const top = new Array<number>(this.neighbours).fill(-Infinity);
    const rows = this.index.length / this.dims;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      const base = r * this.dims;
      for (let d = 0; d < this.dims; d++) s += this.index[base + d] * v[d];
      if (s > top[top.length - 1]) {
        let j = top.length - 1;
        while (j > 0 && top[j - 1] < s) {
          top[j] = top[j - 1];
          j--;
        }
        top[j] = s;
      }
    }
    const found = top.filter((x) => x > -Infinity);
    return found.reduce((a, b) => a + b, 0) / Math.max(1, found.length);
  }
}

/** A classifier fitted on the training split, how it was chosen, and how to fit it again on every example. */
interface FittedClassifier {
  classifier: IntentClassifier;
  description: string;
  refit(inputs: Float32Array[], labels: string[]): IntentClassifier;
}

async function fitClassifier(
  kind: NonNullable<ScopeDetectorOptions['classifier']>,
  inputs: Float32Array[],
  labels: string[],
  heldInputs: Float32Array[],
  heldLabels: string[],
  options: ScopeDetectorOptions,
): Promise<FittedClassifier> {
  if (kind === 'softmax') {
    return {
      classifier: SoftmaxRegression.train(inputs, labels, options.training),
      description: `softmax regression (mini-batch Adam, seed ${options.training?.seed ?? 1})`,
      refit: (x, y) => SoftmaxRegression.train(x, y, options.training),
    };
  }
  if (kind === 'softmax-ensemble') {
    const seeds = options.ensembleSeeds ?? [1, 2, 3, 4, 5];
    const ensemble = (x: Float32Array[], y: string[]) =>
      new AveragedClassifier(
        seeds.map((seed) => SoftmaxRegression.train(x, y, { ...options.training, seed })),
      );
    return {
      classifier: ensemble(inputs, labels),
      description: `mean of ${seeds.length} softmax regressions (seeds ${seeds.join(',')})`,
      refit: ensemble,
    };
  }
  const stats = DiscriminantStatistics.compute(inputs, labels);
  const candidates = options.shrinkages ?? DEFAULT_SHRINKAGES;
  if (!heldInputs.length) {
    const alpha = candidates[Math.floor(candidates.length / 2)];
    return {
      classifier: stats.solve(alpha),
      description: `linear discriminant, shrinkage ${alpha} (no held-out examples to choose on)`,
      refit: (x, y) => DiscriminantStatistics.compute(x, y).solve(alpha),
    };
  }
  let best: { alpha: number; correct: number; nll: number } | undefined;
  for (const alpha of candidates) {
    const clf = stats.solve(alpha);
    let correct = 0;
    let nll = 0;
    heldInputs.forEach((x, n) => {
      const p = clf.predict(x);
      if (p.label === heldLabels[n]) correct++;
      nll -= Math.log(Math.max(1e-300, p.probabilities[clf.labels.indexOf(heldLabels[n])]));
    });
    if (!best || correct > best.correct || (correct === best.correct && nll < best.nll)) {
      best = { alpha, correct, nll };
    }
    await new Promise((r) => setImmediate(r));
  }
  const alpha = (best as { alpha: number }).alpha;
  const chosen = stats.solve(alpha);
  const temperature = fitTemperature(
    chosen.labels,
    heldInputs.map((x) => chosen.logits(x)),
    heldLabels,
  );
  return {
    classifier: chosen.withTemperature(temperature),
    description:
      `linear discriminant (shared covariance), shrinkage ${alpha} of [${candidates.join(', ')}] by held-out ` +
      `accuracy, temperature ${temperature.toPrecision(3)} by held-out log-loss`,
    refit: (x, y) => DiscriminantStatistics.compute(x, y).solve(alpha, temperature),
  };
}
