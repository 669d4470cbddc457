import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { PermanentError } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { claimEvent } from '@hub/persistence';
import { decideComplete, type WorkItemStatus } from '../../domain/work-item-rules';
import { Dispatcher } from '../dispatcher';
import { ItemLocks } from '../item-locks';
import { RoutingRepository } from '../routing.repository';
import { RoutingTransactions } from '../routing-transactions';
import { CONSUMER_NAME } from '../consumer-name';

export type CompleteCommand = Extract<WorkItemCommand, { command: 'complete' }>;

/**
 * `complete` (wrap-up): ends the work item with the agent's note and disposition, frees the
 * agent's slot and fills it with the next waiting item of its queues.
 */
@Injectable()
export class CompleteWorkItemUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly repo: RoutingRepository,
    private readonly locks: ItemLocks,
    private readonly dispatcher: Dispatcher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** @throws PermanentError not_found / invalid_state / forbidden */
  execute(
    tenantId: string,
    eventId: string,
    cmd: CompleteCommand,
  ): Promise<'completed' | 'ignored' | 'duplicate'> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      if (!(await claimEvent(rt.tx, CONSUMER_NAME, eventId))) return 'duplicate';
      if (!(await this.repo.findAgent(rt.tx, tenantId, cmd.agentId)))
        throw new PermanentError(`unknown agent ${cmd.agentId} for tenant ${tenantId}`, 'not_found');
      const { item, queues } = await this.locks.lock(rt, cmd.workItemId, [], [cmd.agentId]);
      const d = decideComplete({ status: item.status as WorkItemStatus, agentId: item.agentId }, cmd.agentId);
      if (d.kind === 'reject') throw new PermanentError(d.message, d.reason);
      if (d.kind === 'ignore') {
        this.logger.info({ workItemId: item.id, why: d.why }, 'complete ignored');
        return 'ignored';
      }
      const done = await rt.tx.workItem.update({
        where: { id: item.id },
        data: {
          status: 'completed',
          completedAt: new Date(),
          wrapUpNote: cmd.wrapUp.note ?? null,
          wrapUpDisposition: cmd.wrapUp.disposition ?? null,
        },
      });
      await this.repo.releaseSlot(rt.tx, tenantId, cmd.agentId, item.type);
      rt.itemEvent(done, {
        event: 'completed',
        agentId: cmd.agentId,
        note: done.wrapUpNote,
        disposition: done.wrapUpDisposition,
      });
      rt.agentMessage(cmd.agentId, { kind: 'unassigned', workItemId: item.id, reason: 'completed' });
      await this.dispatcher.fillAgent(rt, cmd.agentId, queues);
      return 'completed';
    });
  }
}
