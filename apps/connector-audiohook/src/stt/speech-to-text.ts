/**
 * Speech to text behind one small interface (one streaming recognizer per audio channel).
 * Implementations: PocketSphinx (offline default, Debian's `pocketsphinx` + `pocketsphinx-en-us`),
 * Google Cloud Speech-to-Text (`@google-cloud/speech` streamingRecognize), any OpenAI-compatible
 * `/v1/audio/transcriptions` server (per utterance, VAD-segmented), a Vosk server (WebSocket), and a null provider
 * (no transcription; capacity runs).
 */

/** A recognized word; times relative to the start of the channel's audio stream, ms. */
export interface RecognizedWord {
  word: string;
  startMs: number;
  endMs: number;
  /** [0, 1] */
  confidence: number;
}

/** A final utterance of one channel. */
export interface RecognizedUtterance {
  text: string;
  /** Start of the first word, ms from the start of the channel's audio stream. */
  startMs: number;
  /** End of the last word, ms from the start of the channel's audio stream. */
  endMs: number;
  /** Recognizer confidence in [0, 1], when the engine gives one. */
  confidence?: number;
  words: RecognizedWord[];
}

/** Callbacks and settings of one recognition stream. */
export interface SpeechStreamOptions {
  /** BCP 47 language tag of the speech, e.g. `en-US`. */
  language: string;
  /** For logs: AudioHook session id and channel. */
  label: string;
  /**
   * Tenant vocabulary (knowledge-base entity and product names) for engines that take hints: OpenAI `prompt`,
   * Vosk `phrase_list`, Google `speechContexts`. Engines without hints ignore it.
   */
  phrases?: readonly string[];
  onUtterance: (u: RecognizedUtterance) => void;
  onError: (e: Error) => void;
}

/** One channel's streaming recognizer. */
export interface SpeechStream {
  /**
   * Feeds audio.
   * @param pcm 16-bit signed PCM, mono, 8000 Hz (telephony)
   */
  write(pcm: Int16Array): void;
  /** End of audio: resolves once every final utterance has been delivered to `onUtterance`. */
  end(): Promise<void>;
  /** Stops at once, dropping what is not yet recognized. */
  destroy(): void;
}

/** A speech-to-text engine. */
export interface SpeechToTextProvider {
  readonly name: string;
  /**
   * BCP 47 tags of the languages this engine transcribes, as advertised to Genesys in
   * `opened.supportedLanguages` (when `open` asks with `supportedLanguages: true`).
   */
  readonly languages: readonly string[];
  /**
   * Whether this engine can transcribe `language` at all (enabled, language supported, capacity > 0).
   * Whether a stream is free right now is {@link availableStreams}.
   */
  supports(language: string): boolean;
  /** Streams that can be opened now. */
  availableStreams(): number;
  /**
   * Calls `listener` whenever a stream ends and frees its slot (sessions paused for lack of a
   * recognizer are resumed then).
   * @returns unsubscribe
   */
  onStreamReleased(listener: () => void): () => void;
  /**
   * Opens a recognizer for one channel.
   * @returns the stream, or `null` when this provider cannot transcribe (disabled, unsupported
   *          language, capacity exhausted); the caller then forwards no audio
   */
  open(options: SpeechStreamOptions): SpeechStream | null;
}

/** Provider that transcribes nothing (STT disabled; used by the capacity benchmark). */
export class NullSpeechToText implements SpeechToTextProvider {
  readonly name = 'none';
  readonly languages: readonly string[] = [];
  supports(): boolean {
    return false;
  }
  availableStreams(): number {
    return 0;
  }
  onStreamReleased(): () => void {
    return () => undefined;
  }
  open(): SpeechStream | null {
    return null;
  }
}
