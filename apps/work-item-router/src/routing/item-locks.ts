import { Injectable } from '@nestjs/common';
import { PermanentError } from '@hub/messaging';
import type { QueueModel, WorkItemModel } from '@hub/persistence';
import { CONSUMER_NAME } from './consumer-name';
import type { LockedOffer } from './routing.repository';
import { RoutingRepository } from './routing.repository';
import { RetryTransaction } from './routing-transactions';
import type { RoutingTx } from './routing-tx';

/** A work item locked for a state change, with everything locked around it. */
export interface LockedItem {
  item: WorkItemModel;
  offer: LockedOffer | null;
  /** Agent holding the item: the assigned agent, else the agent of the live offer, else null. */
  holder: string | null;
  /** Locked queues: the item's, any extra ones asked for, and all of the holder's. */
  queues: Map<string, QueueModel>;
}

/** Options of {@link ItemLocks.lock}. */
export interface LockOptions {
  /** Claim this command event id in the inbox first (consumer `work-item-router`). */
  claimEventId?: string;
  /** The commanding agent: must be the tenant's (else not_found); its queues are locked too. */
  agentId?: string;
  /** Queues to lock as well (transfer target). */
  extraQueueIds?: string[];
  /** Agents whose queues must be locked as well. */
  extraAgentIds?: string[];
  /** An unknown work item yields `'missing'` (inbox claim kept) instead of PermanentError(not_found). */
  missingOk?: boolean;
}

/**
 * Takes the locks of a work-item state change in the global order (queues → item → offer), after
 * reading — unlocked, in one round trip with the inbox claim and the agent check — which queues are
 * involved. If the item moved meanwhile (another queue or another holder) the transaction is retried
 * ({@link RetryTransaction}).
 */
@Injectable()
export class ItemLocks {
  constructor(private readonly repo: RoutingRepository) {}

  /**
   * @returns the locked item, 'duplicate' when `claimEventId` was processed already (nothing locked), or
   *          'missing' for an unknown work item of the tenant when `opts.missingOk`
   * @throws PermanentError(not_found) if the tenant has no such agent (`agentId`) or work item (without `missingOk`)
   */
  lock(
    rt: RoutingTx,
    workItemId: string,
    opts: LockOptions & { missingOk: true },
  ): Promise<LockedItem | 'duplicate' | 'missing'>;
  lock(rt: RoutingTx, workItemId: string, opts?: LockOptions): Promise<LockedItem | 'duplicate'>;
  async lock(
    rt: RoutingTx,
    workItemId: string,
    opts: LockOptions = {},
  ): Promise<LockedItem | 'duplicate' | 'missing'> {
    const extraAgents = [...(opts.extraAgentIds ?? []), ...(opts.agentId ? [opts.agentId] : [])];
    const pre = await this.repo.prepareItemChange(rt.db, {
      consumer: CONSUMER_NAME,
      eventId: opts.claimEventId ?? null,
      tenantId: rt.tenantId,
      workItemId,
      agentId: opts.agentId ?? null,
      extraAgentIds: extraAgents,
    });
    if (!pre.claimed) return 'duplicate';
    if (pre.agentExists === false)
      throw new PermanentError(`unknown agent ${opts.agentId} for tenant ${rt.tenantId}`, 'not_found');
    if (!pre.item && opts.missingOk) return 'missing';
    if (!pre.item)
      throw new PermanentError(`unknown work item ${workItemId} for tenant ${rt.tenantId}`, 'not_found');
    const queueIds = [...(opts.extraQueueIds ?? []), ...pre.agentQueueIds];
    if (pre.item.queueId) queueIds.push(pre.item.queueId);

    const queues = await this.repo.lockQueues(rt.db, rt.tenantId, queueIds);
    const item = await this.repo.lockItem(rt.db, rt.tenantId, workItemId);
    if (!item)
      throw new PermanentError(`unknown work item ${workItemId} for tenant ${rt.tenantId}`, 'not_found');
    const offer =
      item.status === 'offered' ? await this.repo.lockLiveOffer(rt.db, rt.tenantId, item.id) : null;
    const holder = item.status === 'assigned' ? item.agentId : (offer?.agentId ?? null);
    if (item.queueId !== pre.item.queueId)
      throw new RetryTransaction('work item changed queue while locking');
    if (holder && holder !== pre.item.holder)
      throw new RetryTransaction('work item changed holder while locking');
    return { item, offer, holder, queues };
  }
}
