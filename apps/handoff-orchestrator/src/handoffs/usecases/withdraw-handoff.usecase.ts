import { Inject, Injectable } from '@nestjs/common';
import type { HandoffFailureReason } from '@hub/contracts';
import type { HandoffModel as Handoff } from '@hub/persistence';
import { isFinal, TIMED_STATES, type HandoffState } from '../../domain/handoff-state-machine';
import { ConflictProblem, NotFoundProblem } from '../../http/problems';
import { BotWebhookDispatcher } from '../../bot-webhooks/bot-webhook-dispatcher.service';
import { HandoffMetrics } from '../../metrics/handoff-metrics';
import { workItemCommand } from '../handoff-events';
import { HandoffRepository, type SideEffects, type StateChange } from '../handoff.repository';
import { OutcomeAnnouncer } from '../outcome-announcer';
import { ccaasCommand } from '../../ccaas/ccaas-events';

/** Injection token of {@link WithdrawOptions}. */
export const WITHDRAW_OPTIONS = Symbol('WITHDRAW_OPTIONS');
/** Options of {@link WithdrawHandoffUseCase}. */
export interface WithdrawOptions {
  /** How long a `withdrawing` handoff waits for the router's answer before it fails, ms. */
  graceMs: number;
}

/** What one timer scan did ({@link WithdrawHandoffUseCase.fireDueTimeouts}). */
export interface TimerScanResult {
  /** Handoffs whose timeout fired: now `withdrawing`, a `withdraw` command sent. */
  withdrawn: number;
  /** Withdrawing handoffs whose grace ran out: now `failed`, outcome announced. */
  failed: number;
}

/**
 * Starts withdrawing a handoff's work item: the handoff goes to the internal state `withdrawing`
 * and a `withdraw` command goes to the router (outbox, same transaction). The router decides: its
 * `withdrawn` event fails the handoff with the reason; an `assigned` event that won the race
 * accepts it. Used by the durable timer (reason `timeout`) and by the bot's cancel (reason `withdrawn`).
 * The wait for the router's answer is bounded: `graceMs` after `withdraw_requested_at` the durable
 * timer fails the handoff with the reason it was withdrawn for and announces the outcome (a router
 * answer arriving later changes nothing; a late `assigned` is revoked — see ApplyWorkItemEventUseCase).
 */
@Injectable()
export class WithdrawHandoffUseCase {
  constructor(
    private readonly handoffs: HandoffRepository,
    private readonly announcer: OutcomeAnnouncer,
    private readonly callbacks: BotWebhookDispatcher,
    private readonly metrics: HandoffMetrics,
    @Inject(WITHDRAW_OPTIONS) private readonly opts: WithdrawOptions,
  ) {}

  /**
   * Fires every due timer (all tenants, up to `limit` per kind): handoffs past `timeout_at` start
   * withdrawing; withdrawing handoffs past their grace fail.
   */
  async fireDueTimeouts(limit = 100): Promise<TimerScanResult> {
    let kicked = false;
    const r = await this.handoffs.changeDueTimeouts(limit, this.opts.graceMs, (h) => {
      if (h.target !== 'internal') {
        if (h.callbackUrl) kicked = true;
        return this.externalFailure(h, 'timeout', 'timer');
      }
      if (h.status !== 'withdrawing') return this.withdrawal(h, 'timeout', 'timer');
      if (h.callbackUrl) kicked = true;
      return this.graceExpired(h);
    });
    if (r.failed) {
      for (const h of r.failedHandoffs)
        this.metrics.outcomes.inc({ status: 'failed', reason: h.reason ?? 'none' });
    }
    if (kicked) this.callbacks.kick();
    return { withdrawn: r.withdrawn, failed: r.failed };
  }

  /** When the next timer (timeout or withdraw grace) is due (null: none pending). */
  nextDue(): Promise<Date | null> {
    return this.handoffs.nextTimeoutAt(this.opts.graceMs);
  }

  /**
   * The bot cancels its handoff. Idempotent: an already-withdrawing handoff is returned unchanged. An
   * external handoff fails with `withdrawn` at once and its platform contact is ended.
   * @throws NotFoundProblem (404) unknown id in this tenant; ConflictProblem (409) already accepted/failed
   */
  async cancel(tenantId: string, id: string): Promise<Handoff> {
    let kicked = false;
    const r = await this.handoffs.changeById(tenantId, id, (h) => {
      const s = h.status as HandoffState;
      if (isFinal(s) || s === 'withdrawing') return null;
      if (h.target !== 'internal') {
        if (h.callbackUrl) kicked = true;
        return this.externalFailure(h, 'withdrawn', null);
      }
      return this.withdrawal(h, 'withdrawn', null);
    });
    if (kicked) this.callbacks.kick();
    if (!r) throw new NotFoundProblem(`handoff ${id} not found`);
    // (an external handoff this call cancelled is final at once: not a conflict)
    if (!r.changed && isFinal(r.handoff.status as HandoffState)) {
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

  /**
   * An external handoff (contact center) times out or is cancelled: no router to ask — it fails at once
   * with the reason, the outcome is announced, and an `end` command (outbox → the bridge) ends the
   * platform contact. An agent joining afterwards is noted on the audit trail and the contact is ended
   * again (the failure wins, as for a late internal assignment).
   */
  private externalFailure(
    h: Handoff,
    reason: 'timeout' | 'withdrawn',
    eventId: string | null,
  ): { change: StateChange; effects: (u: Handoff) => SideEffects } {
    const detail =
      reason === 'timeout'
        ? `no agent of the contact center joined within ${h.timeoutSeconds ?? '?'} s; the platform contact is ended`
        : 'cancelled by the bot; the platform contact is ended';
    return {
      change: {
        from: h.status as HandoffState,
        to: 'failed',
        reason,
        detail,
        eventId,
        set: { failedAt: new Date() },
      },
      effects: (u) =>
        this.announcer.announce(u, 'failed', { causationId: h.id }, { reason, detail }, [
          ccaasCommand(
            h.tenantId,
            h.conversationId,
            { command: 'end', handoffId: h.id, integrationId: h.integrationId, target: h.target, reason },
            { causationId: h.id },
          ),
        ]),
    };
  }

  /** A withdrawing handoff the router did not answer within the grace: failed(its withdraw reason). */
  private graceExpired(h: Handoff): { change: StateChange; effects: (u: Handoff) => SideEffects } {
    const reason: HandoffFailureReason = h.reason === 'withdrawn' ? 'withdrawn' : 'timeout';
    const detail = `the work-item router did not answer the withdraw within ${this.opts.graceMs} ms`;
    return {
      change: {
        from: 'withdrawing',
        to: 'failed',
        reason,
        detail,
        eventId: 'withdraw-grace',
        set: { failedAt: new Date() },
      },
      effects: (u) => this.announcer.announce(u, 'failed', { causationId: h.id }, { reason, detail }),
    };
  }
}
