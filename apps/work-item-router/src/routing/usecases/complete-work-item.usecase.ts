import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { PermanentError } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { decideComplete, type WorkItemStatus } from '../../domain/work-item-rules';
import { ItemLocks } from '../item-locks';
import { ItemRelease } from '../item-release';
import { RoutingTransactions } from '../routing-transactions';

export type CompleteCommand = Extract<WorkItemCommand, { command: 'complete' }>;

/**
 * `complete` (wrap-up): ends the work item with the agent's note and disposition, frees the
 * agent's slot and fills it with the next waiting item of its queues (the shared {@link ItemRelease}
 * sequence).
 */
@Injectable()
export class CompleteWorkItemUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly locks: ItemLocks,
    private readonly release: ItemRelease,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** @throws PermanentError not_found / invalid_state / forbidden */
  execute(
    tenantId: string,
    eventId: string,
    cmd: CompleteCommand,
  ): Promise<'completed' | 'ignored' | 'duplicate'> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      const locked = await this.locks.lock(rt, cmd.workItemId, {
        claimEventId: eventId,
        agentId: cmd.agentId,
      });
      if (locked === 'duplicate') return 'duplicate';
      const { item } = locked;
      const d = decideComplete({ status: item.status as WorkItemStatus, agentId: item.agentId }, cmd.agentId);
      if (d.kind === 'reject') throw new PermanentError(d.message, d.reason);
      if (d.kind === 'ignore') {
        this.logger.info({ workItemId: item.id, why: d.why }, 'complete ignored');
        return 'ignored';
      }
      const { item: done, freed } = await this.release.release(rt, locked, {
        status: 'completed',
        wrapUp: { note: cmd.wrapUp.note ?? null, disposition: cmd.wrapUp.disposition ?? null },
        unassignedReason: 'completed',
      });
      rt.itemEvent(done, {
        event: 'completed',
        agentId: cmd.agentId,
        note: done.wrapUpNote,
        disposition: done.wrapUpDisposition,
      });
      await this.release.refill(rt, locked, done, freed);
      return 'completed';
    });
  }
}
