import { Injectable } from '@nestjs/common';
import type { WorkItemModel } from '@hub/persistence';
import { missedOfferEffect } from '../domain/missed-offers';
import { Dispatcher } from './dispatcher';
import type { LockedItem } from './item-locks';
import { RoutingRepository, type FreedAgentState } from './routing.repository';
import type { RoutingTx } from './routing-tx';

/** How a locked work item leaves its holder ({@link ItemRelease.release}). */
export interface ReleaseChange {
  /** The item's new status. */
  status: 'waiting' | 'completed' | 'withdrawn';
  /** `withdrawn`: the end reason. */
  endReason?: string | null;
  /** `completed`: the agent's wrap-up. */
  wrapUp?: { note: string | null; disposition: string | null };
  /**
   * The item is offered: close its live offer with `status` / `reason` and tell the offeree
   * (`offer_revoked` with `revokedAs`). Ignored when the item has no live offer.
   */
  offer?: {
    status: 'declined' | 'expired' | 'revoked';
    reason: string | null;
    revokedAs: 'declined' | 'expired' | 'withdrawn';
  };
  /** The item is assigned: free the assignee's slot and tell it (`unassigned` with this reason). */
  unassignedReason?: 'completed' | 'withdrawn';
}

/**
 * The lock-item / free-slot / offer-next sequence shared by `complete`, `withdraw`, `decline` and offer
 * expiry. Callers lock with {@link ItemLocks} (queues → item → offer), decide, then
 * {@link release} (offer closed, holder's slot given back and the item's new state written in ONE
 * statement, the holder told on its channel), add their item event, and {@link refill} (the item offered
 * again if it waits, the freed agent's slots filled from the locked queues). Closing a live offer also
 * counts (expired) or ends (declined) the offeree's run of missed offers in that statement
 * (`domain/missed-offers.ts`).
 */
@Injectable()
export class ItemRelease {
  constructor(
    private readonly repo: RoutingRepository,
    private readonly dispatcher: Dispatcher,
  ) {}

  /**
   * @returns the item after the change, the agent whose slot was freed (null when none was held) and
   *          that agent's presence and run of missed offers after the change (its row is locked now)
   */
  async release(
    rt: RoutingTx,
    locked: LockedItem,
    change: ReleaseChange,
  ): Promise<{ item: WorkItemModel; freed: string | null; freedAgent: FreedAgentState | null }> {
    const { item, offer } = locked;
    const closing = change.offer && offer ? offer : null;
    const assignee = change.unassignedReason && item.status === 'assigned' ? item.agentId : null;
    const freed = closing?.agentId ?? assignee;
    const { freedAgent, ...cols } = await this.repo.releaseItem(rt.db, {
      tenantId: rt.tenantId,
      workItemId: item.id,
      type: item.type,
      offerId: closing?.id ?? null,
      offerStatus: closing ? (change.offer?.status ?? null) : null,
      offerReason: closing ? (change.offer?.reason ?? null) : null,
      freeAgentId: freed,
      missed: closing && change.offer ? missedOfferEffect(change.offer.status) : 'keep',
      status: change.status,
      endReason: change.endReason ?? null,
      wrapUpNote: change.wrapUp?.note ?? null,
      wrapUpDisposition: change.wrapUp?.disposition ?? null,
    });
    const updated: WorkItemModel = { ...item, ...cols };
    if (closing && change.offer) {
      rt.agentMessage(closing.agentId, {
        kind: 'offer_revoked',
        offerId: closing.id,
        workItemId: item.id,
        reason: change.offer.revokedAs,
      });
    } else if (assignee && change.unassignedReason) {
      rt.agentMessage(assignee, { kind: 'unassigned', workItemId: item.id, reason: change.unassignedReason });
    }
    return { item: updated, freed, freedAgent };
  }

  /**
   * Offers what a release freed, within the queues the caller locked: the item again when it is
   * waiting (agents who declined or let it expire are skipped), then the freed agent's slots (never
   * with this item).
   */
  async refill(rt: RoutingTx, locked: LockedItem, item: WorkItemModel, freed: string | null): Promise<void> {
    const queue = item.status === 'waiting' && item.queueId ? locked.queues.get(item.queueId) : undefined;
    if (queue) await this.dispatcher.dispatchItem(rt, item, queue);
    if (freed) await this.dispatcher.fillAgent(rt, freed, locked.queues, [item.id]);
  }
}
