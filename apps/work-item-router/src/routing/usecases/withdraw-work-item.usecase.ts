import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkItemCommand } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import { decideWithdraw, type WorkItemStatus } from '../../domain/work-item-rules';
import { ItemLocks } from '../item-locks';
import { ItemRelease } from '../item-release';
import { RoutingTransactions } from '../routing-transactions';

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
    private readonly locks: ItemLocks,
    private readonly release: ItemRelease,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** @throws PermanentError(not_found) for an unknown work item of the tenant */
  execute(
    tenantId: string,
    eventId: string,
    cmd: WithdrawCommand,
  ): Promise<'withdrawn' | 'ignored' | 'duplicate'> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      const locked = await this.locks.lock(rt, cmd.workItemId, { claimEventId: eventId });
      if (locked === 'duplicate') return 'duplicate';
      const d = decideWithdraw({ status: locked.item.status as WorkItemStatus });
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
      });
      rt.itemEvent(gone, { event: 'withdrawn', reason: cmd.reason });
      await this.release.refill(rt, locked, gone, freed);
      return 'withdrawn';
    });
  }
}
