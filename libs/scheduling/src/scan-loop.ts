/** Options of {@link ScanLoop}. */
export interface ScanLoopOptions {
  /** Delay before the next scan when the scan names none, ms. */
  pollMs: number;
  /** Delay before the first scan after {@link ScanLoop.start}, ms. Default 0. */
  initialDelayMs?: number;
  /** Let the process exit while the loop waits (Node `timer.unref()`). Default false. */
  unref?: boolean;
  /** Called with what a scan threw (the loop goes on after `pollMs`); scans should catch their own errors. */
  onError: (error: Error) => void;
}

/**
 * One self-rescheduling scan of durable work (due timers, pending deliveries, open contacts): at most one scan
 * runs at a time, the next starts `pollMs` after it ended (or after the delay the scan returns, e.g. until the
 * next due row), {@link kick} asks for one as soon as possible (after the running one, if any), and
 * {@link stop} waits for the running scan to end. The rows themselves are the state: a scan that a crash cut
 * short is simply done again by the next one (of this or another replica).
 */
export class ScanLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private halted = true;

  /**
   * @param scan one pass; resolves to the delay before the next one in ms, or undefined for `pollMs`
   */
  constructor(
    private readonly scan: () => Promise<number | void>,
    private readonly opts: ScanLoopOptions,
  ) {}

  /** True before {@link start} and after {@link stop}: a long scan checks it between rows. */
  get stopped(): boolean {
    return this.halted;
  }

  /** Starts the loop (first scan after `initialDelayMs`). */
  start(): void {
    this.halted = false;
    this.schedule(this.opts.initialDelayMs ?? 0);
  }

  /** Asks for a scan now (e.g. after a transaction that wrote due work committed). */
  kick(): void {
    if (this.halted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops scheduling and waits for the running scan, if any. */
  async stop(): Promise<void> {
    this.halted = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.halted) return;
    this.timer = setTimeout(() => {
      let next: number | void = undefined;
      this.running = this.scan()
        .then(
          (n) => void (next = n),
          (e: unknown) => this.opts.onError(e instanceof Error ? e : new Error(String(e))),
        )
        .finally(() => {
          this.running = undefined;
          const delay = this.again ? 0 : (next ?? this.opts.pollMs);
          this.again = false;
          this.schedule(delay);
        });
    }, ms);
    if (this.opts.unref) this.timer.unref();
  }
}
