import { Injectable } from '@nestjs/common';
import type { HandoffModel as Handoff } from '@hub/persistence';
import { isFinal, TIMED_STATES, type HandoffState } from '../../domain/handoff-state-machine';
import { ConflictProblem, NotFoundProblem } from '../../http/problems';
import { workItemCommand } from '../handoff-events';
import { HandoffRepository, type SideEffects, type StateChange } from '../handoff.repository';

/**
 * Starts withdrawing a handoff's work item: the handoff goes to the internal state `withdrawing`
 * and a `withdraw` command goes to the router (outbox, same transaction). The router decides: its
 * `withdrawn` event fails the handoff with the reason; an `assigned` event that won the race
 * accepts it. Used by the durable timer (reason `timeout`) and by the bot's cancel (reason `withdrawn`).
 */
@Injectable()
export class WithdrawHandoffUseCase {
  constructor(private readonly handoffs: HandoffRepository) {}

  /** Fires every due timer (all tenants, up to `limit`); returns how many handoffs it withdrew. */
  fireDueTimeouts(limit = 100): Promise<number> {
    return this.handoffs.changeDueTimeouts(limit, (h) => this.withdrawal(h, 'timeout', 'timer'));
  }

  /** When the next timer is due (null: none pending). */
  nextDue(): Promise<Date | null> {
    return this.handoffs.nextTimeoutAt();
  }

  /**
   * The bot cancels its handoff. Idempotent: an already-withdrawing handoff is returned unchanged.
   * @throws NotFoundProblem (404) unknown id in this tenant; ConflictProblem (409) already accepted/failed
   */
  async cancel(tenantId: string, id: string): Promise<Handoff> {
    const r = await this.handoffs.changeById(tenantId, id, (h) => {
      const s = h.status as HandoffState;
      if (isFinal(s) || s === 'withdrawing') return null;
      return this.withdrawal(h, 'withdrawn', null);
    });
    if (!r) throw new NotFoundProblem(`handoff ${id} not found`);
    if (isFinal(r.handoff.status as HandoffState)) {
      throw new ConflictProblem(`handoff ${id} is already ${r.handoff.status}`);
    }
    return r.handoff;
  }

  private withdrawal(
    h: Handoff,
    reason: 'timeout' | 'withdrawn',
    eventId: string | null,
  ): { change: StateChange; effects: () => SideEffects } {
    if (!TIMED_STATES.includes(h.status as HandoffState))
      throw new Error(`cannot withdraw a ${h.status} handoff`);
    return {
      change: {
        from: h.status as HandoffState,
        to: 'withdrawing',
        reason,
        eventId,
        set: { withdrawRequestedAt: new Date() },
      },
      effects: () => ({
        outbox: [
          workItemCommand(
            h.tenantId,
            h.conversationId,
            { command: 'withdraw', workItemId: h.workItemId, reason },
            { causationId: h.id },
          ),
        ],
      }),
    };
  }
}
