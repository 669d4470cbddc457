import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { l2Normalize, type EmbeddingModel } from './embedding-model';

/** The MiniLM models `tools/models/fetch-models.sh` installs. `-q` is the 8-bit quantized export (faster, batch-dependent). */
export type MiniLmVariant = 'all-minilm-l6-v2-q' | 'all-minilm-l6-v2';

/** Every model `tools/models/fetch-models.sh` installs, by folder name under {@link defaultModelsDir}. */
export type LocalModelName = MiniLmVariant | 'e5-small-v2-q';

/** How a local model is run: what its model card prescribes. */
export interface LocalModelRecipe {
  /** Text prepended to every input before tokenizing (e5: `"query: "`). */
  prefix: string;
  /** Default texts per ONNX run (1 for the dynamically quantized `-q` exports, whose vectors depend on the batch). */
  batchSize: number;
  /** Word pieces per text including [CLS]/[SEP] (the model's training length). */
  maxTokens: number;
}

/**
 * The recipes of the local models. All are BERT encoders used with mean pooling over the attention mask and L2
 * normalisation. all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0): no prefix, 256 word pieces.
 * e5-small-v2 (intfloat, MIT; int8 ONNX export of Xenova/e5-small-v2 in the LangChain4j jar): its model card asks
 * for the `"query: "` prefix on every input for symmetric tasks and when the embeddings are used as features
 * (linear probing, clustering) — the scope classifier's use — with average pooling and normalisation; 512 positions.
 */
export const LOCAL_MODELS: Readonly<Record<LocalModelName, LocalModelRecipe>> = {
  'all-minilm-l6-v2': { prefix: '', batchSize: 32, maxTokens: 256 },
  'all-minilm-l6-v2-q': { prefix: '', batchSize: 1, maxTokens: 256 },
  'e5-small-v2-q': { prefix: 'query: ', batchSize: 1, maxTokens: 512 },
};

/** True when `name` is one of {@link LOCAL_MODELS}. */
export function isLocalModelName(name: string): name is LocalModelName {
  return Object.prototype.hasOwnProperty.call(LOCAL_MODELS, name);
}

/** Options of {@link OnnxSentenceEmbedder.load}. */
export interface OnnxSentenceEmbedderOptions {
  /** Folder holding `model.onnx` and `tokenizer.json` (a sentence-transformers BERT export). */
  modelDir: string;
  /** Model id reported as {@link EmbeddingModel.id}; defaults to the folder name. */
  id?: string;
  /** Texts per ONNX run (default 32). */
  batchSize?: number;
  /** Word pieces per text including [CLS]/[SEP]; longer texts are truncated (default 256, as sentence-transformers). */
  maxTokens?: number;
  /** ONNX Runtime intra-op threads (default 1: services share the CPU). */
  threads?: number;
  /** Text prepended to every input before tokenizing (default none; e5 models need `"query: "`). */
  prefix?: string;
}

/** Folder where `tools/models/fetch-models.sh` puts models: `$HUB_MODELS_DIR`, else `~/.cache/engagement-hub/models`. */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env['HUB_MODELS_DIR'] ??
    join(env['HUB_CACHE_DIR'] ?? join(homedir(), '.cache', 'engagement-hub'), 'models')
  );
}

interface TokenizerJson {
  truncation?: { max_length?: number } | null;
}

/**
 * In-process sentence embeddings with ONNX Runtime (CPU) and a Hugging Face `tokenizer.json`, following the
 * sentence-transformers recipe for all-MiniLM-L6-v2 (also e5-small-v2's, after its `"query: "` prefix): WordPiece
 * tokens → BERT `last_hidden_state` → mean pooling over the attention mask → L2 normalisation. Deterministic: the same text gives the same vector
 * alone or in any batch (texts of a batch are padded; padding is masked out of the pooling).
 * No network access: model and tokenizer are read from disk.
 */
export class OnnxSentenceEmbedder implements EmbeddingModel {
  readonly dimensions: number;

  private constructor(
    readonly id: string,
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
    dimensions: number,
    private readonly batchSize: number,
    private readonly maxTokens: number,
    private readonly prefix: string,
  ) {
    this.dimensions = dimensions;
  }

  /**
   * Loads `model.onnx` and `tokenizer.json` from `options.modelDir`.
   * @throws Error naming the missing file and the script that installs it, or ONNX Runtime's load error.
   */
  static async load(options: OnnxSentenceEmbedderOptions): Promise<OnnxSentenceEmbedder> {
    const modelPath = join(options.modelDir, 'model.onnx');
    const tokenizerPath = join(options.modelDir, 'tokenizer.json');
    for (const p of [modelPath, tokenizerPath]) {
      if (!existsSync(p)) throw new Error(`${p} not found: run \`bash tools/models/fetch-models.sh\` first`);
    }
    const tokenizerJson = JSON.parse(readFileSync(tokenizerPath, 'utf8')) as TokenizerJson;
    const tokenizer = new Tokenizer(tokenizerJson, {});
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const id = options.id ?? options.modelDir.split(/[\\/]/).filter(Boolean).pop() ?? 'onnx-model';
    const embedder = new OnnxSentenceEmbedder(
      id,
      session,
      tokenizer,
      0,
      Math.max(1, options.batchSize ?? 32),
      Math.max(2, options.maxTokens ?? 256),
      options.prefix ?? '',
    );
    const [probe] = await embedder.embedBatch(['dimension probe']);
    (embedder as { dimensions: number }).dimensions = probe.length;
    return embedder;
  }

  /**
   * Loads one of the MiniLM variants from {@link defaultModelsDir} (default: the full-precision `all-minilm-l6-v2`).
   * The quantized `-q` variant defaults to one text per run: it quantizes activations per batch tensor, so its
   * vectors would otherwise depend on the other texts of the batch.
   * @throws Error when the model was not fetched.
   */
  static loadMiniLm(
    variant: MiniLmVariant = 'all-minilm-l6-v2',
    options: Omit<OnnxSentenceEmbedderOptions, 'modelDir' | 'id'> & { modelsDir?: string } = {},
  ): Promise<OnnxSentenceEmbedder> {
    return OnnxSentenceEmbedder.loadLocal(variant, options);
  }

  /**
   * Loads a model `tools/models/fetch-models.sh` installs, by name, from `options.modelsDir` (default
   * {@link defaultModelsDir}), with its {@link LOCAL_MODELS} recipe (prefix, batch size, length); `options`
   * override the recipe.
   * @throws Error for an unknown name (listing the known ones), or naming the missing file and the fetch command.
   */
  static loadLocal(
    name: LocalModelName,
    options: Omit<OnnxSentenceEmbedderOptions, 'modelDir' | 'id'> & { modelsDir?: string } = {},
  ): Promise<OnnxSentenceEmbedder> {
    if (!isLocalModelName(name)) {
      return Promise.reject(
        new Error(`unknown local model "${String(name)}"; known: ${Object.keys(LOCAL_MODELS).join(', ')}`),
      );
    }
    const { modelsDir, ...rest } = options;
    return OnnxSentenceEmbedder.load({
      ...LOCAL_MODELS[name],
      ...rest,
      id: name,
      modelDir: join(modelsDir ?? defaultModelsDir(), name),
    });
  }

  /** {@inheritDoc EmbeddingModel.embed} Runs in batches of `batchSize` texts. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      out.push(...(await this.embedBatch(texts.slice(i, i + this.batchSize))));
    }
    return out;
  }

  /** Releases the ONNX Runtime session. */
  async close(): Promise<void> {
    await this.session.release();
  }

  private tokenize(text: string): number[] {
    const ids = this.tokenizer.encode(this.prefix + text).ids;
    if (ids.length <= this.maxTokens) return ids;
    // Keep [CLS] + the first word pieces + the final [SEP] (right truncation, as the tokenizer.json declares).
    return [...ids.slice(0, this.maxTokens - 1), ids[ids.length - 1]];
  }

  private async embedBatch(texts: string[]): Promise<Float32Array[]> {
    if (!texts.length) return [];
    const encoded = texts.map((t) => this.tokenize(t));
    const batch = texts.length;
    const len = Math.max(...encoded.map((e) => e.length));
    const ids = new BigInt64Array(batch * len);
    const mask = new BigInt64Array(batch * len);
    encoded.forEach((e, i) =>
      e.forEach((id, j) => {
        ids[i * len + j] = BigInt(id);
        mask[i * len + j] = 1n;
      }),
    );
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [batch, len]),
      attention_mask: new ort.Tensor('int64', mask, [batch, len]),
    };
    if (this.session.inputNames.includes('token_type_ids')) {
      feeds['token_type_ids'] = new ort.Tensor('int64', new BigInt64Array(batch * len), [batch, len]);
    }
    const result = await this.session.run(feeds);
    const hidden = result[this.session.outputNames[0]];
    const dim = hidden.dims[2];
    const data = hidden.data as Float32Array;
    const vectors: Float32Array[] = [];
    for (let i = 0; i < batch; i++) {
      const v = new Float32Array(dim);
      const n = encoded[i].length;
      for (let j = 0; j < n; j++) {
        const base = (i * len + j) * dim;
        for (let d = 0; d < dim; d++) v[d] += data[base + d];
      }
      for (let d = 0; d < dim; d++) v[d] /= n;
      vectors.push(l2Normalize(v));
    }
    return vectors;
  }
}
