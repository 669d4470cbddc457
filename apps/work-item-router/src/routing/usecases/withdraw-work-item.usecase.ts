import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import { claimEvent } from '@hub/persistence';
import { decideWithdraw, type WorkItemStatus } from '../../domain/work-item-rules';
import { Dispatcher } from '../dispatcher';
import { ItemLocks } from '../item-locks';
import { RoutingRepository } from '../routing.repository';
import { RoutingTransactions } from '../routing-transactions';
import { CONSUMER_NAME } from '../consumer-name';

export type WithdrawCommand = Extract<WorkItemCommand, { command: 'withdraw' }>;

/**
 * `withdraw` (the orchestrator's handoff timer fired, or the bot cancelled). The router is the
 * arbiter of the race with accept — both lock the work item row: not yet assigned → withdrawn
 * (a live offer is revoked on the agent's channel and its slot freed); already assigned → ignored
 * (the orchestrator learns from the `assigned` event).
 */
@Injectable()
export class WithdrawWorkItemUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly repo: RoutingRepository,
    private readonly locks: ItemLocks,
    private readonly dispatcher: Dispatcher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** @throws PermanentError(not_found) for an unknown work item of the tenant */
  execute(
    tenantId: string,
    eventId: string,
    cmd: WithdrawCommand,
  ): Promise<'withdrawn' | 'ignored' | 'duplicate'> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      if (!(await claimEvent(rt.tx, CONSUMER_NAME, eventId))) return 'duplicate';
      const { item, offer, queues } = await this.locks.lock(rt, cmd.workItemId);
      const d = decideWithdraw({ status: item.status as WorkItemStatus });
      if (d.kind !== 'apply') {
        this.logger.info(
          { workItemId: item.id, why: d.kind === 'ignore' ? d.why : d.kind },
          'withdraw ignored',
        );
        return 'ignored';
      }
      if (offer) {
        await this.repo.resolveOffer(rt.tx, offer.id, 'revoked', 'withdrawn');
        await this.repo.releaseSlot(rt.tx, tenantId, offer.agentId, item.type);
        rt.agentMessage(offer.agentId, {
          kind: 'offer_revoked',
          offerId: offer.id,
          workItemId: item.id,
          reason: 'withdrawn',
        });
      }
      const gone = await rt.tx.workItem.update({
        where: { id: item.id },
        data: { status: 'withdrawn', endReason: cmd.reason, endedAt: new Date() },
      });
      rt.itemEvent(gone, { event: 'withdrawn', reason: cmd.reason });
      if (offer) await this.dispatcher.fillAgent(rt, offer.agentId, queues, [item.id]);
      return 'withdrawn';
    });
  }
}
