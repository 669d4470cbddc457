import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as llamaTokenizerModule from 'llama-tokenizer-js';
import type { LlamaTokenizer } from 'llama-tokenizer-js';
import { MOONSHINE_FILES, missingMoonshineFiles, type MoonshineResult } from './moonshine-files';

/**
 * The tokenizer instance (the package is ES-module only: loaded by Node's `require(esm)` its default export can
 * come wrapped once or twice by the CommonJS interop).
 */
const llamaTokenizer: LlamaTokenizer = (() => {
  let m: unknown = llamaTokenizerModule;
  while (m && typeof (m as LlamaTokenizer).decode !== 'function' && (m as { default?: unknown }).default)
    m = (m as { default?: unknown }).default;
  return m as LlamaTokenizer;
})();

/** Moonshine's decoder start (`<s>`) and end (`</s>`) token ids (Llama tokenizer). */
const START_TOKEN = 1;
const EOS_TOKEN = 2;
/** Decoding stops after this many tokens per second of audio (moonshine-js uses 6; speech rarely exceeds 4). */
const MAX_TOKENS_PER_SECOND = 6;

/** Settings of {@link MoonshineModel}. */
export interface MoonshineModelOptions {
  /** Folder holding {@link MOONSHINE_FILES} (`tools/models/fetch-models.sh` → `<models>/moonshine-tiny-q`). */
  dir: string;
  /** onnxruntime intra-op threads per session (1: one core per concurrent inference). */
  threads?: number;
}

/**
 * Moonshine speech recognition (Useful Sensors, arXiv:2410.15608; the English tiny model, MIT licence) run in
 * process by onnxruntime-node: the encoder takes raw 16 kHz audio (no mel front end), the merged decoder is run
 * greedily with its key/value cache (`past_key_values.{layer}.{decoder|encoder}.{key|value}`,
 * `use_cache_branch`), exactly as the reference `moonshine-js` `MoonshineModel.generate` does; token ids are
 * decoded with the Llama tokenizer (`llama-tokenizer-js`, the vocabulary Moonshine shares with Llama).
 * The sessions are loaded on first use. onnxruntime-node's `run` keeps the calling thread busy for the whole
 * inference, so the service runs this class in worker threads (`moonshine.worker.js`, one model per worker), never
 * on its event loop.
 */
export class MoonshineModel {
  private sessions?: Promise<{ encoder: ort.InferenceSession; decoder: ort.InferenceSession }>;

  constructor(private readonly opts: MoonshineModelOptions) {}

  /**
   * Both sessions, loaded on first use (a failed load is retried on the next call).
   * @throws Error naming the missing files, or onnxruntime's load error
   */
  private session() {
    this.sessions ??= (async () => {
      const missing = missingMoonshineFiles(this.opts.dir);
      if (missing.length)
        throw new Error(`Moonshine model files missing: ${missing.join(', ')} (run npm run models:fetch)`);
      const options: ort.InferenceSession.SessionOptions = {
        intraOpNumThreads: this.opts.threads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      };
      const [encoder, decoder] = await Promise.all([
        ort.InferenceSession.create(join(this.opts.dir, MOONSHINE_FILES[0]), options),
        ort.InferenceSession.create(join(this.opts.dir, MOONSHINE_FILES[1]), options),
      ]);
      return { encoder, decoder };
    })().catch((e: unknown) => {
      this.sessions = undefined;
      throw e;
    });
    return this.sessions;
  }

  /**
   * Transcribes one utterance.
   * @param audio mono samples in [-1, 1] at 16 000 Hz (Moonshine was trained on 4–30 s segments; up to ≈ 60 s work)
   * @throws Error when the model cannot be loaded or an inference fails
   */
  async transcribe(audio: Float32Array): Promise<MoonshineResult> {
    const { encoder, decoder } = await this.session();
    if (audio.length < 1600) return { text: '', confidence: 1, tokens: 0 }; // < 0.1 s: nothing to say
    const encoded = await encoder.run({ input_values: new ort.Tensor('float32', audio, [1, audio.length]) });
    const hidden = encoded['last_hidden_state'];
    // cache inputs, and their shapes (batch, heads, sequence, head size) from the model's own metadata
    const pastNames = decoder.inputNames.filter((n) => n.startsWith('past_key_values.'));
    const presentNames = decoder.outputNames.filter((n) => n.startsWith('present.'));
    const [heads, headDim] = cacheShape(decoder, pastNames[0]);
    let past: Record<string, ort.Tensor> = Object.fromEntries(
      pastNames.map((n) => [n, new ort.Tensor('float32', new Float32Array(0), [0, heads, 1, headDim])]),
    );
    const maxTokens = Math.max(4, Math.trunc((audio.length / 16000) * MAX_TOKENS_PER_SECOND));
    const tokens: number[] = [];
    let next = START_TOKEN;
    let logProb = 0;
    for (let step = 0; step < maxTokens; step++) {
      const out = await decoder.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(next)), [1, 1]),
        encoder_hidden_states: hidden,
        use_cache_branch: new ort.Tensor('bool', [step > 0], [1]),
        ...past,
      });
      const { id, logProbability } = argmaxLogSoftmax(out['logits']);
      logProb += logProbability;
      // the encoder's cross-attention cache is computed on the first step only (use_cache_branch = false)
      const updated: Record<string, ort.Tensor> = {};
      pastNames.forEach((n, i) => {
        updated[n] = step === 0 || n.includes('.decoder.') ? out[presentNames[i]] : past[n];
      });
      past = updated;
      if (id === EOS_TOKEN) break;
      tokens.push(id);
      next = id;
    }
    const steps = Math.min(maxTokens, tokens.length + 1);
    return {
      // ids past the Llama vocabulary (Moonshine's 768 added special tokens) carry no text
      text: llamaTokenizer.decode(tokens.filter((t) => t < llamaTokenizer.vocabById.length)).trim(),
      confidence: Math.exp(logProb / Math.max(1, steps)),
      tokens: tokens.length,
    };
  }
}

/** Heads and head size of a cache input (`[batch, heads, sequence, headDim]`), from the session metadata. */
function cacheShape(decoder: ort.InferenceSession, name: string): [number, number] {
  const meta = (decoder as unknown as { inputMetadata?: { name: string; shape?: (number | string)[] }[] })
    .inputMetadata;
  const shape = meta?.find((m) => m.name === name)?.shape;
  if (shape && typeof shape[1] === 'number' && typeof shape[3] === 'number') return [shape[1], shape[3]];
  return [8, 36]; // moonshine tiny
}

/** Greedy choice over the last position's logits: the token id and its log-probability (log softmax). */
function argmaxLogSoftmax(logits: ort.Tensor): { id: number; logProbability: number } {
  const data = logits.data as Float32Array;
  const vocab = logits.dims[2];
  const off = (logits.dims[1] - 1) * vocab;
  let id = 0;
  let max = -Infinity;
  for (let k = 0; k < vocab; k++)
    if (data[off + k] > max) {
      max = data[off + k];
      id = k;
    }
  let sum = 0;
  for (let k = 0; k < vocab; k++) sum += Math.exp(data[off + k] - max);
  return { id, logProbability: -Math.log(sum) };
}
