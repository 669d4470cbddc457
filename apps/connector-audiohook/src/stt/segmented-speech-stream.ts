import type { Logger } from 'pino';
import type { RecognizedUtterance, SpeechStream, SpeechStreamOptions } from './speech-to-text';
import { VadSegmenter, type SpeechSegment } from './vad-segmenter';

/** Why a detected utterance was not published, whatever the engine (labels of the drop counter). */
export type SegmentDropReason = 'backlog' | 'stream_destroyed' | 'no_text';

/** A speech-to-text engine that transcribes whole utterances (VAD segments) — the engine side of a stream. */
export interface SegmentEngine<Reason extends string> {
  /** Prefix of log messages, e.g. `moonshine stt`. */
  readonly label: string;
  readonly logger: Logger;
  /** Speech of one stream that may wait for the engine before further segments are dropped (`backlog`), ms. */
  readonly maxPendingMs: number;
  /**
   * Transcribes one segment.
   * @returns the utterance in stream time, or null when the engine found no words
   * @throws on failure (mapped by {@link failure})
   */
  transcribe(
    seg: SpeechSegment,
    stream: SpeechStreamOptions,
    signal: AbortSignal,
  ): Promise<RecognizedUtterance | null>;
  /** The drop reason of a failed transcription and whether it is reported as an STT error of the stream. */
  failure(err: Error): { reason: Reason; report: boolean };
  /** Called once per detected utterance that was not published, with the reason (metrics). */
  onDropped?: (reason: Reason | SegmentDropReason) => void;
}

/**
 * One channel's stream for engines that transcribe whole utterances (the Moonshine and OpenAI-compatible
 * providers): the audio is cut by the Silero VAD ({@link VadSegmenter}); segments are transcribed one after another
 * (utterances arrive in order); every detected utterance is either delivered to `onUtterance` or counted as dropped
 * with its reason — `backlog` (more than `maxPendingMs` of speech waiting), `stream_destroyed` (destroyed before
 * its turn or while transcribed), `no_text` (the engine found no words), or the engine's own failure reason.
 * `end()` resolves once the queued segments are done and then frees the provider's slot (`release`).
 */
export class SegmentedSpeechStream<Reason extends string> implements SpeechStream {
  private readonly vad: VadSegmenter;
  private chain: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private pendingMs = 0;
  private ended = false;

  constructor(
    private readonly engine: SegmentEngine<Reason>,
    private readonly stream: SpeechStreamOptions,
    private readonly release: () => void,
  ) {
    this.vad = new VadSegmenter({ onSegment: (s) => this.onSegment(s) });
  }

  private onSegment(seg: SpeechSegment): void {
    const { logger, label, onDropped } = this.engine;
    const ms = seg.endMs - seg.startMs;
    if (this.pendingMs > 0 && this.pendingMs + ms > this.engine.maxPendingMs) {
      onDropped?.('backlog');
      logger.warn(
        { stream: this.stream.label, pendingMs: this.pendingMs, segmentMs: ms },
        `${label}: recognizer saturated, utterance dropped`,
      );
      return;
    }
    this.pendingMs += ms;
    this.chain = this.chain.then(async () => {
      try {
        if (this.abort.signal.aborted) {
          onDropped?.('stream_destroyed');
          return;
        }
        const u = await this.engine.transcribe(seg, this.stream, this.abort.signal);
        // speech for the VAD, no words for the engine (noise, a cough, a cut-off syllable): counted, not silent
        if (u) this.stream.onUtterance(u);
        else onDropped?.('no_text');
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        const { reason, report } = this.abort.signal.aborted
          ? { reason: 'stream_destroyed' as const, report: false }
          : this.engine.failure(err);
        onDropped?.(reason);
        logger.warn({ stream: this.stream.label, reason, err: err.message }, `${label}: utterance lost`);
        if (report) this.stream.onError(err);
      } finally {
        this.pendingMs -= ms;
      }
    });
  }

  write(pcm: Int16Array): void {
    if (!this.ended) this.vad.write(pcm);
  }

  async end(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      try {
        await this.vad.end();
      } catch (e) {
        this.stream.onError(e instanceof Error ? e : new Error(String(e)));
      }
    }
    await this.chain;
    this.release();
  }

  destroy(): void {
    this.ended = true;
    this.abort.abort();
    this.vad.destroy();
    this.release();
  }
}
