import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { l2Normalize, type EmbeddingModel } from './embedding-model';

/** The models `tools/models/fetch-models.sh` installs. `-q` is the 8-bit quantized export (faster, batch-dependent). */
export type MiniLmVariant = 'all-minilm-l6-v2-q' | 'all-minilm-l6-v2';

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
 * sentence-transformers recipe for all-MiniLM-L6-v2: WordPiece tokens → BERT `last_hidden_state` → mean
 * pooling over the attention mask → L2 normalisation. Deterministic: the same text gives the same vector
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
    return OnnxSentenceEmbedder.load({
      batchSize: variant === 'all-minilm-l6-v2-q' ? 1 : undefined,
      ...options,
      id: variant,
      modelDir: join(options.modelsDir ?? defaultModelsDir(), variant),
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
    const ids = this.tokenizer.encode(text).ids;
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
