import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { ROUTER_CONFIG } from '../tokens';
import type { RouterConfig } from '../config';
import { OfferTimers } from './offer-timers';
import { RoutingRepository } from './routing.repository';
import { RoutingTransactions } from './routing-transactions';
import { ReleaseOfferUseCase } from './usecases/release-offer.usecase';
import { TargetFallbackUseCase } from './usecases/target-fallback.usecase';

/**
 * Durable offer-expiry timers. The timer is the row (`offers.expires_at`), so it survives restarts;
 * every replica scans for due live offers every `ROUTER_EXPIRY_POLL_MS` (default 200 ms) and also
 * arms a precise `setTimeout` for offers it has just created and for the nearest expiry it saw.
 * Replicas never double-fire: expiring locks the queue and the work item and re-checks that the
 * offer is still live and due, so a second replica finds nothing to do.
 *
 * The same loop runs targeted routing's fallbacks (`work_items.target_until`, {@link TargetFallbackUseCase}):
 * a waiting item whose preferred agent's wait ran out goes to the whole queue.
 */
@Injectable()
export class OfferExpiryScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = true;
  private pollTimer?: NodeJS.Timeout;
  private preciseTimer?: NodeJS.Timeout;
  private preciseAt = Infinity;
  private running = false;
  private again = false;

  constructor(
    private readonly txs: RoutingTransactions,
    private readonly repo: RoutingRepository,
    private readonly release: ReleaseOfferUseCase,
    private readonly fallback: TargetFallbackUseCase,
    private readonly timers: OfferTimers,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.timers.onOffer((at) => this.arm(at));
    this.schedulePoll();
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.preciseTimer);
    while (this.running) await new Promise((r) => setTimeout(r, 10));
  }

  /** Arms a precise timer for `at` if it is sooner than the one armed. */
  arm(at: Date): void {
    if (this.stopped) return;
    const t = at.getTime();
    if (t >= this.preciseAt) return;
    clearTimeout(this.preciseTimer);
    this.preciseAt = t;
    this.preciseTimer = setTimeout(
      () => {
        this.preciseAt = Infinity;
        void this.tick();
      },
      Math.max(0, t - Date.now()) + 5,
    );
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(async () => {
      await this.tick();
      this.schedulePoll();
    }, this.config.ROUTER_EXPIRY_POLL_MS);
  }

  /** Expires every due offer (coalesced: one scan at a time). */
  async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        const due = await this.repo.dueOfferIds(this.txs.sql, 100);
        for (const { tenantId, id } of due) {
          if (this.stopped) break;
          try {
            await this.release.expire(tenantId, id);
          } catch (e) {
            this.logger.warn({ offerId: id, err: (e as Error).message }, 'offer expiry failed; will retry');
          }
        }
        const fallbacks = await this.repo.dueTargetFallbacks(this.txs.sql, 100);
        for (const { tenantId, id } of fallbacks) {
          if (this.stopped) break;
          try {
            await this.fallback.run(tenantId, id);
          } catch (e) {
            this.logger.warn(
              { workItemId: id, err: (e as Error).message },
              'target fallback failed; will retry',
            );
          }
        }
        if (due.length === 100 || fallbacks.length === 100) this.again = true;
      } while (this.again && !this.stopped);
      const next = await this.repo.nextExpiry(this.txs.sql);
      if (next && next.getTime() > Date.now()) this.arm(next);
      const nextFallback = await this.repo.nextTargetFallback(this.txs.sql);
      if (nextFallback && nextFallback.getTime() > Date.now()) this.arm(nextFallback);
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'offer expiry scan failed');
    } finally {
      this.running = false;
    }
  }
}
