import { cosine, type EmbeddingModel } from '@hub/embeddings';
import { ESCALATION_PROTOTYPES, ORDINARY_PROTOTYPES, type EscalationClass } from './prototypes';

/** Score, threshold and evidence of one escalation class for one customer turn. */
export interface ClassSignal {
  class: EscalationClass;
  fired: boolean;
  /** Mean cosine similarity of the turn to the class's `k` closest prototypes, in [-1, 1]. */
  score: number;
  threshold: number;
  /** Same measure against the ordinary-request prototypes. */
  ordinaryScore: number;
  /** Required `score - ordinaryScore`. */
  margin: number;
  /** The class prototype closest to the turn. */
  evidence: string;
}

/** Per-class settings; every field optional (defaults: {@link DEFAULT_PROTOTYPE_SETTINGS}, {@link STRICT_PROTOTYPE_SETTINGS}). */
export interface ClassSettings {
  threshold?: number;
  margin?: number;
  enabled?: boolean;
}

/** Options of {@link PrototypeDetector.create}. */
export interface PrototypeDetectorOptions {
  /** Closest prototypes averaged per class (default 3). */
  k?: number;
  classes?: Partial<Record<EscalationClass, ClassSettings>>;
  /** Replaces the built-in prototypes (e.g. per tenant or language). */
  prototypes?: Partial<Record<EscalationClass, readonly string[]>>;
  ordinary?: readonly string[];
}

/**
 * Defaults of the "needs a human" classes (human_request, complaint), tuned on the `bitext-train` rows of
 * `../shared/data/escalation/dev.jsonl` (docs/escalation-detection.md).
 */
export const DEFAULT_PROTOTYPE_SETTINGS = { k: 3, threshold: 0.3, margin: 0.1 } as const;

/**
 * Stricter defaults of frustration and the sensitive-advice classes: no labelled data for them, so they are set to
 * fire only on clear cases (on the Bitext rows the 0.30/0.10 settings let "claim against your company" fire
 * legal_advice).
 */
export const STRICT_PROTOTYPE_SETTINGS = { threshold: 0.4, margin: 0.15 } as const;

const defaultsOf = (cls: EscalationClass) =>
  NEEDS_HUMAN_CLASSES.includes(cls) ? DEFAULT_PROTOTYPE_SETTINGS : STRICT_PROTOTYPE_SETTINGS;

/** The classes whose firing means "needs a human" in the evaluation (asks for a human, complaint). */
export const NEEDS_HUMAN_CLASSES: readonly EscalationClass[] = ['human_request', 'complaint'];

/** Classes of sensitive advice (legal, medical, financial). */
export const SENSITIVE_CLASSES: readonly EscalationClass[] = [
  'legal_advice',
  'medical_advice',
  'financial_advice',
];

interface Embedded {
  text: string;
  vector: Float32Array;
}

/**
 * Embedding-similarity detector of "needs a human" (asks for a human, complaint), frustration and sensitive
 * advice: a turn fires a class when its similarity to the class's closest prototypes reaches the threshold AND
 * exceeds its similarity to the closest ordinary-request prototypes by the margin (the margin is what keeps
 * ordinary requests of other domains from escalating).
 */
export class PrototypeDetector {
  private constructor(
    private readonly model: EmbeddingModel,
    private readonly k: number,
    private readonly classes: Map<EscalationClass, { protos: Embedded[]; threshold: number; margin: number }>,
    private readonly ordinary: Embedded[],
  ) {}

  /** Embeds the prototypes. Rejects when the embedding model fails or a class has no prototypes. */
  static async create(
    model: EmbeddingModel,
    options: PrototypeDetectorOptions = {},
  ): Promise<PrototypeDetector> {
    const k = Math.max(1, options.k ?? DEFAULT_PROTOTYPE_SETTINGS.k);
    const embed = async (texts: readonly string[]) =>
      (await model.embed([...texts])).map((vector, i) => ({ text: texts[i], vector }));
    const classes = new Map<EscalationClass, { protos: Embedded[]; threshold: number; margin: number }>();
    for (const cls of Object.keys(ESCALATION_PROTOTYPES) as EscalationClass[]) {
      const settings = options.classes?.[cls] ?? {};
      if (settings.enabled === false) continue;
      const texts = options.prototypes?.[cls] ?? ESCALATION_PROTOTYPES[cls];
      if (!texts.length) throw new Error(`no prototypes for ${cls}`);
      classes.set(cls, {
        protos: await embed(texts),
        threshold: settings.threshold ?? defaultsOf(cls).threshold,
        margin: settings.margin ?? defaultsOf(cls).margin,
      });
    }
    const ordinary = await embed(options.ordinary ?? ORDINARY_PROTOTYPES);
    return new PrototypeDetector(model, k, classes, ordinary);
  }

  /** Signals of every enabled class for one turn. */
  async detect(text: string): Promise<ClassSignal[]> {
    const [v] = await this.model.embed([text]);
    return this.detectVector(v);
  }

  /** Signals for many turns (embedded in batches). */
  async detectAll(texts: string[]): Promise<ClassSignal[][]> {
    return (await this.model.embed(texts)).map((v) => this.detectVector(v));
  }

  /** Signals for an already embedded turn (a vector of the same model). */
  detectVector(v: Float32Array): ClassSignal[] {
    const ordinaryScore = this.topK(v, this.ordinary).score;
    return [...this.classes].map(([cls, c]) => {
      const { score, nearest } = this.topK(v, c.protos);
      return {
        class: cls,
        fired: score >= c.threshold && score - ordinaryScore >= c.margin,
        score,
        threshold: c.threshold,
        ordinaryScore,
        margin: c.margin,
        evidence: nearest,
      };
    });
  }

  private topK(v: Float32Array, protos: Embedded[]): { score: number; nearest: string } {
    const sims = protos.map((p) => ({ s: cosine(v, p.vector), text: p.text })).sort((a, b) => b.s - a.s);
    const top = sims.slice(0, this.k);
    return { score: top.reduce((s, x) => s + x.s, 0) / top.length, nearest: top[0]?.text ?? '' };
  }
}
