import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { PermanentError } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import type { WorkItemModel } from '@hub/persistence';
import { decideAccept } from '../../domain/work-item-rules';
import { RoutingRepository } from '../routing.repository';
import { RoutingTransactions } from '../routing-transactions';
import { agentView } from '../routing-tx';
import { CONSUMER_NAME } from '../consumer-name';
import type { WorkItemStatus } from '../../domain/work-item-rules';

export type AcceptCommand = Extract<WorkItemCommand, { command: 'accept' }>;

/**
 * `accept`: the offered agent takes the work item. Concurrency-safe: the work item row is locked, so
 * of an accept, an expiry, a withdraw and a transfer racing for the same item exactly one wins; a
 * late accept is ignored (its offer was already revoked on the agent's channel). Capacity is
 * unchanged (the live offer already held the slot). The accept ends the agent's run of missed offers
 * (`agents.missed_offers` = 0, in the assigning statement — "not responding", `domain/missed-offers.ts`).
 */
@Injectable()
export class AcceptOfferUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly repo: RoutingRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** @throws PermanentError(not_found) for an unknown work item or agent of the tenant */
  execute(
    tenantId: string,
    eventId: string,
    cmd: AcceptCommand,
  ): Promise<'assigned' | 'ignored' | 'duplicate'> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      // Inbox claim, agent check and item lock in one round trip; the offer is locked by a second
      // statement, whose fresh snapshot sees whatever the item lock's previous holder committed.
      const first = await this.repo.claimAgentAndLockItem(rt.db, {
        consumer: CONSUMER_NAME,
        eventId,
        tenantId,
        agentId: cmd.agentId,
        workItemId: cmd.workItemId,
      });
      if (!first.claimed) return 'duplicate';
      if (!first.agentExists)
        throw new PermanentError(`unknown agent ${cmd.agentId} for tenant ${tenantId}`, 'not_found');
      const item = first.item;
      if (!item)
        throw new PermanentError(`unknown work item ${cmd.workItemId} for tenant ${tenantId}`, 'not_found');
      const offer = await this.repo.lockLiveOffer(rt.db, rt.tenantId, item.id);
      const d = decideAccept(
        { status: item.status as WorkItemStatus, agentId: item.agentId },
        offer && { id: offer.id, agentId: offer.agentId, expired: offer.expired },
        cmd.agentId,
        cmd.offerId,
      );
      if (d.kind !== 'apply' || !offer) {
        this.logger.info(
          { workItemId: item.id, agentId: cmd.agentId, why: d.kind === 'ignore' ? d.why : d.kind },
          'accept ignored',
        );
        return 'ignored';
      }
      // Offer accepted, item assigned, the agent's run of missed offers ended and its queue's name
      // read in one statement.
      const at = await this.repo.assignItem(rt.db, {
        tenantId: rt.tenantId,
        workItemId: item.id,
        agentId: cmd.agentId,
        acceptedOfferId: offer.id,
      });
      const assigned: WorkItemModel = {
        ...item,
        status: 'assigned',
        agentId: cmd.agentId,
        assignedAt: at.assignedAt,
        updatedAt: at.updatedAt,
      };
      rt.itemEvent(assigned, {
        event: 'assigned',
        agentId: cmd.agentId,
        offerId: offer.id,
        autoAccepted: false,
      });
      rt.agentMessage(cmd.agentId, {
        kind: 'assigned',
        offerId: offer.id,
        autoAccepted: false,
        workItem: agentView(assigned, at.queueName),
      });
      return 'assigned';
    });
  }
}
