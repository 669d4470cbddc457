/** Tunables of {@link AnswerDeltas}. */
export interface AnswerDeltaOptions {
  /**
   * Minimum time between two deltas, ms (the first piece goes out at once). 0 = a delta for each
   * piece as soon as the previous delta is acknowledged.
   */
  intervalMs: number;
  /** Buffered characters that trigger a delta before `intervalMs` has passed. */
  maxChars: number;
}

/**
 * Sends one delta (`seq` 1, 2, …; `text` to append). Resolves when the broker acknowledged it.
 * A rejection ends the stream of deltas (see {@link AnswerDeltas}).
 */
export type SendDelta = (seq: number, text: string) => Promise<void>;

/**
 * Coalesces the pieces of a streamed answer into deltas for `assist.suggestion.delta`: the first
 * piece at once (time to first text), then at most one delta per `intervalMs` (sooner when
 * `maxChars` are buffered), one send at a time so they reach the broker in `seq` order.
 *
 * The concatenation of the sent texts is the trimmed answer (what `LlmRepository.chat` returns):
 * leading whitespace is dropped and trailing whitespace is held back until more text follows.
 *
 * Best-effort: a failed send is reported to `onError` and ends the deltas for this answer (`seq` is
 * never reused, so a consumer never sees a gap filled by different text); the caller publishes the
 * complete answer regardless. `push` is called from the provider's stream callback; `finish` or
 * `abort` once at the end.
 */
export class AnswerDeltas {
  private pending = '';
  private started = false;
  private seq = 0;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private finishing = false;

  constructor(
    private readonly send: SendDelta,
    private readonly opts: AnswerDeltaOptions,
    private readonly onError: (err: Error) => void = () => undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Deltas sent (and acknowledged or in flight) so far: the last `seq`. */
  get sent(): number {
    return this.seq;
  }

  /** A piece of the answer as the provider streams it. Ignored after `finish`/`abort` or a failed send. */
  push(piece: string): void {
    if (this.closed || !piece) return;
    this.pending += piece;
    this.schedule();
  }

  /**
   * The answer is complete: sends what is buffered (trailing whitespace dropped) and waits for the
   * last send. Never throws.
   * @returns the number of deltas sent
   */
  async finish(): Promise<number> {
    this.finishing = true;
    this.clearTimer();
    while (this.inFlight) await this.inFlight;
    if (!this.closed) {
      const text = this.sendable();
      if (text) await this.flush(text);
    }
    this.closed = true;
    return this.seq;
  }

  /** The generation failed: drops what is buffered and waits for a send in flight. Never throws. */
  async abort(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    while (this.inFlight) await this.inFlight;
  }

  /** The text that may go out now (without leading whitespace of the answer, trailing whitespace held). */
  private sendable(): string {
    if (!this.started) this.pending = this.pending.trimStart();
    return this.pending.trimEnd();
  }

  private schedule(): void {
    if (this.closed || this.finishing || this.inFlight) return;
    const text = this.sendable();
    if (!text) return;
    const wait =
      this.seq === 0 || text.length >= this.opts.maxChars
        ? 0
        : this.lastSentAt + this.opts.intervalMs - this.now();
    if (wait <= 0) {
      this.clearTimer();
      void this.flush(text);
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, wait);
    this.timer.unref?.();
  }

  private flush(text: string): Promise<void> {
    this.pending = this.pending.slice(text.length);
    this.started = true;
    this.seq += 1;
    this.lastSentAt = this.now();
    const p = this.send(this.seq, text).then(
      () => {
        this.inFlight = undefined;
        this.schedule();
      },
      (err: unknown) => {
        this.inFlight = undefined;
        this.closed = true;
        this.clearTimer();
        this.onError(err instanceof Error ? err : new Error(String(err)));
      },
    );
    this.inFlight = p;
    return p;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
