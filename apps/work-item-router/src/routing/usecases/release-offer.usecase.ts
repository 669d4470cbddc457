import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { PermanentError } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { claimEvent } from '@hub/persistence';
import { decideDecline } from '../../domain/work-item-rules';
import { Dispatcher } from '../dispatcher';
import { ItemLocks, type LockedItem } from '../item-locks';
import { RoutingRepository, type LockedOffer } from '../routing.repository';
import { RoutingTransactions } from '../routing-transactions';
import type { RoutingTx } from '../routing-tx';
import { CONSUMER_NAME } from '../consumer-name';

export type DeclineCommand = Extract<WorkItemCommand, { command: 'decline' }>;

/**
 * An offer ends without an accept — the agent declined it, or it expired (durable timer,
 * `offers.expires_at`). The item goes back to waiting and moves on to the next eligible agent
 * (the decliner / non-responder is skipped for this item while it stays in this queue); the
 * agent's freed slot is filled with the next waiting item of its queues.
 */
@Injectable()
export class ReleaseOfferUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly repo: RoutingRepository,
    private readonly locks: ItemLocks,
    private readonly dispatcher: Dispatcher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `decline` command. @throws PermanentError(not_found) for an unknown work item or agent */
  decline(
    tenantId: string,
    eventId: string,
    cmd: DeclineCommand,
  ): Promise<'declined' | 'ignored' | 'duplicate'> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      if (!(await claimEvent(rt.tx, CONSUMER_NAME, eventId))) return 'duplicate';
      if (!(await this.repo.findAgent(rt.tx, tenantId, cmd.agentId)))
        throw new PermanentError(`unknown agent ${cmd.agentId} for tenant ${tenantId}`, 'not_found');
      const locked = await this.locks.lock(rt, cmd.workItemId, [], [cmd.agentId]);
      const d = decideDecline(locked.offer, cmd.agentId, cmd.offerId);
      if (d.kind !== 'apply' || !locked.offer) {
        this.logger.info(
          { workItemId: cmd.workItemId, agentId: cmd.agentId },
          'decline ignored: no live offer',
        );
        return 'ignored';
      }
      await this.release(rt, locked, locked.offer, 'declined', cmd.reason ?? null);
      return 'declined';
    });
  }

  /**
   * Expires one offer if it is still live and due (scheduler; any replica, idempotent: a second
   * replica finds it no longer live).
   * @returns whether this call expired it
   */
  async expire(offerId: string): Promise<boolean> {
    const offer = await this.repo.findOffer(this.txs.prismaClient, offerId);
    if (!offer || offer.status !== 'live') return false;
    return this.txs.run(offer.tenantId, `timer:offer:${offerId}`, async (rt) => {
      const locked = await this.locks.lock(rt, offer.workItemId, [], [offer.agentId]);
      if (!locked.offer || locked.offer.id !== offerId || !locked.offer.expired) return false;
      await this.release(rt, locked, locked.offer, 'expired', null);
      return true;
    });
  }

  private async release(
    rt: RoutingTx,
    locked: LockedItem,
    offer: LockedOffer,
    how: 'declined' | 'expired',
    reason: string | null,
  ): Promise<void> {
    await this.repo.resolveOffer(rt.tx, offer.id, how, reason);
    await this.repo.releaseSlot(rt.tx, rt.tenantId, offer.agentId, locked.item.type);
    const waiting = await rt.tx.workItem.update({
      where: { id: locked.item.id },
      data: { status: 'waiting' },
    });
    rt.itemEvent(
      waiting,
      how === 'declined'
        ? { event: 'offer_declined', offerId: offer.id, agentId: offer.agentId }
        : { event: 'offer_expired', offerId: offer.id, agentId: offer.agentId },
    );
    rt.agentMessage(offer.agentId, {
      kind: 'offer_revoked',
      offerId: offer.id,
      workItemId: waiting.id,
      reason: how,
    });
    const queue = waiting.queueId ? locked.queues.get(waiting.queueId) : undefined;
    if (queue) await this.dispatcher.dispatchItem(rt, waiting, queue);
    await this.dispatcher.fillAgent(rt, offer.agentId, locked.queues, [waiting.id]);
  }
}
