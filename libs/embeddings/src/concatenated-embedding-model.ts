import { l2Normalize, type EmbeddingModel } from './embedding-model';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultModelsDir,
  isLocalModelName,
  LOCAL_MODELS,
  OnnxSentenceEmbedder,
} from './onnx-sentence-embedder';

/** A model that can be released (ONNX sessions hold native memory). */
interface Closable {
  close(): Promise<void>;
}

/**
 * Several sentence-embedding models side by side: the vector of a text is the concatenation of each part's
 * L2-normalised vector scaled by 1/√n (n parts), so it is unit length again and the cosine of two texts is the
 * mean of the parts' cosines. Used by the escalation scope detector (all-MiniLM-L6-v2 ⊕ e5-small-v2): two encoders
 * trained on different data make the intent classifier's features richer than either alone.
 *
 * - `id`: the parts' ids joined with `+` (e.g. `all-minilm-l6-v2+e5-small-v2-q`).
 * - `dimensions`: sum of the parts' dimensions (768 for that pair).
 */
export class ConcatenatedEmbeddingModel implements EmbeddingModel {
  readonly id: string;
  readonly dimensions: number;

  /** @throws Error when fewer than two parts are given. */
  constructor(readonly parts: readonly EmbeddingModel[]) {
    if (parts.length < 2) throw new Error('a concatenated embedding model needs at least two parts');
    this.id = parts.map((p) => p.id).join('+');
    this.dimensions = parts.reduce((n, p) => n + p.dimensions, 0);
  }

  /** {@inheritDoc EmbeddingModel.embed} Each part embeds every text (parts run one after the other). */
  async embed(texts: string[]): Promise<Float32Array[]> {
    if (!texts.length) return [];
    const perPart: Float32Array[][] = [];
    for (const p of this.parts) perPart.push(await p.embed(texts));
    return texts.map((_, i) => this.combine(perPart.map((vectors) => vectors[i])));
  }

  /**
   * The vector of one text from its parts' vectors (in `parts` order, each as that part's `embed` returns it):
   * for a caller that already has a part's vector (e.g. the same MiniLM vector used by another detector), so the
   * text is not embedded twice. Equals `embed([text])[0]`.
   * @throws Error when the number of vectors or a vector's length does not match the parts.
   */
  combine(partVectors: readonly Float32Array[]): Float32Array {
    if (partVectors.length !== this.parts.length) {
      throw new Error(`expected ${this.parts.length} part vectors, got ${partVectors.length}`);
    }
    const scale = 1 / Math.sqrt(this.parts.length);
    const out = new Float32Array(this.dimensions);
    let offset = 0;
    partVectors.forEach((raw, k) => {
      if (raw.length !== this.parts[k].dimensions) {
        throw new Error(
          `part ${this.parts[k].id}: vector has ${raw.length} dimensions, expected ${this.parts[k].dimensions}`,
        );
      }
      const v = l2Normalize(Float32Array.from(raw));
      for (let d = 0; d < v.length; d++) out[offset + d] = v[d] * scale;
      offset += v.length;
    });
    return out;
  }

  /** Releases every part that can be released. */
  async close(): Promise<void> {
    await Promise.all(this.parts.map((p) => (p as Partial<Closable>).close?.call(p)));
  }
}

/** Splits a model name (`a+b`) into its local model names. @throws Error for an unknown name, listing the known ones. */
function parseModelName(name: string): string[] {
  const names = name.split('+').map((n) => n.trim());
  const unknown = names.filter((n) => !isLocalModelName(n));
  if (unknown.length) {
    throw new Error(
      `unknown embedding model "${unknown.join('+')}"; known: ${Object.keys(LOCAL_MODELS).join(', ')} ` +
        '(several joined by "+")',
    );
  }
  return names;
}

/**
 * Checks, without loading anything, that the files of a model name (as {@link loadEmbeddingModel} takes it) are on
 * disk: for a service's start-up, so a missing model fails fast instead of on the first request.
 * @throws Error naming every missing file and `bash tools/models/fetch-models.sh`, or an unknown name.
 */
export function assertEmbeddingModelPresent(name: string, modelsDir: string = defaultModelsDir()): void {
  const missing = parseModelName(name).flatMap((n) =>
    ['model.onnx', 'tokenizer.json'].map((f) => join(modelsDir, n, f)).filter((p) => !existsSync(p)),
  );
  if (missing.length) {
    throw new Error(`${missing.join(', ')} not found: run \`bash tools/models/fetch-models.sh\` first`);
  }
}

/**
 * Loads a local model by name: one of the names in LOCAL_MODELS (`all-minilm-l6-v2`, `all-minilm-l6-v2-q`,
 * `e5-small-v2-q`), or several joined by `+` for a {@link ConcatenatedEmbeddingModel}
 * (`all-minilm-l6-v2+e5-small-v2-q`). Every part is loaded before any is returned; on a failure the parts already
 * loaded are released.
 * @throws Error for an unknown name, or naming the missing model file and `bash tools/models/fetch-models.sh`.
 */
export async function loadEmbeddingModel(
  name: string,
  options: { modelsDir?: string; threads?: number } = {},
): Promise<OnnxSentenceEmbedder | ConcatenatedEmbeddingModel> {
  const names = parseModelName(name);
  const loaded: OnnxSentenceEmbedder[] = [];
  try {
    for (const n of names) {
      if (!isLocalModelName(n)) continue;
      loaded.push(await OnnxSentenceEmbedder.loadLocal(n, options));
    }
  } catch (e) {
    await Promise.all(loaded.map((m) => m.close()));
    throw e;
  }
  return loaded.length === 1 ? loaded[0] : new ConcatenatedEmbeddingModel(loaded);
}
