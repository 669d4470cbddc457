import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import { decideWithdraw, type WorkItemStatus } from '../../domain/work-item-rules';
import { ItemLocks } from '../item-locks';
import { ItemRelease } from '../item-release';
import { RoutingTransactions } from '../routing-transactions';

export type WithdrawCommand = Extract<WorkItemCommand, { command: 'withdraw' }>;

/** Result of {@link WithdrawWorkItemUseCase.execute}. */
export type WithdrawResult = 'withdrawn' | 'revoked' | 'unknown' | 'ignored' | 'duplicate';

/**
 * `withdraw` (the orchestrator's handoff timer fired, or the bot cancelled). The router is the
 * arbiter of the race with accept — both lock the work item row: not yet assigned → withdrawn
 * (a live offer is revoked on the agent's channel and its slot freed); already assigned → ignored
 * (the orchestrator learns from the `assigned` event), unless the command says `revokeAssignment`
 * (the handoff already failed and the bot was told so): then the assignee's slot is freed, it is
 * told `unassigned` (`withdrawn`) and the item is withdrawn. A withdraw for a work item the tenant
 * does not have (its create was never processed, e.g. dead-lettered) is answered with a `withdrawn`
 * event all the same, so the handoff can finish; the inbox claim makes that answer exactly-once.
 */
@Injectable()
export class WithdrawWorkItemUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly locks: ItemLocks,
    private readonly release: ItemRelease,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * @param eventId        the command envelope's id (inbox key)
   * @param conversationId the command's correlation id (the conversation): names the conversation in
   *                       the answer for an unknown work item
   * @returns `withdrawn` / `revoked` (an assignment taken back) / `unknown` (answered for an unknown
   *          item) / `ignored` (accept won, or the item ended) / `duplicate` (redelivery)
   */
  execute(
    tenantId: string,
    eventId: string,
    cmd: WithdrawCommand,
    conversationId = '',
  ): Promise<WithdrawResult> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      const locked = await this.locks.lock(rt, cmd.workItemId, { claimEventId: eventId, missingOk: true });
      if (locked === 'duplicate') return 'duplicate';
      if (locked === 'missing') {
        this.logger.info({ workItemId: cmd.workItemId }, 'withdraw of an unknown work item answered');
        rt.itemEvent(
          { id: cmd.workItemId, handoffId: null, conversationId, queueId: null },
          { event: 'withdrawn', reason: cmd.reason },
        );
        return 'unknown';
      }
      const status = locked.item.status as WorkItemStatus;
      const d = decideWithdraw({ status }, cmd.revokeAssignment ?? false);
      if (d.kind !== 'apply') {
        this.logger.info(
          { workItemId: locked.item.id, why: d.kind === 'ignore' ? d.why : d.kind },
          'withdraw ignored',
        );
        return 'ignored';
      }
      const { item: gone, freed } = await this.release.release(rt, locked, {
        status: 'withdrawn',
        endReason: cmd.reason,
        offer: { status: 'revoked', reason: 'withdrawn', revokedAs: 'withdrawn' },
        unassignedReason: 'withdrawn',
      });
      rt.itemEvent(gone, { event: 'withdrawn', reason: cmd.reason });
      await this.release.refill(rt, locked, gone, freed);
      return status === 'assigned' ? 'revoked' : 'withdrawn';
    });
  }
}
