import type { Logger } from 'pino';
import WebSocket from 'ws';
import { z } from 'zod';
import { pinnedLookup, type OutboundHttp } from '@hub/integrations';
import type {
  RecognizedUtterance,
  SpeechStream,
  SpeechStreamOptions,
  SpeechToTextProvider,
} from './speech-to-text';
import { StreamSlots } from './stream-slots';

/** Why a Vosk stream lost speech (label of `audiohook_stt_dropped_utterances_total`). */
export type VoskDropReason = 'connection_lost' | 'no_final' | 'backlog' | 'bad_message';

/** Settings of the Vosk provider. */
export interface VoskOptions {
  /** `ws://` / `wss://` URL of a Vosk server (`asr_server.py`). */
  url: string;
  maxStreams: number;
  /** Connect deadline, and the wait for the final result after `eof`, ms. */
  timeoutMs: number;
  /**
   * Send the tenant vocabulary as `phrase_list`. Vosk builds a Kaldi grammar from it, which **restricts**
   * recognition to those phrases (plus `[unk]`): right for menus and short answers, wrong for free
   * conversation, hence off unless asked for.
   */
  phraseList?: boolean;
  /** Audio waiting to be sent (not yet on the socket) before frames are dropped, ms. */
  maxBacklogMs?: number;
  http: OutboundHttp;
  logger: Logger;
  /** Called when speech is lost, with the reason (metrics). */
  onDropped?: (reason: VoskDropReason) => void;
}

/** A Vosk result (`KaldiRecognizer.Result()` / `FinalResult()` with `SetWords(true)`), or a partial. */
const VoskMessageSchema = z.union([
  z.object({ partial: z.string() }),
  z.object({
    text: z.string(),
    result: z
      .array(z.object({ word: z.string(), start: z.number(), end: z.number(), conf: z.number() }))
      .optional(),
  }),
]);
type VoskMessage = z.infer<typeof VoskMessageSchema>;

/**
 * A final Vosk result → utterance (word times in seconds from the start of the stream → ms).
 * @returns null for partials and empty finals
 */
export function utteranceFromVosk(m: VoskMessage): RecognizedUtterance | null {
  if (!('text' in m)) return null;
  const text = m.text.trim();
  if (!text) return null;
  const words = (m.result ?? []).map((w) => ({
    word: w.word,
    startMs: Math.round(w.start * 1000),
    endMs: Math.round(w.end * 1000),
    confidence: w.conf,
  }));
  return {
    text,
    startMs: words[0]?.startMs ?? 0,
    endMs: words[words.length - 1]?.endMs ?? 0,
    confidence: words.length ? words.reduce((a, w) => a + w.confidence, 0) / words.length : undefined,
    words,
  };
}

/** The end-of-stream message exactly as `asr_server.py` compares it (`message == '{"eof" : 1}'`). */
export const VOSK_EOF = '{"eof" : 1}';

/**
 * Streaming speech to text with a Vosk server over its WebSocket protocol (alphacep/vosk-server
 * `websocket/asr_server.py`): one connection per channel; first a text message
 * `{"config": {"sample_rate": 8000, "words": 1[, "phrase_list": [...]]}}`, then the audio as binary
 * 16-bit little-endian PCM chunks as they arrive (the server answers each with `{"partial": …}` or, at an
 * endpoint, a final `{"text": …, "result": [{word, start, end, conf}]}`), and at the end the text
 * `{"eof" : 1}`, answered with the last final result, after which the server closes. Finals become
 * utterances. The URL is vetted by the outbound policy and the socket pinned to the vetted addresses.
 */
export class VoskSpeechToText implements SpeechToTextProvider {
  readonly name = 'vosk';
  readonly languages: readonly string[];
  private readonly slots: StreamSlots;

  /** @param languages the server model's language(s), advertised in `opened.supportedLanguages` */
  constructor(
    private readonly opts: VoskOptions,
    languages: readonly string[] = ['en-US'],
  ) {
    this.languages = languages;
    this.slots = new StreamSlots(opts.maxStreams);
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
      this.opts.logger.warn({ stream: options.label }, 'vosk: no stream left');
      return null;
    }
    return new VoskStream(this.opts, options, release);
  }
}

class VoskStream implements SpeechStream {
  private ws?: WebSocket;
  /** Audio written before the socket is open (bounded by maxBacklogMs). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;
  private failed = false;
  private readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly maxBacklogBytes: number;

  constructor(
    private readonly opts: VoskOptions,
    private readonly stream: SpeechStreamOptions,
    private readonly release: () => void,
  ) {
    this.maxBacklogBytes = ((opts.maxBacklogMs ?? 10_000) / 1000) * 8000 * 2;
    this.closed = new Promise((r) => (this.resolveClosed = r));
    void this.connect();
  }

  private async connect(): Promise<void> {
    try {
      const target = await this.opts.http.vet(this.opts.url);
      if (this.ended && this.pendingBytes === 0) return this.finish();
      const ws = new WebSocket(target.url, {
        lookup: pinnedLookup(target.addresses),
        handshakeTimeout: this.opts.timeoutMs,
        perMessageDeflate: false,
      });
      this.ws = ws;
      ws.on('open', () => {
        const config: Record<string, unknown> = { sample_rate: 8000, words: 1 };
        if (this.opts.phraseList && this.stream.phrases?.length)
          config['phrase_list'] = [...this.stream.phrases, '[unk]'];
        ws.send(JSON.stringify({ config }));
        for (const b of this.pending) ws.send(b);
        this.pending = [];
        this.pendingBytes = 0;
        if (this.ended) ws.send(VOSK_EOF);
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        this.onMessage(String(data));
      });
      ws.on('error', (e) => this.fail(e));
      ws.on('close', (code) => {
        if (!this.ended && !this.failed) this.fail(new Error(`vosk server closed the connection (${code})`));
        this.finish();
      });
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      this.finish();
    }
  }

  private onMessage(text: string): void {
    let m: VoskMessage;
    try {
      m = VoskMessageSchema.parse(JSON.parse(text));
    } catch {
      this.opts.onDropped?.('bad_message');
      this.opts.logger.warn({ stream: this.stream.label, message: text.slice(0, 200) }, 'vosk: bad message');
      return;
    }
    const u = utteranceFromVosk(m);
    if (u) this.stream.onUtterance(u);
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.opts.onDropped?.('connection_lost');
    this.stream.onError(e);
  }

  private finish(): void {
    this.release();
    this.resolveClosed();
  }

  write(pcm: Int16Array): void {
    if (this.ended || this.failed) return;
    const bytes = Buffer.alloc(pcm.length * 2);
    for (let i = 0; i < pcm.length; i++) bytes.writeInt16LE(pcm[i], i * 2);
    const ws = this.ws;
    if (ws?.readyState === WebSocket.OPEN) {
      if (ws.bufferedAmount > this.maxBacklogBytes) {
        this.opts.onDropped?.('backlog');
        return;
      }
      ws.send(bytes);
    } else if (this.pendingBytes + bytes.length <= this.maxBacklogBytes) {
      this.pending.push(bytes);
      this.pendingBytes += bytes.length;
    } else this.opts.onDropped?.('backlog');
  }

  async end(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(VOSK_EOF);
      // not open yet: `eof` follows the pending audio in the open handler
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closed,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.opts.logger.warn({ stream: this.stream.label }, 'vosk: no final result in time; closing');
          this.opts.onDropped?.('no_final');
          this.ws?.terminate();
          this.finish();
          resolve();
        }, this.opts.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  destroy(): void {
    this.ended = true;
    this.ws?.terminate();
    this.finish();
  }
}
