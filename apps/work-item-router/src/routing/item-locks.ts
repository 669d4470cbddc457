import { Injectable } from '@nestjs/common';
import { PermanentError } from '@hub/messaging';
import type { QueueModel, WorkItemModel } from '@hub/persistence';
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

/**
 * Takes the locks of a work-item state change in the global order (queues → item → offer), after
 * reading — unlocked — which queues are involved. If the item moved meanwhile (another queue or
 * another holder) the transaction is retried ({@link RetryTransaction}).
 */
@Injectable()
export class ItemLocks {
  constructor(private readonly repo: RoutingRepository) {}

  /**
   * @param extraQueueIds queues to lock as well (transfer target)
   * @param extraAgentIds agents whose queues must be locked as well (e.g. the commanding agent)
   * @throws PermanentError(not_found) if the tenant has no such work item
   */
  async lock(
    rt: RoutingTx,
    workItemId: string,
    extraQueueIds: string[] = [],
    extraAgentIds: string[] = [],
  ): Promise<LockedItem> {
    const before = await this.repo.findItem(rt.tx, rt.tenantId, workItemId);
    if (!before)
      throw new PermanentError(`unknown work item ${workItemId} for tenant ${rt.tenantId}`, 'not_found');
    const holderBefore = await this.holderOf(rt, before);
    const agents = new Set([...extraAgentIds, ...(holderBefore ? [holderBefore] : [])]);
    const queueIds: string[] = [...extraQueueIds];
    if (before.queueId) queueIds.push(before.queueId);
    for (const a of agents) queueIds.push(...(await this.repo.agentQueueIds(rt.tx, rt.tenantId, a)));

    const queues = await this.repo.lockQueues(rt.tx, rt.tenantId, queueIds);
    const item = await this.repo.lockItem(rt.tx, rt.tenantId, workItemId);
    if (!item)
      throw new PermanentError(`unknown work item ${workItemId} for tenant ${rt.tenantId}`, 'not_found');
    const offer = await this.repo.lockLiveOffer(rt.tx, item.id);
    const holder = item.status === 'assigned' ? item.agentId : (offer?.agentId ?? null);
    if (item.queueId !== before.queueId) throw new RetryTransaction('work item changed queue while locking');
    if (holder && holder !== holderBefore)
      throw new RetryTransaction('work item changed holder while locking');
    return { item, offer, holder, queues };
  }

  private async holderOf(rt: RoutingTx, item: WorkItemModel): Promise<string | null> {
    if (item.status === 'assigned') return item.agentId;
    if (item.status !== 'offered') return null;
    const o = await rt.tx.offer.findFirst({
      where: { workItemId: item.id, status: 'live' },
      select: { agentId: true },
    });
    return o?.agentId ?? null;
  }
}
