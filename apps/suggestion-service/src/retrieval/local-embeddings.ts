import type { EmbeddingModel } from '@hub/embeddings';

/**
 * Injection token of the in-process sentence-embedding model (`@hub/embeddings`, e.g. all-MiniLM-L6-v2 on ONNX
 * Runtime) used for knowledge bases **without** an embedding integration, when `ASSIST_LOCAL_EMBEDDING_MODEL` is set.
 * Absent: such knowledge bases are ranked lexically.
 */
export const LOCAL_EMBEDDING_MODEL = Symbol('LOCAL_EMBEDDING_MODEL');

/** Prefix of `knowledge_bases.embedding_model` for vectors made by the local model (`local:all-minilm-l6-v2`). */
export const LOCAL_MODEL_PREFIX = 'local:';

/** The `embedding_model` recorded for vectors of `model`: {@link LOCAL_MODEL_PREFIX} + the model's id. */
export function localEmbeddingModelId(model: Pick<EmbeddingModel, 'id'>): string {
  return `${LOCAL_MODEL_PREFIX}${model.id}`;
}

/**
 * Embeds texts with the local model as the stored/queried `number[]` vectors (unit length).
 * @throws Error when the model fails
 */
export async function embedLocally(model: EmbeddingModel, texts: string[]): Promise<number[][]> {
  return (await model.embed(texts)).map((v) => Array.from(v));
}
