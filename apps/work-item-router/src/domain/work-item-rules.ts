/**
 * What a command may do to a work item in its current state. Pure: no I/O.
 *
 * Outcomes:
 *  - `apply`   — perform the state change;
 *  - `ignore`  — a legitimate race or a repeat (e.g. accept after the offer expired, withdraw after
 *                the accept won, complete of an already completed item): nothing changes, the
 *                command is acknowledged;
 *  - `reject`  — the command can never succeed (wrong agent, wrong state): it is dead-lettered with
 *                the reason so the sender's bug is visible.
 */

export type WorkItemStatus = 'waiting' | 'offered' | 'assigned' | 'completed' | 'withdrawn' | 'failed';

export type Decision =
  | { kind: 'apply' }
  | { kind: 'ignore'; why: string }
  | { kind: 'reject'; reason: 'invalid_state' | 'forbidden'; message: string };

const apply: Decision = { kind: 'apply' };

/** The item's live offer, if any. */
export interface LiveOfferRef {
  id: string;
  agentId: string;
  expired: boolean;
}

/** Accept of an offer by `agentId` (optionally naming the offer). */
export function decideAccept(
  item: { status: WorkItemStatus; agentId: string | null },
  offer: LiveOfferRef | null,
  agentId: string,
  offerId?: string,
): Decision {
  if (item.status === 'assigned' && item.agentId === agentId)
    return { kind: 'ignore', why: 'already assigned to this agent' };
  if (!offer || offer.agentId !== agentId || (offerId && offer.id !== offerId))
    return { kind: 'ignore', why: 'no live offer for this agent (expired, declined, withdrawn or taken)' };
  if (offer.expired) return { kind: 'ignore', why: 'offer expired' };
  return apply;
}

/** Decline of an offer by `agentId` (optionally naming the offer). */
export function decideDecline(offer: LiveOfferRef | null, agentId: string, offerId?: string): Decision {
  if (!offer || offer.agentId !== agentId || (offerId && offer.id !== offerId))
    return { kind: 'ignore', why: 'no live offer for this agent' };
  return apply;
}

/** Transfer requested by `byAgentId`: allowed while the item is open; once assigned, only by its agent. */
export function decideTransfer(
  item: { status: WorkItemStatus; agentId: string | null },
  byAgentId: string,
): Decision {
  if (item.status === 'completed' || item.status === 'withdrawn' || item.status === 'failed')
    return { kind: 'reject', reason: 'invalid_state', message: `cannot transfer a ${item.status} work item` };
  if (item.status === 'assigned' && item.agentId !== byAgentId)
    return {
      kind: 'reject',
      reason: 'forbidden',
      message: `work item is assigned to agent ${item.agentId}, not ${byAgentId}`,
    };
  return apply;
}

/** Complete (wrap-up) by `agentId`: only the assigned agent; a repeat is ignored. */
export function decideComplete(
  item: { status: WorkItemStatus; agentId: string | null },
  agentId: string,
): Decision {
  if (item.status === 'completed' && item.agentId === agentId)
    return { kind: 'ignore', why: 'already completed' };
  if (item.status !== 'assigned')
    return { kind: 'reject', reason: 'invalid_state', message: `cannot complete a ${item.status} work item` };
  if (item.agentId !== agentId)
    return {
      kind: 'reject',
      reason: 'forbidden',
      message: `work item is assigned to agent ${item.agentId}, not ${agentId}`,
    };
  return apply;
}

/**
 * Withdraw (handoff timeout or bot cancel). The router arbitrates the race with accept: before
 * assignment the item is withdrawn (a live offer is revoked); once assigned the accept has won and
 * the withdraw is ignored (the orchestrator learns from the `assigned` event) — unless
 * `revokeAssignment` is set: the handoff already failed and the bot was told so, so the assignment
 * is taken back too. Ended items (completed, withdrawn, failed) are never changed.
 */
export function decideWithdraw(item: { status: WorkItemStatus }, revokeAssignment = false): Decision {
  if (item.status === 'waiting' || item.status === 'offered') return apply;
  if (item.status === 'assigned' && revokeAssignment) return apply;
  return { kind: 'ignore', why: `work item is ${item.status}` };
}
