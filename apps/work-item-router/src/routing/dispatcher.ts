import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { QueueModel, WorkItemModel } from '@hub/persistence';
import { freeTypes, nextItemForAgent, rankAgents, type WorkItemType } from '../domain/agent-selection';
import { RoutingRepository } from './routing.repository';
import { agentView, type RoutingTx } from './routing-tx';

/** What happened to a work item offered around. */
export type DispatchOutcome = 'offered' | 'assigned' | 'waiting';

/**
 * Matches work items and agents inside a routing transaction. Callers hold the queue locks
 * (lock step 1) for every queue involved and the work item's row lock; agent capacity is taken
 * with the atomic conditional UPDATE of {@link RoutingRepository.claimSlot}.
 */
@Injectable()
export class Dispatcher {
  constructor(private readonly repo: RoutingRepository) {}

  /**
   * Offers a waiting work item to the longest idle eligible agent of its queue, or assigns it at
   * once if that agent has auto-accept. No eligible agent → the item stays waiting.
   * @param item    the locked work item, status `waiting`, in `queue`
   * @param queue   its (locked) queue
   * @param exclude agent ids not to offer it to (e.g. the agent who just transferred it)
   */
  async dispatchItem(
    rt: RoutingTx,
    item: WorkItemModel,
    queue: QueueModel,
    exclude: string[] = [],
  ): Promise<DispatchOutcome> {
    const candidates = await this.repo.candidateAgents(rt.db, rt.tenantId, queue.id, item.id);
    const ranked = rankAgents(candidates, item.type as WorkItemType, new Set(exclude));
    for (const agent of ranked) {
      const claimed = await this.repo.claimSlot(rt.db, rt.tenantId, agent.id, item.type as WorkItemType);
      if (!claimed) continue; // took its last slot in another queue meanwhile: next agent
      return this.offerOrAssign(rt, item, queue, claimed.id, claimed.autoAccept);
    }
    return 'waiting';
  }

  /**
   * Fills an agent's free slots with waiting work items of its queues, best first (waiting order),
   * until it is full or nothing fits.
   * @param lockedQueues queues locked by the caller; only items in the agent's queues among them are considered
   * @param excludeItemIds items not to give it (e.g. the one it just declined)
   * @returns number of items offered or assigned to the agent
   */
  async fillAgent(
    rt: RoutingTx,
    agentId: string,
    lockedQueues: Map<string, QueueModel>,
    excludeItemIds: string[] = [],
  ): Promise<number> {
    let given = 0;
    for (let guard = 0; guard < 100; guard++) {
      // The agent's snapshot and the waiting items that fit its free slots, in one round trip.
      const { agent, items } = await this.repo.agentAndWaitingItems(rt.db, {
        tenantId: rt.tenantId,
        agentId,
        queueIds: [...lockedQueues.keys()],
        excludeItemIds,
      });
      if (!agent || agent.presence !== 'online' || !freeTypes(agent).length) break;
      const pick = nextItemForAgent(items, agent);
      if (!pick) break;
      const item = await this.repo.lockItem(rt.db, rt.tenantId, pick.id);
      const queue = item?.queueId ? lockedQueues.get(item.queueId) : undefined;
      if (!item || item.status !== 'waiting' || !queue) {
        excludeItemIds = [...excludeItemIds, pick.id];
        continue;
      }
      const claimed = await this.repo.claimSlot(rt.db, rt.tenantId, agentId, item.type as WorkItemType);
      if (!claimed) continue; // capacity taken concurrently: re-read the agent
      await this.offerOrAssign(rt, item, queue, claimed.id, claimed.autoAccept);
      given++;
    }
    return given;
  }

  /** With a slot already claimed: assign (auto-accept) or create a live offer, with events. */
  private async offerOrAssign(
    rt: RoutingTx,
    item: WorkItemModel,
    queue: QueueModel,
    agentId: string,
    autoAccept: boolean,
  ): Promise<DispatchOutcome> {
    if (autoAccept) {
      const at = await this.repo.assignItem(rt.db, {
        tenantId: rt.tenantId,
        workItemId: item.id,
        agentId,
        acceptedOfferId: null,
      });
      const assigned: WorkItemModel = {
        ...item,
        status: 'assigned',
        agentId,
        assignedAt: at.assignedAt,
        updatedAt: at.updatedAt,
      };
      rt.itemEvent(assigned, { event: 'assigned', agentId, offerId: null, autoAccepted: true });
      rt.agentMessage(agentId, {
        kind: 'assigned',
        offerId: null,
        autoAccepted: true,
        workItem: agentView(assigned, queue.name),
      });
      return 'assigned';
    }
    const offerId = randomUUID();
    const eventId = randomUUID();
    const { expiresAt } = await this.repo.insertOffer(rt.db, {
      id: offerId,
      tenantId: rt.tenantId,
      workItemId: item.id,
      agentId,
      queueId: queue.id,
      eventId,
      timeoutSeconds: queue.offerTimeoutSeconds,
    });
    const offered = { ...item, status: 'offered' };
    rt.itemEvent(offered, { event: 'offered', offerId, agentId, expiresAt: expiresAt.toISOString() });
    rt.agentMessage(
      agentId,
      {
        kind: 'offer',
        offerId,
        expiresAt: expiresAt.toISOString(),
        workItem: agentView(offered, queue.name),
      },
      eventId,
    );
    rt.offersCreated.push({ offerId, expiresAt });
    return 'offered';
  }
}
