import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { PermanentError } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { decideTransfer, type WorkItemStatus } from '../../domain/work-item-rules';
import { Dispatcher } from '../dispatcher';
import { ItemLocks } from '../item-locks';
import { RoutingRepository } from '../routing.repository';
import { RetryTransaction, RoutingTransactions } from '../routing-transactions';
import { CONSUMER_NAME } from '../consumer-name';

export type TransferCommand = Extract<WorkItemCommand, { command: 'transfer' }>;

/**
 * `transfer` to another queue (seed 000, "Transfers"): records the transfer in the work item's
 * history (from, to, by, reason, at), clears the agent assignment (a live offer is revoked; the
 * holder gets `unassigned`/`offer_revoked` and its slot back), resets the item to waiting in the new
 * queue (`enqueued_at` = now) and offers it to the new queue's agents (not to the agent who
 * transferred it). Context and transcript stay on the item.
 */
@Injectable()
export class TransferWorkItemUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly repo: RoutingRepository,
    private readonly locks: ItemLocks,
    private readonly dispatcher: Dispatcher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * @throws PermanentError not_found (unknown item, agent or target queue of the tenant),
   *         invalid_state (closed item, inactive target queue), forbidden (assigned to someone else)
   */
  execute(tenantId: string, eventId: string, cmd: TransferCommand): Promise<'transferred' | 'duplicate'> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      const first = await this.repo.claimAndFindAgent(rt.db, {
        consumer: CONSUMER_NAME,
        eventId,
        tenantId,
        agentId: cmd.byAgentId,
      });
      if (!first.claimed) return 'duplicate';
      if (!first.agentExists)
        throw new PermanentError(`unknown agent ${cmd.byAgentId} for tenant ${tenantId}`, 'not_found');
      const target = await this.repo.findQueue(rt.db, tenantId, cmd.toQueueId);
      if (!target)
        throw new PermanentError(`unknown queue ${cmd.toQueueId} for tenant ${tenantId}`, 'not_found');
      if (!target.active) throw new PermanentError(`queue ${cmd.toQueueId} is not active`, 'invalid_state');

      const locked = await this.locks.lock(rt, cmd.workItemId, { extraQueueIds: [cmd.toQueueId] });
      if (locked === 'duplicate') return 'duplicate'; // not reached: no claim asked for
      const { item, offer, holder, queues } = locked;
      const d = decideTransfer(
        { status: item.status as WorkItemStatus, agentId: item.agentId },
        cmd.byAgentId,
      );
      if (d.kind === 'reject') throw new PermanentError(d.message, d.reason);

      if (offer) {
        await this.repo.resolveOffer(rt.db, rt.tenantId, offer.id, 'revoked', 'transferred');
        await this.repo.releaseSlot(rt.db, tenantId, offer.agentId, item.type);
        rt.agentMessage(offer.agentId, {
          kind: 'offer_revoked',
          offerId: offer.id,
          workItemId: item.id,
          reason: 'withdrawn',
        });
      } else if (item.status === 'assigned' && item.agentId) {
        await this.repo.releaseSlot(rt.db, tenantId, item.agentId, item.type);
        rt.agentMessage(item.agentId, { kind: 'unassigned', workItemId: item.id, reason: 'transferred' });
      }
      await this.repo.insertTransfer(rt.db, {
        id: randomUUID(),
        tenantId,
        workItemId: item.id,
        fromQueueId: item.queueId,
        toQueueId: cmd.toQueueId,
        byAgentId: cmd.byAgentId,
        fromAgentId: holder,
        reason: cmd.reason ?? null,
      });
      const moved = await this.repo.moveToQueue(rt.db, rt.tenantId, item.id, cmd.toQueueId);
      rt.itemEvent(moved, {
        event: 'transferred',
        fromQueueId: item.queueId,
        toQueueId: cmd.toQueueId,
        byAgentId: cmd.byAgentId,
        reason: cmd.reason ?? null,
      });
      const toQueue = queues.get(cmd.toQueueId);
      if (!toQueue) throw new RetryTransaction('target queue not locked');
      const outcome = await this.dispatcher.dispatchItem(rt, moved, toQueue, holder ? [holder] : []);
      if (holder) await this.dispatcher.fillAgent(rt, holder, queues, [moved.id]);
      this.logger.info({ workItemId: item.id, to: cmd.toQueueId, outcome }, 'work item transferred');
      return 'transferred';
    });
  }
}
