import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { defaultModelsDir } from '@hub/embeddings';
import { missingMoonshineFiles, type MoonshineResult } from './moonshine/moonshine-files';
import type {
  RecognizedUtterance,
  SpeechStream,
  SpeechStreamOptions,
  SpeechToTextProvider,
} from './speech-to-text';
import { SegmentedSpeechStream, type SegmentDropReason, type SegmentEngine } from './segmented-speech-stream';
import { StreamSlots } from './stream-slots';
import type { SpeechSegment } from './vad-segmenter';

/** Why a detected utterance was not published (label of `audiohook_stt_dropped_utterances_total`). */
export type MoonshineDropReason = 'inference_failed' | SegmentDropReason;

/** Settings of the Moonshine provider. */
export interface MoonshineOptions {
  /** Folder with `encoder_model.onnx` + `decoder_model_merged.onnx` (`<models>/moonshine-tiny-q`). */
  modelDir: string;
  /** Most channels at once (each runs a Silero VAD; 0 disables the provider). */
  maxStreams: number;
  /**
   * Utterances transcribed at once: worker threads, each with its own model (≈ cores given to speech; the
   * rest wait in order).
   */
  concurrency: number;
  /** onnxruntime threads per inference. */
  threads: number;
  /** Speech of one channel waiting for the recognizer before further utterances are dropped (counted), ms. */
  maxPendingMs: number;
  logger: Logger;
  /** Called when a detected utterance is lost, with the reason (metrics). */
  onDropped?: (reason: MoonshineDropReason) => void;
  /** Called with each utterance's inference time and audio length, ms (metrics: real-time factor). */
  onTranscribed?: (inferenceMs: number, audioMs: number) => void;
}

/** Where `tools/models/fetch-models.sh` unpacks Moonshine tiny: `$HUB_MODELS_DIR/moonshine-tiny-q`. */
export function defaultMoonshineModelDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultModelsDir(env), 'moonshine-tiny-q');
}

/** Silence put before a segment that starts at the beginning of the stream (0.5 s), samples at 16 kHz. */
const LEAD_IN_SAMPLES = 8000;
/** A segment starting before this stream time has no lead-in of real audio, ms. */
const NO_LEAD_IN_BEFORE_MS = 300;

/** Languages of the English Moonshine models. */
const MOONSHINE_LANGUAGES = ['en-US', 'en-GB', 'en-AU', 'en-IN', 'en-CA', 'en'] as const;

/**
 * Offline speech to text with Moonshine tiny (English, MIT; the ONNX export shipped inside the npm package
 * `@moonshine-ai/moonshine-js`, unpacked at set-up by `tools/models/fetch-models.sh`), run in process
 * ({@link MoonshineModel} in `concurrency` worker threads of a Piscina pool, so inference never blocks the
 * event loop that serves the AudioHook sockets). Like the OpenAI-compatible provider it transcribes whole
 * utterances: each channel's audio is cut by the Silero VAD ({@link VadSegmenter}, 8 kHz telephony upsampled to
 * 16 kHz), and the utterances of all channels share the workers (first come first served); one channel's
 * utterances are transcribed in order. Under saturation a channel queues up to `maxPendingMs` of
 * speech, then drops further utterances with reason `backlog` (counted, never silent); `end()` resolves once
 * the queued utterances are transcribed (the session answers `closed` before that and publishes them late).
 * Takes no vocabulary hints: the connection spells the tenant's names into its text afterwards
 * ({@link VocabularyCorrector}).
 */
export class MoonshineSpeechToText implements SpeechToTextProvider {
  readonly name = 'moonshine';
  readonly languages: readonly string[] = MOONSHINE_LANGUAGES;
  private readonly slots: StreamSlots;
  private pool?: Piscina<{ dir: string; threads: number; audio: Float32Array }, MoonshineResult>;
  /** Whether the model files are present (checked once at start; absent → no capacity, a warning). */
  readonly installed: boolean;

  constructor(private readonly opts: MoonshineOptions) {
    const missing = opts.maxStreams > 0 ? missingMoonshineFiles(opts.modelDir) : [];
    this.installed = missing.length === 0;
    if (!this.installed)
      opts.logger.warn(
        { missing },
        'moonshine stt: model files missing (npm run models:fetch); its tenants are not transcribed',
      );
    this.slots = new StreamSlots(this.installed ? opts.maxStreams : 0);
  }

  /** The worker pool, started on first use (each worker loads the model once, ≈ 1 s). */
  private workers() {
    this.pool ??= new Piscina({
      filename: join(__dirname, 'moonshine', 'moonshine.worker.js'),
      minThreads: 0,
      maxThreads: Math.max(1, this.opts.concurrency),
      // every stream has at most one utterance queued: the queue never overflows
      maxQueue: Math.max(1, this.opts.maxStreams),
      idleTimeout: 10 * 60_000,
    });
    return this.pool;
  }

  /** Stops the worker threads (service shutdown); a later utterance starts them again. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }

  supports(language: string): boolean {
    return this.slots.max > 0 && language.toLowerCase().startsWith('en');
  }

  availableStreams(): number {
    return this.slots.available;
  }

  onStreamReleased(listener: () => void): () => void {
    return this.slots.onReleased(listener);
  }

  open(options: SpeechStreamOptions): SpeechStream | null {
    if (!this.supports(options.language)) return null;
    const release = this.slots.acquire();
    if (!release) {
      this.opts.logger.warn({ stream: options.label }, 'moonshine stt: no stream left');
      return null;
    }
    return new SegmentedSpeechStream(this.engine, options, release);
  }

  /**
   * Transcribes one segment in a worker.
   * @returns the utterance in stream time, or null when nothing was said
   * @throws Error when the model cannot be loaded or the inference fails; the signal's AbortError when the stream
   *         was destroyed before or while it was transcribed
   */
  async transcribe(seg: SpeechSegment, signal: AbortSignal): Promise<RecognizedUtterance | null> {
    signal.throwIfAborted();
    // a segment cut at the very start of the stream has no lead-in (the VAD's pre-speech pad needs audio before
    // it) and then often decodes to nothing: give it 0.5 s of silence; other segments go as cut (measured: padding
    // every segment costs accuracy on real speech, LibriVox 2 → 6 errors in 71 words)
    const lead = seg.startMs < NO_LEAD_IN_BEFORE_MS ? LEAD_IN_SAMPLES : 0;
    const audio = new Float32Array(lead + seg.pcm.length);
    for (let i = 0; i < seg.pcm.length; i++) audio[lead + i] = seg.pcm[i] / 32768;
    const t0 = performance.now();
    // no abort signal to the pool: aborting a running task would kill its worker (and its loaded model)
    const r = await this.workers().run(
      { dir: this.opts.modelDir, threads: this.opts.threads, audio },
      { transferList: [audio.buffer] },
    );
    signal.throwIfAborted();
    this.opts.onTranscribed?.(performance.now() - t0, seg.endMs - seg.startMs);
    if (!r.text) return null;
    // the model gives no word times: the utterance spans the VAD segment
    return { text: r.text, startMs: seg.startMs, endMs: seg.endMs, confidence: r.confidence, words: [] };
  }

  /** The engine side of this provider's streams. */
  private get engine(): SegmentEngine<'inference_failed'> {
    return {
      label: 'moonshine stt',
      logger: this.opts.logger,
      maxPendingMs: this.opts.maxPendingMs,
      onDropped: this.opts.onDropped,
      transcribe: (seg, _stream, signal) => this.transcribe(seg, signal),
      failure: () => ({ reason: 'inference_failed', report: true }),
    };
  }
}
