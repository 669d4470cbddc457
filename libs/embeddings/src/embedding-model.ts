/**
 * A sentence-embedding model: maps texts to fixed-length vectors whose cosine similarity measures how close
 * their meanings are.
 *
 * - `id`: stable identifier of the model and variant (e.g. `all-minilm-l6-v2-q`), to tag stored vectors with.
 * - `dimensions`: length of every vector (384 for all-MiniLM-L6-v2).
 * - `embed(texts)`: one vector per text, in input order; vectors are L2-normalised, so the dot product is the
 *   cosine similarity. Rejects on a model failure.
 */
export interface EmbeddingModel {
  readonly id: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/**
 * Cosine similarity of two L2-normalised vectors (their dot product), in [-1, 1].
 * @throws Error when the vectors differ in length.
 */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`vector lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Scales `v` in place to unit L2 norm (a zero vector is left as is) and returns it. */
export function l2Normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}
