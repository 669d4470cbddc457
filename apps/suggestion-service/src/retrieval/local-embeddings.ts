import {
  assertEmbeddingModelPresent,
  defaultModelsDir,
  isLocalModelName,
  loadEmbeddingModel,
  OnnxSentenceEmbedder,
  type EmbeddingModel,
} from '@hub/embeddings';

/**
 * Injection token of the in-process retrieval model ({@link LocalRetrievalModel}: a `@hub/embeddings` sentence
 * encoder such as e5-small-v2 or all-MiniLM-L6-v2 on ONNX Runtime) used for knowledge bases **without** an
 * embedding integration, when `ASSIST_LOCAL_EMBEDDING_MODEL` is set. Absent: such knowledge bases are ranked lexically.
 */
export const LOCAL_EMBEDDING_MODEL = Symbol('LOCAL_EMBEDDING_MODEL');

/** Prefix of `knowledge_bases.embedding_model` for vectors made by the local model (`local:e5-small-v2-q`). */
export const LOCAL_MODEL_PREFIX = 'local:';

/**
 * A local sentence encoder used for retrieval: chunks are embedded as passages at upload, the conversation as a
 * query. Asymmetric models get their model card's prefixes (e5: `"passage: "` / `"query: "`); symmetric ones
 * (MiniLM) embed both alike. Vectors are unit length (`number[]`, as stored in `kb_chunks.embedding`).
 */
export interface LocalRetrievalModel {
  /** Model id (`e5-small-v2-q`); the KB records `local:<id>` so vectors of two models are never mixed. */
  readonly id: string;
  readonly dimensions: number;
  /** Prefixes applied to passages and queries (empty strings for symmetric models). */
  readonly prefixes: { passage: string; query: string };
  /** One unit vector per chunk text, in order. @throws Error when the model fails */
  embedPassages(texts: string[]): Promise<number[][]>;
  /** The unit vector of one query text. @throws Error when the model fails */
  embedQuery(text: string): Promise<number[]>;
}

/**
 * Retrieval prefixes per local model, from the model cards: e5-small-v2 was trained with `"query: "` on the question
 * and `"passage: "` on the text that answers it ("Use 'query: ' and 'passage: ' correspondingly for asymmetric tasks
 * such as passage retrieval in open QA"); MiniLM has none.
 */
const RETRIEVAL_PREFIXES: Record<string, { passage: string; query: string }> = {
  'e5-small-v2-q': { passage: 'passage: ', query: 'query: ' },
};

/** Wraps a loaded {@link EmbeddingModel} (whose own recipe prefix must be empty when `prefixes` are given). */
export function retrievalModel(
  model: EmbeddingModel,
  prefixes: { passage: string; query: string } = { passage: '', query: '' },
): LocalRetrievalModel {
  const asArrays = (vs: Float32Array[]) => vs.map((v) => Array.from(v));
  return {
    id: model.id,
    dimensions: model.dimensions,
    prefixes,
    embedPassages: async (texts) => asArrays(await model.embed(texts.map((t) => prefixes.passage + t))),
    embedQuery: async (text) => asArrays(await model.embed([prefixes.query + text]))[0],
  };
}

/**
 * Loads the local retrieval model `name` (a `@hub/embeddings` local name: `e5-small-v2-q`, `all-minilm-l6-v2`, …)
 * with its retrieval prefixes. The files are checked first: a missing file is an error naming it and
 * `bash tools/models/fetch-models.sh` (so a service configured with a model that is not installed does not start).
 * @param opts.modelsDir folder of the models (default `$HUB_MODELS_DIR` or `~/.cache/engagement-hub/models`)
 * @param opts.symmetric embed passages and queries alike with the library's recipe (e5: `"query: "` on both), as
 *   the escalation detector does; for comparison in `eval:retrieval`
 * @throws Error for an unknown name or missing files
 */
export async function loadLocalRetrievalModel(
  name: string,
  opts: { symmetric?: boolean; modelsDir?: string } = {},
): Promise<LocalRetrievalModel> {
  const modelsDir = opts.modelsDir ?? defaultModelsDir();
  assertEmbeddingModelPresent(name, modelsDir);
  const prefixes = opts.symmetric ? undefined : RETRIEVAL_PREFIXES[name];
  if (prefixes && isLocalModelName(name))
    return retrievalModel(await OnnxSentenceEmbedder.loadLocal(name, { prefix: '', modelsDir }), prefixes);
  return retrievalModel(await loadEmbeddingModel(name, { modelsDir }));
}

/** The `embedding_model` recorded for vectors of `model`: {@link LOCAL_MODEL_PREFIX} + the model's id. */
export function localEmbeddingModelId(model: Pick<LocalRetrievalModel, 'id'>): string {
  return `${LOCAL_MODEL_PREFIX}${model.id}`;
}
