import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { protos } from '@google-cloud/speech';
import type {
  RecognizedWord,
  SpeechStream,
  SpeechStreamOptions,
  SpeechToTextProvider,
} from './speech-to-text';
import { StreamSlots } from './stream-slots';

type StreamingConfig = protos.google.cloud.speech.v1.IStreamingRecognitionConfig;
type StreamingResponse = protos.google.cloud.speech.v1.IStreamingRecognizeResponse;
type ProtoDuration = protos.google.protobuf.IDuration;

/** The part of `@google-cloud/speech`'s `SpeechClient` used here (a fake implements it in tests). */
export interface StreamingSpeechClient {
  /** Returns a duplex: write raw audio `Buffer`s, read `StreamingRecognizeResponse` objects. */
  streamingRecognize(config: StreamingConfig): Duplex;
}

/** Settings of the Google provider. */
export interface GoogleSpeechOptions {
  /** Creates the client (default: `new SpeechClient()` with Application Default Credentials). */
  clientFactory: () => StreamingSpeechClient;
  /** Recognition model, e.g. `phone_call` (telephony) or `latest_long`. */
  model: string;
  /**
   * Audio per streaming call before it is replaced by a new one, ms. Google ends a streaming
   * call after about 305 s; results of later calls are shifted by the audio already sent.
   */
  maxStreamMs: number;
  maxStreams: number;
  /** Languages advertised in `opened.supportedLanguages` (BCP 47; default `['en-US']`). */
  languages?: readonly string[];
  logger: Logger;
}

/** protobuf Duration → ms. */
export function protoDurationMs(d: ProtoDuration | null | undefined): number {
  if (!d) return 0;
  return Number(d.seconds ?? 0) * 1000 + Math.round(Number(d.nanos ?? 0) / 1e6);
}

/**
 * Cloud speech to text with Google Cloud Speech-to-Text v1 `streamingRecognize` (gRPC,
 * `@google-cloud/speech`): 8 kHz LINEAR16 mono, word time offsets, final results only. Each final
 * result becomes one utterance (times from its word offsets, shifted by the audio sent on earlier
 * calls of the same channel). The stream's vocabulary `phrases` are sent as `speechContexts` hints.
 */
export class GoogleSpeechToText implements SpeechToTextProvider {
  readonly name = 'google';
  readonly languages: readonly string[];
  private client?: StreamingSpeechClient;
  private readonly slots: StreamSlots;

  constructor(private readonly opts: GoogleSpeechOptions) {
    this.languages = opts.languages ?? ['en-US'];
    this.slots = new StreamSlots(opts.maxStreams);
  }

  /** Any `languageCode` is passed to Google; only `maxStreams` > 0 is required. */
  supports(): boolean {
    return this.opts.maxStreams > 0;
  }

  availableStreams(): number {
    return this.slots.available;
  }

  onStreamReleased(listener: () => void): () => void {
    return this.slots.onReleased(listener);
  }

  open(options: SpeechStreamOptions): SpeechStream | null {
    if (this.slots.available === 0) {
      this.opts.logger.warn({ stream: options.label }, 'google stt: no stream left');
      return null;
    }
    this.client ??= this.opts.clientFactory(); // may throw: before a slot is taken
    const release = this.slots.acquire();
    if (!release) return null;
    return new GoogleSpeechStream(this.client, this.opts, options, release);
  }
}

class GoogleSpeechStream implements SpeechStream {
  private call: Duplex;
  private callDone: Promise<void>;
  /** Audio sent on earlier (completed) calls, ms. */
  private baseMs = 0;
  /** Audio sent on the current call, samples (8 kHz). */
  private samples = 0;
  private readonly pending: Promise<void>[] = [];
  private ended = false;

  constructor(
    private readonly client: StreamingSpeechClient,
    private readonly opts: GoogleSpeechOptions,
    private readonly stream: SpeechStreamOptions,
    private readonly release: () => void,
  ) {
    [this.call, this.callDone] = this.startCall();
  }

  private startCall(): [Duplex, Promise<void>] {
    const call = this.client.streamingRecognize({
      config: {
        encoding: 'LINEAR16',
        sampleRateHertz: 8000,
        audioChannelCount: 1,
        languageCode: this.stream.language,
        enableWordTimeOffsets: true,
        enableAutomaticPunctuation: true,
        model: this.opts.model,
        // tenant vocabulary as phrase hints (v1 SpeechContext)
        ...(this.stream.phrases?.length ? { speechContexts: [{ phrases: [...this.stream.phrases] }] } : {}),
      },
      interimResults: false,
    });
    const base = this.baseMs;
    const done = new Promise<void>((resolve) => {
      call.on('data', (r: StreamingResponse) => this.onResponse(r, base));
      call.on('error', (e: Error) => {
        this.stream.onError(e);
        resolve();
      });
      call.on('end', () => resolve());
      call.on('close', () => resolve());
    });
    return [call, done];
  }

  private onResponse(r: StreamingResponse, baseMs: number): void {
    for (const result of r.results ?? []) {
      if (!result.isFinal) continue;
      const alt = result.alternatives?.[0];
      const text = alt?.transcript?.trim();
      if (!alt || !text) continue;
      const words: RecognizedWord[] = (alt.words ?? []).map((w) => ({
        word: w.word ?? '',
        startMs: baseMs + protoDurationMs(w.startTime),
        endMs: baseMs + protoDurationMs(w.endTime),
        confidence: w.confidence ?? alt.confidence ?? 0,
      }));
      const endMs = words.length
        ? words[words.length - 1].endMs
        : baseMs + protoDurationMs(result.resultEndTime);
      this.stream.onUtterance({
        text,
        startMs: words.length ? words[0].startMs : endMs,
        endMs,
        confidence: alt.confidence ?? undefined,
        words,
      });
    }
  }

  write(pcm: Int16Array): void {
    if (this.ended) return;
    if ((this.samples / 8000) * 1000 >= this.opts.maxStreamMs) {
      // replace the call before Google's per-stream limit; results of the old one still arrive
      this.call.end();
      this.pending.push(this.callDone);
      this.baseMs += (this.samples / 8000) * 1000;
      this.samples = 0;
      [this.call, this.callDone] = this.startCall();
    }
    this.samples += pcm.length;
    const le = Buffer.alloc(pcm.length * 2);
    for (let i = 0; i < pcm.length; i++) le.writeInt16LE(pcm[i], i * 2);
    this.call.write(le);
  }

  async end(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.call.end();
    }
    await Promise.all([...this.pending, this.callDone]);
    this.release();
  }

  destroy(): void {
    this.ended = true;
    this.call.destroy();
    this.release();
  }
}
