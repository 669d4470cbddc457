import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { PermanentError } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { claimEvent } from '@hub/persistence';
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
 * unchanged (the live offer already held the slot).
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
      if (!(await claimEvent(rt.tx, CONSUMER_NAME, eventId))) return 'duplicate';
      if (!(await this.repo.findAgent(rt.tx, tenantId, cmd.agentId)))
        throw new PermanentError(`unknown agent ${cmd.agentId} for tenant ${tenantId}`, 'not_found');
      const item = await this.repo.lockItem(rt.tx, tenantId, cmd.workItemId);
      if (!item)
        throw new PermanentError(`unknown work item ${cmd.workItemId} for tenant ${tenantId}`, 'not_found');
      const offer = await this.repo.lockLiveOffer(rt.tx, item.id);
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
      await this.repo.resolveOffer(rt.tx, offer.id, 'accepted');
      const assigned = await rt.tx.workItem.update({
        where: { id: item.id },
        data: { status: 'assigned', agentId: cmd.agentId, assignedAt: new Date() },
      });
      const queue = assigned.queueId ? await this.repo.findQueue(rt.tx, tenantId, assigned.queueId) : null;
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
        workItem: agentView(assigned, queue?.name ?? null),
      });
      return 'assigned';
    });
  }
}
