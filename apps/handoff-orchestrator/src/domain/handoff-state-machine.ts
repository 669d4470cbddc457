import type { HandoffFailureReason, HandoffStatus, WorkItemEvent } from '@hub/contracts';

/**
 * Stored handoff states: the public {@link HandoffStatus} values plus `withdrawing`, an internal,
 * non-final state entered when the handoff timer fires (or the bot cancels) and a `withdraw`
 * command was sent to the work-item router. The router is the arbiter: its `withdrawn` event makes
 * the handoff `failed`, its `assigned` event (the agent's accept won the race) makes it `accepted`.
 */
export type HandoffState = HandoffStatus | 'withdrawing';

export const FINAL_STATES: readonly HandoffState[] = ['accepted', 'failed'];
/** States in which the durable timeout still applies. */
export const TIMED_STATES: readonly HandoffState[] = ['requested', 'routed', 'offered'];

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
  return NON_FINAL_STATES.some((s) => decideTransition(s, event) !== null);
}

/** The status announced to bots for a stored state (`withdrawing` is not announced). */
export function publicStatus(s: HandoffState): HandoffStatus | null {
  return s === 'withdrawing' ? null : s;
}
