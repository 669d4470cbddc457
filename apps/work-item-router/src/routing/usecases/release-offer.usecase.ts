import { Inject, Injectable } from '@nestjs/common';
import { inTenantTransaction } from '@hub/persistence';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import type { RouterConfig } from '../../config';
import { goesAwayAfterMisses } from '../../domain/missed-offers';
import { decideDecline } from '../../domain/work-item-rules';
import { ROUTER_CONFIG } from '../../tokens';
import { ItemLocks, type LockedItem } from '../item-locks';
import { ItemRelease } from '../item-release';
import { RoutingRepository, type FreedAgentState } from '../routing.repository';
import { RoutingTransactions } from '../routing-transactions';
import type { RoutingTx } from '../routing-tx';

export type DeclineCommand = Extract<WorkItemCommand, { command: 'decline' }>;

/**
 * An offer ends without an accept — the agent declined it, or it expired (durable timer,
 * `offers.expires_at`). The item goes back to waiting and moves on to the next eligible agent
 * (the decliner / non-responder is skipped for this item while it stays in this queue); the
 * agent's freed slot is filled with the next waiting item of its queues.
 *
 * "Not responding": an expiry counts a miss on the agent's row, a decline ends the run (the agent
 * answered; `domain/missed-offers.ts`). When an online agent's run reaches
 * `ROUTER_MISSED_OFFERS_BEFORE_AWAY` (0 = never), the same transaction sets it `away` — announced as
 * `agent_presence_changed` (`reason: missed_offers`) and a `presence` message on its channel — before
 * anything is re-offered, so neither this item nor the freed slot goes back to it.
 *
 * Targeted routing: when the preferred agent of a non-strict targeted item declines or lets the offer
 * expire, the targeting ends in the same transaction and the item moves on to the whole queue at once.
 */
@Injectable()
export class ReleaseOfferUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly repo: RoutingRepository,
    private readonly locks: ItemLocks,
    private readonly itemRelease: ItemRelease,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
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
   * @param tenantId the offer's tenant (from the expiry scan, `hub_due_offers`)
   * @returns whether this call expired it
   */
  async expire(tenantId: string, offerId: string): Promise<boolean> {
    const offer = await inTenantTransaction(this.txs.sql, tenantId, (db) => this.repo.findOffer(db, offerId));
    if (!offer || offer.status !== 'live') return false;
    return this.txs.run(offer.tenantId, `timer:offer:${offerId}`, async (rt) => {
      const locked = await this.locks.lock(rt, offer.workItemId, { extraAgentIds: [offer.agentId] });
      if (locked === 'duplicate') return false;
      if (!locked.offer || locked.offer.id !== offerId || !locked.offer.expired) return false;
      await this.release(rt, locked, 'expired', null);
      return true;
    });
  }

  /**
   * The offer ends: the item waits again; an offeree who has now missed too many offers in a row goes
   * away; the item moves on and the offeree's freed slot is refilled.
   */
  private async release(
    rt: RoutingTx,
    locked: LockedItem,
    how: 'declined' | 'expired',
    reason: string | null,
  ): Promise<void> {
    const offer = locked.offer;
    if (!offer) return;
    const {
      item: waiting,
      freed,
      freedAgent,
    } = await this.itemRelease.release(rt, locked, {
      status: 'waiting',
      offer: { status: how, reason, revokedAs: how },
    });
    if (how === 'expired' && freedAgent) await this.awayIfNotResponding(rt, offer.agentId, freedAgent);
    let next = waiting;
    if (waiting.targetAgentId === offer.agentId && !waiting.targetStrict) {
      await this.repo.clearTarget(rt.db, rt.tenantId, waiting.id, false);
      next = { ...waiting, targetAgentId: null };
    }
    rt.itemEvent(
      waiting,
      how === 'declined'
        ? { event: 'offer_declined', offerId: offer.id, agentId: offer.agentId }
        : { event: 'offer_expired', offerId: offer.id, agentId: offer.agentId },
    );
    await this.itemRelease.refill(rt, locked, next, freed);
  }

  /**
   * After a miss: sets the agent `away` if its run of missed offers reached the threshold (its row is
   * locked by the release), and announces it on the events topic and the agent's channel.
   */
  private async awayIfNotResponding(rt: RoutingTx, agentId: string, agent: FreedAgentState): Promise<void> {
    if (!goesAwayAfterMisses(agent, this.config.ROUTER_MISSED_OFFERS_BEFORE_AWAY)) return;
    if (!(await this.repo.markAwayAfterMissedOffers(rt.db, rt.tenantId, agentId))) return;
    this.logger.info(
      { tenantId: rt.tenantId, agentId, missedOffers: agent.missedOffers },
      'agent let offers expire in a row: away',
    );
    rt.presenceEvent(agentId, 'away', 'missed_offers');
    rt.agentMessage(agentId, { kind: 'presence', presence: 'away', reason: 'missed_offers' });
  }
}
