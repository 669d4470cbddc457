import type { HandoffFailureReason, HandoffStatus, WorkItemEvent } from '@hub/contracts';

/**
 * Stored handoff states: the public {@link HandoffStatus} values plus `withdrawing`, an internal,
 * non-final state entered when the handoff timer fires (or the bot cancels) and a `withdraw`
 * command was sent to the work-item router. The router is the arbiter: its `withdrawn` event makes
 * the handoff `failed`, its `assigned` event (the agent's accept won the race) makes it `accepted`.
 */
export type HandoffState = HandoffStatus | 'withdrawing';

/** States after which nothing changes a handoff's status (its outcome has been announced). */
export const FINAL_STATES: readonly HandoffState[] = ['accepted', 'failed'];
/** States in which the durable timeout still applies. */
export const TIMED_STATES: readonly HandoffState[] = ['requested', 'routed', 'offered'];

/**
 * Whether `s` is final (`accepted` or `failed`): the outcome has been announced and no event changes
 * the status any more. Pure; never throws.
 * @param s a stored handoff state (public status or `withdrawing`)
 * @returns true for `accepted` / `failed`
 */
export function isFinal(s: HandoffState): boolean {
  return FINAL_STATES.includes(s);
}

/** A state change decided from a work item event. */
export interface HandoffTransitionDecision {
  from: HandoffState;
  to: HandoffState;
  reason?: HandoffFailureReason;
  detail?: string;
  /** Fields to record with the transition. */
  queueId?: string | null;
  agentId?: string;
}

/**
 * The handoff state machine driven by the router's work item events:
 *
 * | event                               | from                               | to                  |
 * |-------------------------------------|------------------------------------|---------------------|
 * | queued                              | requested, offered                 | routed              |
 * | offered                             | requested, routed                  | offered             |
 * | offer_declined, offer_expired       | offered                            | routed              |
 * | assigned                            | requested, routed, offered, withdrawing | accepted (final) |
 * | withdrawn (reason timeout/withdrawn) | any non-final                     | failed(reason)      |
 * | failed (no_active_queue/error)      | any non-final                      | failed(reason)      |
 *
 * Everything else (created, transferred, completed, presence, events after a final state, routing
 * progress while `withdrawing`) yields `null`: nothing to do. Pure; no I/O.
 *
 * @returns the transition, or `null` when the event does not change the handoff
 */
export function decideTransition(
  current: HandoffState,
  event: WorkItemEvent,
): HandoffTransitionDecision | null {
  if (isFinal(current)) return null;
  switch (event.event) {
    case 'queued':
      return current === 'requested' || current === 'offered'
        ? { from: current, to: 'routed', queueId: event.queueId }
        : null;
    case 'offered':
      return current === 'requested' || current === 'routed'
        ? { from: current, to: 'offered', queueId: event.queueId }
        : null;
    case 'offer_declined':
    case 'offer_expired':
      return current === 'offered' ? { from: current, to: 'routed', queueId: event.queueId } : null;
    case 'assigned':
      return { from: current, to: 'accepted', queueId: event.queueId, agentId: event.agentId };
    case 'withdrawn':
      return { from: current, to: 'failed', reason: event.reason, queueId: event.queueId };
    case 'failed':
      return {
        from: current,
        to: 'failed',
        reason: event.reason,
        detail: event.detail,
        queueId: event.queueId,
      };
    default:
      return null;
  }
}

/** Every stored state that is not final. */
export const NON_FINAL_STATES: readonly HandoffState[] = ['requested', 'routed', 'offered', 'withdrawing'];

/**
 * Whether `event` can change a handoff in some state (`decideTransition` is non-null for at least one
 * non-final state). Events for which this is false (created, transferred, completed, presence …) need
 * no transaction: they change nothing whatever the handoff's state. Pure.
 */
export function mayChangeHandoff(event: WorkItemEvent): boolean {
  if (mustRevokeAssignment('failed', event)) return true;
  return NON_FINAL_STATES.some((s) => decideTransition(s, event) !== null);
}

/**
 * Whether an event must take a work item assignment back: the router reports `assigned` for a handoff
 * that is already `failed` (its withdraw grace ran out and the bot was told it failed — e.g. the router
 * was down and processed the accept before the withdraw later). The bot has moved on, so the
 * orchestrator sends `withdraw` with `revokeAssignment` and the handoff stays failed. While the handoff
 * is still `withdrawing` (outcome not announced) the accept wins instead ({@link decideTransition}). Pure.
 */
export function mustRevokeAssignment(current: HandoffState, event: WorkItemEvent): boolean {
  return current === 'failed' && event.event === 'assigned';
}

/** The status announced to bots for a stored state (`withdrawing` is not announced). */
export function publicStatus(s: HandoffState): HandoffStatus | null {
  return s === 'withdrawing' ? null : s;
}
