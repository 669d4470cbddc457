import { ScanLoop } from '@hub/scheduling';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { CcaasSummaryRetries } from '../ccaas/ccaas-summary-retries';
import { WithdrawHandoffUseCase } from '../handoffs/usecases/withdraw-handoff.usecase';
import { HandoffMetrics } from '../metrics/handoff-metrics';

/** Injection token of {@link TimerOptions}. */
export const TIMER_OPTIONS = Symbol('TIMER_OPTIONS');
/** Options of {@link HandoffTimerService}. */
export interface TimerOptions {
  /** Longest pause between scans, ms. */
  pollMs: number;
}

/**
 * Durable handoff timeouts and withdraw deadlines. The timers *are* columns (`handoffs.timeout_at`;
 * `withdraw_requested_at` + HANDOFF_WITHDRAW_GRACE_MS while withdrawing), so they survive
 * restarts: this loop fires every due timer (`FOR UPDATE SKIP LOCKED`, safe with many replicas),
 * then sleeps until the nearest pending `timeout_at` — at most `pollMs`, so timers created by
 * other replicas are seen within that bound — giving millisecond precision without busy polling.
 * The same scan fires the contact centers' due wrap-up-note retries ({@link CcaasSummaryRetries}:
 * `ccaas_contacts.summary_retry_at`), seen within `pollMs`.
 */
@Injectable()
export class HandoffTimerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: ScanLoop;

  constructor(
    private readonly withdraw: WithdrawHandoffUseCase,
    private readonly summaries: CcaasSummaryRetries,
    @Inject(TIMER_OPTIONS) private readonly opts: TimerOptions,
    private readonly metrics: HandoffMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.loop = new ScanLoop(() => this.tick(), {
      pollMs: opts.pollMs,
      onError: (e) => logger.warn({ err: e.message }, 'handoff timer scan failed'),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Fires due timers; returns the delay until the next scan, ms. */
  private async tick(): Promise<number> {
    try {
      let more: boolean;
      do {
        const r = await this.withdraw.fireDueTimeouts(100);
        if (r.withdrawn) this.metrics.timeoutsFired.inc(r.withdrawn);
        if (r.withdrawn || r.failed) this.logger.info(r, 'handoff timers fired');
        more = r.withdrawn === 100 || r.failed === 100;
      } while (more && !this.loop.stopped);
      const summaries = await this.summaries.fireDue(100);
      if (summaries) this.logger.info({ summaries }, 'wrap-up note retries fired');
      const next = await this.withdraw.nextDue();
      if (!next) return this.opts.pollMs;
      // 5 ms floor: an overdue row locked by another replica must not make this loop spin.
      return Math.max(5, Math.min(this.opts.pollMs, next.getTime() - Date.now()));
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'handoff timer scan failed');
      return this.opts.pollMs;
    }
  }
}
