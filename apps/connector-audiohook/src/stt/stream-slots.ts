/**
 * A speech-to-text provider's recognizer capacity: a counting semaphore (`max` streams at once)
 * that tells listeners whenever a slot is released, so sessions waiting for a recognizer can be
 * resumed ({@link RecognizerWaitQueue}).
 */
export class StreamSlots {
  private active = 0;
  private readonly listeners = new Set<() => void>();

  /** @param max most streams at once (0 = the provider cannot transcribe) */
  constructor(readonly max: number) {}

  /** Streams running now. */
  get inUse(): number {
    return this.active;
  }

  /** Streams that can still be opened now. */
  get available(): number {
    return Math.max(0, this.max - this.active);
  }

  /**
   * Takes a slot.
   * @returns the release function (idempotent; notifies the listeners), or null when none is left
   */
  acquire(): (() => void) | null {
    if (this.active >= this.max) return null;
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      for (const l of [...this.listeners]) l();
    };
  }

  /**
   * Calls `listener` after every release.
   * @returns unsubscribe
   */
  onReleased(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
