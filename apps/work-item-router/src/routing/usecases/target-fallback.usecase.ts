import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { Dispatcher } from '../dispatcher';
import { ItemLocks } from '../item-locks';
import { RoutingRepository } from '../routing.repository';
import { RoutingTransactions } from '../routing-transactions';

/**
 * Targeted routing's fallback (docs/routing.md "Targeted routing"): a waiting work item whose preferred
 * agent did not take it within its wait (`work_items.target_until`, a durable timer scanned by
 * {@link OfferExpiryScheduler}) loses its target and is offered to the whole queue. Same locks as every
 * routing transaction (queue `FOR NO KEY UPDATE` → item `FOR UPDATE`); the target is cleared only if it is
 * still set, non-strict and due (re-checked under the lock), so replicas never double-fire and an item
 * offered or assigned meanwhile is left alone (a decline/expiry of that offer falls back on its own).
 */
@Injectable()
export class TargetFallbackUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly repo: RoutingRepository,
    private readonly locks: ItemLocks,
    private readonly dispatcher: Dispatcher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * @param tenantId the item's tenant (from the scan, `hub_due_target_fallbacks`)
   * @returns whether this call ended the item's target
   */
  run(tenantId: string, workItemId: string): Promise<boolean> {
    return this.txs.run(tenantId, `timer:target:${workItemId}`, async (rt) => {
      const locked = await this.locks.lock(rt, workItemId, { missingOk: true });
      if (locked === 'duplicate' || locked === 'missing') return false;
      const { item, queues } = locked;
      if (item.status !== 'waiting' || !item.queueId) return false;
      if (!(await this.repo.clearTarget(rt.db, rt.tenantId, item.id, true))) return false;
      this.logger.info(
        { tenantId, workItemId, agentId: item.targetAgentId },
        'preferred agent did not take the work item in time: offered to the queue',
      );
      const queue = queues.get(item.queueId);
      if (queue) await this.dispatcher.dispatchItem(rt, { ...item, targetAgentId: null }, queue);
      return true;
    });
  }
}
