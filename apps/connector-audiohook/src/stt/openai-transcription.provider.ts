import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { WaveFile } from 'wavefile';
import { z } from 'zod';
import type { OutboundHttp } from '@hub/integrations';
import type {
  RecognizedUtterance,
  RecognizedWord,
  SpeechStream,
  SpeechStreamOptions,
  SpeechToTextProvider,
} from './speech-to-text';
import { SegmentedSpeechStream, type SegmentDropReason, type SegmentEngine } from './segmented-speech-stream';
import { StreamSlots } from './stream-slots';
import type { SpeechSegment } from './vad-segmenter';

/**
 * Why a recognized-speech segment produced no utterance (label of `audiohook_stt_dropped_utterances_total`; the
 * stream adds `backlog`, `stream_destroyed` and `no_text`, see {@link SegmentedSpeechStream}).
 */
export type DropReason = 'rejected' | 'retries_exhausted' | 'bad_response';

/** Settings of the OpenAI-compatible provider. */
export interface OpenAiTranscriptionOptions {
  /** Server root, e.g. `https://api.openai.com` or `http://127.0.0.1:8000`; `/v1/audio/transcriptions` is appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  /** `model` field, e.g. `whisper-1`, `gpt-4o-transcribe`, or a faster-whisper / whisper.cpp model id. */
  model: string;
  /** `response_format`: `verbose_json` (segments and word times) or `json` (text only). */
  responseFormat: 'json' | 'verbose_json';
  /** Most channels transcribed at once (each with its own VAD). */
  maxStreams: number;
  /** One request's deadline, ms. */
  timeoutMs: number;
  /** Attempts per utterance (1 = no retry) for 408/429/5xx and network errors. */
  maxAttempts: number;
  /** First retry delay, ms (exponential backoff with jitter from there). */
  retryDelayMs: number;
  /** The only way out: vets the URL (SSRF policy) and pins the connection. */
  http: OutboundHttp;
  logger: Logger;
  /** Called before each retry (metrics). */
  onRetry?: () => void;
  /** Called when a detected utterance is lost, with the reason (metrics). */
  onDropped?: (reason: DropReason | SegmentDropReason) => void;
}

/** A non-2xx answer of the transcription endpoint. */
export class TranscriptionHttpError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`transcription endpoint answered HTTP ${status}: ${body.slice(0, 300)}`);
    this.name = 'TranscriptionHttpError';
  }
  /** 408, 429 and 5xx are worth another attempt; other 4xx (bad request, auth, model) are not. */
  get transient(): boolean {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** `json` and `verbose_json` transcription objects (OpenAI API reference, "The transcription object"). */
const TranscriptionSchema = z.object({
  text: z.string(),
  words: z
    .array(z.object({ word: z.string(), start: z.number(), end: z.number() }))
    .optional()
    .nullable(),
  segments: z
    .array(
      z.object({
        start: z.number(),
        end: z.number(),
        text: z.string(),
        avg_logprob: z.number().optional(),
      }),
    )
    .optional()
    .nullable(),
});
type Transcription = z.infer<typeof TranscriptionSchema>;

/** ISO-639-1 code of a BCP 47 tag (`en-US` → `en`), as the `language` field expects. */
export function iso639(language: string): string {
  return language.split('-')[0].toLowerCase();
}

/**
 * Maps a transcription of one segment to an utterance in stream time.
 * @param t the parsed response; times in seconds from the start of the uploaded file
 * @param seg the uploaded segment (its `startMs` shifts every time)
 * @returns null when the text is empty
 */
export function utteranceFromTranscription(t: Transcription, seg: SpeechSegment): RecognizedUtterance | null {
  const text = t.text.trim();
  if (!text) return null;
  const at = (s: number) => Math.round(seg.startMs + s * 1000);
  const logprobs = (t.segments ?? []).map((s) => s.avg_logprob).filter((p): p is number => p !== undefined);
  const confidence = logprobs.length
    ? Math.min(1, Math.exp(logprobs.reduce((a, b) => a + b, 0) / logprobs.length))
    : undefined;
  const words: RecognizedWord[] = (t.words ?? []).map((w) => ({
    word: w.word.trim(),
    startMs: at(w.start),
    endMs: at(w.end),
    confidence: confidence ?? 0,
  }));
  const segs = t.segments ?? [];
  const startMs = words.length ? words[0].startMs : segs.length ? at(segs[0].start) : seg.startMs;
  const endMs = words.length
    ? words[words.length - 1].endMs
    : segs.length
      ? at(segs[segs.length - 1].end)
      : seg.endMs;
  return { text, startMs, endMs, confidence, words };
}

/**
 * Speech to text with any server implementing OpenAI's `POST /v1/audio/transcriptions` (OpenAI, Azure-style
 * proxies, faster-whisper-server / speaches, whisper.cpp server, LocalAI, vLLM …): the channel's audio is cut
 * into utterances by a voice-activity detector ({@link VadSegmenter}); each utterance is uploaded as a 16 kHz
 * 16-bit mono WAV (`wavefile`) in a `multipart/form-data` body built by the platform's `FormData`
 * (fields `file`, `model`, `language` ISO-639-1, `prompt` = tenant vocabulary, `response_format`, and with
 * `verbose_json` `timestamp_granularities[]` = `word` and `segment`), through {@link OutboundHttp} (vetted,
 * pinned, no redirects). 408/429/5xx and network errors are retried (cockatiel, exponential backoff);
 * other 4xx are permanent. A lost utterance is reported with its reason (`onDropped`), never silently.
 * Utterances of one channel are requested one after another, so they arrive in order.
 */
export class OpenAiTranscriptionSpeechToText implements SpeechToTextProvider {
  readonly name = 'openai';
  /** Whisper-family models transcribe many languages; advertised: English only unless configured otherwise. */
  readonly languages: readonly string[];
  private readonly slots: StreamSlots;
  readonly url: string;
  private readonly policy: RetryPolicy;

  /** @param languages advertised in `opened.supportedLanguages` (default `['en-US']`) */
  constructor(
    private readonly opts: OpenAiTranscriptionOptions,
    languages: readonly string[] = ['en-US'],
  ) {
    this.languages = languages;
    this.slots = new StreamSlots(opts.maxStreams);
    this.url = `${opts.baseUrl.replace(/\/+$/, '')}/v1/audio/transcriptions`;
    this.policy = retry(
      handleWhen((e) => !(e instanceof TranscriptionHttpError) || e.transient),
      {
        maxAttempts: Math.max(0, opts.maxAttempts - 1),
        backoff: new ExponentialBackoff({
          initialDelay: opts.retryDelayMs,
          maxDelay: 10 * opts.retryDelayMs,
        }),
      },
    );
    this.policy.onRetry(() => opts.onRetry?.());
  }

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
    const release = this.slots.acquire();
    if (!release) {
      this.opts.logger.warn({ stream: options.label }, 'openai stt: no stream left');
      return null;
    }
    return new SegmentedSpeechStream(this.engine, options, release);
  }

  /**
   * Uploads one segment and parses the answer.
   * @throws TranscriptionHttpError (non-2xx after retries), OutboundUrlRefusedError, network/timeout errors,
   *         ZodError / SyntaxError (not a transcription object)
   */
  async transcribe(seg: SpeechSegment, language: string, phrases: readonly string[], signal: AbortSignal) {
    const wav = new WaveFile();
    wav.fromScratch(1, seg.sampleRate, '16', seg.pcm);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(wav.toBuffer())], { type: 'audio/wav' }), 'utterance.wav');
    form.set('model', this.opts.model);
    form.set('language', iso639(language));
    if (phrases.length) form.set('prompt', phrases.join(', '));
    form.set('response_format', this.opts.responseFormat);
    if (this.opts.responseFormat === 'verbose_json') {
      form.append('timestamp_granularities[]', 'word');
      form.append('timestamp_granularities[]', 'segment');
    }
    // the platform's multipart encoder (WHATWG fetch body extraction): boundary + content-type
    const encoded = new Request(this.url, { method: 'POST', body: form });
    const body = new Uint8Array(await encoded.arrayBuffer());
    const headers: Record<string, string> = {
      'content-type': encoded.headers.get('content-type') ?? 'multipart/form-data',
      accept: 'application/json',
    };
    if (this.opts.apiKey) headers['authorization'] = `Bearer ${this.opts.apiKey}`;
    return this.policy.execute(async () => {
      const res = await this.opts.http.request(this.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.timeoutMs)]),
      });
      const text = await res.text(4 << 20);
      if (!res.ok) throw new TranscriptionHttpError(res.status, text);
      return TranscriptionSchema.parse(JSON.parse(text));
    });
  }

  /** The engine side of this provider's streams: upload, map the answer, classify failures. */
  private get engine(): SegmentEngine<DropReason> {
    return {
      label: 'openai stt',
      logger: this.opts.logger,
      maxPendingMs: Number.POSITIVE_INFINITY, // one request in flight per channel; the server sets the pace
      onDropped: this.opts.onDropped,
      transcribe: async (seg, stream, signal) =>
        utteranceFromTranscription(
          await this.transcribe(seg, stream.language, stream.phrases ?? [], signal),
          seg,
        ),
      failure: (err) => ({
        reason:
          err instanceof TranscriptionHttpError
            ? err.transient
              ? 'retries_exhausted'
              : 'rejected'
            : err.name === 'ZodError' || err instanceof SyntaxError
              ? 'bad_response'
              : 'retries_exhausted',
        report: true,
      }),
    };
  }
}
