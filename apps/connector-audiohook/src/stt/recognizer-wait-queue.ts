import type { SpeechToTextProvider } from './speech-to-text';

/** A session waiting (paused) for a recognizer. */
export interface RecognizerWaiter {
  /**
   * Called, oldest first, when the provider has a free stream: the waiter opens its recognizers
   * at once (so no newer session takes the slot) and asks its client to `resume`.
   * @returns false when the waiter no longer wants a recognizer (session ending); the next one is tried
   */
  grant(): boolean;
}

/**
 * FIFO of AudioHook sessions paused because their speech-to-text provider had no stream left
 * (e.g. `POCKETSPHINX_MAX_STREAMS` reached). Whenever the provider releases a stream, the oldest
 * waiters are granted while streams are available.
 */
export class RecognizerWaitQueue {
  private readonly waiting: RecognizerWaiter[] = [];
  private draining = false;

  /**
   * @param provider     the provider whose capacity is awaited
   * @param onSizeChange called with the number of waiting sessions after every change (metrics)
   */
  constructor(
    private readonly provider: Pick<SpeechToTextProvider, 'availableStreams' | 'onStreamReleased'>,
    private readonly onSizeChange: (size: number) => void = () => undefined,
  ) {
    provider.onStreamReleased(() => this.drain());
  }

  /** Sessions waiting now. */
  get size(): number {
    return this.waiting.length;
  }

  /**
   * Appends a waiter.
   * @returns cancel: removes the waiter if it is still waiting (idempotent)
   */
  enqueue(waiter: RecognizerWaiter): () => void {
    this.waiting.push(waiter);
    this.onSizeChange(this.waiting.length);
    return () => {
      const i = this.waiting.indexOf(waiter);
      if (i >= 0) {
        this.waiting.splice(i, 1);
        this.onSizeChange(this.waiting.length);
      }
    };
  }

  /** Grants the oldest waiters while the provider has streams available. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.waiting.length > 0 && this.provider.availableStreams() > 0) {
        const next = this.waiting.shift();
        if (!next) break;
        this.onSizeChange(this.waiting.length);
        next.grant();
      }
    } finally {
      this.draining = false;
    }
  }
}
