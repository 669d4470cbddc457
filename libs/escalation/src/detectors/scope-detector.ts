import type { EmbeddingModel } from '@hub/embeddings';
import { SoftmaxRegression, type SoftmaxTrainOptions } from './softmax-regression';

/** One in-scope example utterance of a bot (a line of a scope file such as CLINC150's training split). */
export interface ScopeExample {
  text: string;
  intent: string;
}

/** Result of {@link ScopeDetector.classify}: the intent, its probability and the threshold it was held to. */
export interface ScopeSignal {
  inScope: boolean;
  /** Most probable intent (reported even when out of scope, for explanation). */
  intent: string;
  /** Classifier probability of `intent`, in [0, 1]. */
  score: number;
  threshold: number;
}

/** How the decision threshold was chosen (printed by `npm run eval:oos`). */
export interface ThresholdChoice {
  threshold: number;
  method: string;
  /** Held-out in-scope examples the threshold was chosen on. */
  heldOut: number;
  /** Intent accuracy on the held-out examples without and with the threshold. */
  heldOutAccuracy: number;
  heldOutAccuracyWithThreshold: number;
}

/** Options of {@link ScopeDetector.train}. */
export interface ScopeDetectorOptions {
  /** Every n-th example of each intent is held out of training to choose the threshold (default 10). */
  holdOutEvery?: number;
  /**
   * Share of held-out in-scope examples the threshold may reject (default 0.01): the threshold is that quantile
   * of their top-intent probabilities. Chosen without out-of-scope data, so it needs none from the tenant.
   */
  rejectRate?: number;
  /** A fixed threshold instead (skips the choice). */
  threshold?: number;
  training?: SoftmaxTrainOptions;
}

/**
 * Out-of-scope detection relative to a bot's scope (its in-scope example utterances with intents): a softmax
 * classifier over sentence embeddings, trained on the examples; a turn is out of scope when the top intent's
 * probability is below a threshold (the "oos-threshold" baseline of Larson et al. 2019, CLINC150).
 */
export class ScopeDetector {
  private constructor(
    private readonly model: EmbeddingModel,
    private readonly classifier: SoftmaxRegression,
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
   * Embeds the examples, trains the classifier on all but the held-out ones, and chooses the threshold on them.
   * @throws Error when there are fewer than two intents or an intent has too few examples to hold one out.
   */
  static async train(
    model: EmbeddingModel,
    examples: ScopeExample[],
    options: ScopeDetectorOptions = {},
  ): Promise<ScopeDetector> {
    const every = Math.max(2, options.holdOutEvery ?? 10);
    const seen = new Map<string, number>();
    const heldOut: boolean[] = examples.map((e) => {
      const n = (seen.get(e.intent) ?? 0) + 1;
      seen.set(e.intent, n);
      return n % every === 0;
    });
    if (seen.size < 2) throw new Error('the scope needs at least two intents');
    const thin = [...seen].filter(([, n]) => n < every).map(([i]) => i);
    if (thin.length && options.threshold === undefined) {
      throw new Error(`intents with fewer than ${every} examples: ${thin.slice(0, 5).join(', ')}`);
    }
    const vectors = await model.embed(examples.map((e) => e.text));
    const trainIdx = examples.map((_, i) => i).filter((i) => !heldOut[i] || options.threshold !== undefined);
    const classifier = SoftmaxRegression.train(
      trainIdx.map((i) => vectors[i]),
      trainIdx.map((i) => examples[i].intent),
      options.training,
    );
    let choice: ThresholdChoice;
    if (options.threshold !== undefined) {
      choice = {
        threshold: options.threshold,
        method: 'fixed by the caller',
        heldOut: 0,
        heldOutAccuracy: NaN,
        heldOutAccuracyWithThreshold: NaN,
      };
    } else {
      const rejectRate = options.rejectRate ?? 0.01;
      const held = examples.map((_, i) => i).filter((i) => heldOut[i]);
      const preds = held.map((i) => ({ p: classifier.predict(vectors[i]), gold: examples[i].intent }));
      const scores = preds.map((x) => x.p.probability).sort((a, b) => a - b);
      const threshold = scores[Math.floor(rejectRate * scores.length)] ?? 0;
      const correct = (t: number) => preds.filter((x) => x.p.label === x.gold && x.p.probability >= t).length;
      choice = {
        threshold,
        method: `quantile ${rejectRate} of the top-intent probabilities of every ${every}th example per intent, held out of training`,
        heldOut: held.length,
        heldOutAccuracy: correct(-Infinity) / held.length,
        heldOutAccuracyWithThreshold: correct(threshold) / held.length,
      };
    }
    return new ScopeDetector(model, classifier, choice);
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
    return {
      inScope: p.probability >= this.threshold,
      intent: p.label,
      score: p.probability,
      threshold: this.threshold,
    };
  }
}
