/**
 * Maps "audio received" time to AudioHook stream position.
 *
 * The AudioHook `position` runs on while the stream is paused or audio is discarded: a `resumed`
 * or `discarded` message `{start, discarded}` says the audio from `start` for `discarded` was never
 * sent, so the next binary frame starts at `start + discarded`. Recognizers only see the frames
 * that arrive, so their times are "received" times; utterance offsets must be stream positions
 * (the contract's `offsetMs` is "from the start of the interaction's media").
 *
 * Times are ms of audio per channel (8 kHz: 8 samples = 1 ms; fractions kept).
 */
export class StreamTimeline {
  private received = 0;
  /** Breakpoints: from `receivedMs` on, received audio starts at stream position `streamMs`. */
  private readonly marks: { receivedMs: number; streamMs: number }[] = [{ receivedMs: 0, streamMs: 0 }];

  /** Audio received so far, ms per channel. */
  get receivedMs(): number {
    return this.received;
  }

  /** Stream position of the next audio frame, ms. */
  get positionMs(): number {
    return this.toStreamMs(this.received);
  }

  /**
   * Counts received audio.
   * @param samples samples per channel of one frame
   * @param rate    sample rate, Hz (AudioHook: 8000)
   */
  advance(samples: number, rate = 8000): void {
    this.received += (samples * 1000) / rate;
  }

  /**
   * A gap reported by the client (`resumed` / `discarded`): the next audio frame is at
   * `startMs + discardedMs`. No-op for an empty gap.
   */
  gap(startMs: number, discardedMs: number): void {
    if (!(discardedMs > 0)) return;
    const mark = { receivedMs: this.received, streamMs: startMs + discardedMs };
    const last = this.marks[this.marks.length - 1];
    if (last.receivedMs === this.received) this.marks[this.marks.length - 1] = mark;
    else this.marks.push(mark);
  }

  /**
   * Stream position of a received-audio time.
   * @param receivedMs ms of received audio (e.g. a recognizer's origin + its word time)
   * @returns stream position, ms (rounded to 1 ms)
   */
  toStreamMs(receivedMs: number): number {
    let mark = this.marks[0];
    for (const m of this.marks) {
      if (m.receivedMs > receivedMs) break;
      mark = m;
    }
    return Math.round(mark.streamMs + (receivedMs - mark.receivedMs));
  }
}
