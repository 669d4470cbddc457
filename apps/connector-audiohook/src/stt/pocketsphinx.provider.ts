import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Logger } from 'pino';
import { TelephonyUpsampler } from '../audio/pcm';
import { PocketSphinxOutputParser } from './pocketsphinx-output';
import type { SpeechStream, SpeechStreamOptions, SpeechToTextProvider } from './speech-to-text';
import { StreamSlots } from './stream-slots';

/** Settings of the PocketSphinx provider. */
export interface PocketSphinxOptions {
  /** `pocketsphinx_continuous` executable (Debian package `pocketsphinx`, 0.8+5prealpha). */
  binary: string;
  /** Acoustic model dir (`-hmm`), language model (`-lm`), dictionary (`-dict`); engine defaults when unset. */
  hmm?: string;
  lm?: string;
  dict?: string;
  /** Most recognizer processes at once (each ≈ one CPU-bound process per channel); more channels go untranscribed. */
  maxStreams: number;
  /** Audio buffered for a recognizer that falls behind before frames are dropped, ms. */
  maxBacklogMs: number;
  /** Peak amplitude of the 4–8 kHz noise fill (see {@link TelephonyUpsampler}); 0 disables. */
  noiseFill: number;
  /** How long `end()` waits for the last utterance before killing the process, ms. */
  flushTimeoutMs: number;
  logger: Logger;
  /** Called when frames are dropped because a recognizer fell behind (metrics). */
  onDropped?: (ms: number) => void;
  /** Called when a recognizer had to be killed at `flushTimeoutMs` (its last words, if any, are lost). */
  onFlushTimeout?: () => void;
}

/**
 * Offline speech to text with CMU PocketSphinx (`pocketsphinx_continuous`, US English model).
 *
 * One long-lived process per channel reads raw 16 kHz 16-bit mono PCM from stdin
 * (`-infile /dev/stdin`), detects utterance ends with its voice-activity detector (≈0.5 s of
 * silence) and prints each final hypothesis with word times (`-time yes`), parsed by
 * {@link PocketSphinxOutputParser}. The 8 kHz telephony audio is upsampled with noise fill
 * ({@link TelephonyUpsampler}) because the model is wide-band. Node hands children a socket, not a
 * pipe, as stdin, and the engine opens `/dev/stdin` by path, so a `cat` in between provides a real pipe.
 * Only English (`en*`) is supported: other languages get no recognizer.
 */
export class PocketSphinxSpeechToText implements SpeechToTextProvider {
  readonly name = 'pocketsphinx';
  /** The Debian `pocketsphinx-en-us` model: US English. */
  readonly languages: readonly string[] = ['en-US'];
  private readonly slots: StreamSlots;

  constructor(private readonly opts: PocketSphinxOptions) {
    this.slots = new StreamSlots(opts.maxStreams);
  }

  /** Recognizer processes running now. */
  get activeStreams(): number {
    return this.slots.inUse;
  }

  /** English only (the en-us model), and only with `maxStreams` > 0. */
  supports(language: string): boolean {
    return this.opts.maxStreams > 0 && /^en\b/i.test(language);
  }

  availableStreams(): number {
    return this.slots.available;
  }

  onStreamReleased(listener: () => void): () => void {
    return this.slots.onReleased(listener);
  }

  open(options: SpeechStreamOptions): SpeechStream | null {
    if (!/^en\b/i.test(options.language)) {
      this.opts.logger.warn(
        { stream: options.label, language: options.language },
        'pocketsphinx: language not supported',
      );
      return null;
    }
    const release = this.slots.acquire();
    if (!release) {
      this.opts.logger.warn(
        { stream: options.label, max: this.opts.maxStreams },
        'pocketsphinx: no recognizer left',
      );
      return null;
    }
    return new PocketSphinxStream(this.opts, options, release);
  }
}

class PocketSphinxStream implements SpeechStream {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly upsampler: TelephonyUpsampler;
  private readonly parser = new PocketSphinxOutputParser();
  private readonly exited: Promise<void>;
  private ended = false;

  constructor(
    private readonly opts: PocketSphinxOptions,
    private readonly stream: SpeechStreamOptions,
    release: () => void,
  ) {
    this.upsampler = new TelephonyUpsampler(opts.noiseFill);
    const args = ['-infile', '/dev/stdin', '-samprate', '16000', '-time', 'yes', '-logfn', '/dev/null'];
    if (opts.hmm) args.push('-hmm', opts.hmm);
    if (opts.lm) args.push('-lm', opts.lm);
    if (opts.dict) args.push('-dict', opts.dict);
    // `sh -c 'cat | exec "$0" "$@"' binary args…`: arguments are passed positionally, never interpolated.
    this.proc = spawn('sh', ['-c', 'cat | exec "$0" "$@"', opts.binary, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // own process group, so sh, cat and the engine are ended together (see kill())
      detached: true,
    });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk: string) => {
      for (const u of this.parser.push(chunk)) this.stream.onUtterance(u);
    });
    let stderr = '';
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (c: string) => {
      stderr = (stderr + c).slice(-2000);
    });
    this.proc.stdin.on('error', () => undefined); // EPIPE after an early exit is reported via 'exit'
    this.exited = new Promise((resolve) => {
      this.proc.on('error', (e) => {
        release();
        this.stream.onError(e);
        resolve();
      });
      this.proc.on('close', (code, signal) => {
        release();
        if (code !== 0 && !this.ended) {
          this.stream.onError(
            new Error(`pocketsphinx exited (code ${code}, signal ${signal}): ${stderr.trim().slice(-500)}`),
          );
        }
        resolve();
      });
    });
  }

  write(pcm: Int16Array): void {
    if (this.ended || !this.proc.stdin.writable) return;
    // 16 kHz × 2 bytes = 32 bytes per ms
    if (this.proc.stdin.writableLength > this.opts.maxBacklogMs * 32) {
      this.opts.onDropped?.((pcm.length / 8000) * 1000);
      return;
    }
    const up = this.upsampler.process(pcm);
    this.proc.stdin.write(Buffer.from(up.buffer, up.byteOffset, up.byteLength));
  }

  async end(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      // 1 s of trailing silence (16 kHz, 16-bit): the engine endpoints an utterance on silence, so speech that
      // runs up to the end of the stream (the caller hung up mid-sentence) still comes out as a final utterance
      if (this.proc.stdin.writable) this.proc.stdin.write(Buffer.alloc(16_000 * 2));
      this.proc.stdin.end();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.opts.logger.warn({ stream: this.stream.label }, 'pocketsphinx: flush timed out; killing');
          this.opts.onFlushTimeout?.();
          this.kill();
          resolve();
        }, this.opts.flushTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  destroy(): void {
    this.ended = true;
    this.proc.stdin.destroy();
    this.kill();
  }

  /** SIGKILL to the stream's process group (the `sh`, `cat` and engine this stream started). */
  private kill(): void {
    if (this.proc.pid === undefined || this.proc.exitCode !== null) return;
    try {
      process.kill(-this.proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
