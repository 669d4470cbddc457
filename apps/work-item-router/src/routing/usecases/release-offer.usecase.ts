import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import { decideDecline } from '../../domain/work-item-rules';
import { ItemLocks, type LockedItem } from '../item-locks';
import { ItemRelease } from '../item-release';
import { RoutingRepository } from '../routing.repository';
import { RoutingTransactions } from '../routing-transactions';
import type { RoutingTx } from '../routing-tx';

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
    private readonly itemRelease: ItemRelease,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `decline` command. @throws PermanentError(not_found) for an unknown work item or agent */
  decline(
    tenantId: string,
    eventId: string,
    cmd: DeclineCommand,
  ): Promise<'declined' | 'ignored' | 'duplicate'> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      const locked = await this.locks.lock(rt, cmd.workItemId, {
        claimEventId: eventId,
        agentId: cmd.agentId,
      });
      if (locked === 'duplicate') return 'duplicate';
      const d = decideDecline(locked.offer, cmd.agentId, cmd.offerId);
      if (d.kind !== 'apply' || !locked.offer) {
        this.logger.info(
          { workItemId: cmd.workItemId, agentId: cmd.agentId },
          'decline ignored: no live offer',
        );
        return 'ignored';
      }
      await this.release(rt, locked, 'declined', cmd.reason ?? null);
      return 'declined';
    });
  }

  /**
   * Expires one offer if it is still live and due (scheduler; any replica, idempotent: a second
   * replica finds it no longer live).
   * @returns whether this call expired it
   */
  async expire(offerId: string): Promise<boolean> {
    const offer = await this.repo.findOffer(this.txs.sql, offerId);
    if (!offer || offer.status !== 'live') return false;
    return this.txs.run(offer.tenantId, `timer:offer:${offerId}`, async (rt) => {
      const locked = await this.locks.lock(rt, offer.workItemId, { extraAgentIds: [offer.agentId] });
      if (locked === 'duplicate') return false;
      if (!locked.offer || locked.offer.id !== offerId || !locked.offer.expired) return false;
      await this.release(rt, locked, 'expired', null);
      return true;
    });
  }

  /** The offer ends: the item waits again and moves on; the offeree's freed slot is refilled. */
  private async release(
    rt: RoutingTx,
    locked: LockedItem,
    how: 'declined' | 'expired',
    reason: string | null,
  ): Promise<void> {
    const offer = locked.offer;
    if (!offer) return;
    const { item: waiting, freed } = await this.itemRelease.release(rt, locked, {
      status: 'waiting',
      offer: { status: how, reason, revokedAs: how },
    });
    rt.itemEvent(
      waiting,
      how === 'declined'
        ? { event: 'offer_declined', offerId: offer.id, agentId: offer.agentId }
        : { event: 'offer_expired', offerId: offer.id, agentId: offer.agentId },
    );
    await this.itemRelease.refill(rt, locked, waiting, freed);
  }
}
