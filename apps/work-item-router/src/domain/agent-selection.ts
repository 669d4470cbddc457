/**
 * Who gets a work item, and which waiting work item an agent gets. Pure: no I/O.
 *
 * "First available agent" = the LONGEST IDLE agent among the eligible ones:
 *  - eligible: presence `online`, member of the work item's queue, a free slot for the item's type
 *    (`load < capacity`), and not an agent who declined or let expire an offer of this item since it
 *    entered its current queue (that exclusion lapses when the agent's presence changes again, e.g.
 *    away → online: they are back at the desk), and not explicitly excluded (the agent who just
 *    transferred the item away);
 *  - longest idle: the earliest `idleSince`, where `idleSince` is the last time the agent came
 *    online or was offered / auto-assigned a work item — i.e. least recently routed to. Ties break on
 *    the agent id (stable and deterministic).
 * Finishing or losing an item does not reset `idleSince`, so work spreads round-robin over the
 * agents of a queue instead of piling onto whoever freed a slot last.
 *
 * Waiting order (an agent with a free slot gets the next item): highest priority first in queues
 * with `priority` handling (all items count as priority 0 in `fifo` queues), then the oldest
 * `enqueuedAt` (time it entered its current queue), then id.
 */

export type WorkItemType = 'chat' | 'call';

/** An agent as the selection sees it. */
export interface AgentCandidate {
  id: string;
  presence: 'online' | 'away' | 'offline';
  idleSince: Date;
  capacity: Record<WorkItemType, number>;
  load: Record<WorkItemType, number>;
  autoAccept: boolean;
}

/** Free slots of `agent` for work items of `type` (never negative). */
export function freeSlots(agent: Pick<AgentCandidate, 'capacity' | 'load'>, type: WorkItemType): number {
  return Math.max(0, agent.capacity[type] - agent.load[type]);
}

/** Types the agent can take one more of right now. */
export function freeTypes(agent: Pick<AgentCandidate, 'capacity' | 'load'>): WorkItemType[] {
  return (['chat', 'call'] as const).filter((t) => freeSlots(agent, t) > 0);
}

/**
 * Orders the eligible agents for a work item, best first (longest idle).
 * @param candidates members of the item's queue (the caller has already dropped agents excluded by
 *                   earlier declines/expiries of this item)
 * @param type       the work item's type
 * @param exclude    agent ids never to offer this item to in this round
 * @returns eligible agents, longest idle first (empty → the item waits)
 */
export function rankAgents<A extends AgentCandidate>(
  candidates: readonly A[],
  type: WorkItemType,
  exclude: ReadonlySet<string> = new Set(),
): A[] {
  return candidates
    .filter((a) => a.presence === 'online' && freeSlots(a, type) > 0 && !exclude.has(a.id))
    .sort(
      (a, b) => a.idleSince.getTime() - b.idleSince.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
}

/** A waiting work item as the selection sees it. */
export interface WaitingItem {
  id: string;
  type: WorkItemType;
  priority: number;
  enqueuedAt: Date;
  /** Priority handling of the item's queue. */
  priorityHandling: 'priority' | 'fifo';
}

/** Priority that counts for ordering: the item's own in `priority` queues, 0 in `fifo` queues. */
export function effectivePriority(item: Pick<WaitingItem, 'priority' | 'priorityHandling'>): number {
  return item.priorityHandling === 'fifo' ? 0 : item.priority;
}

/** Comparator of the waiting order (see module doc): negative when `a` goes first. */
export function compareWaiting(a: WaitingItem, b: WaitingItem): number {
  return (
    effectivePriority(b) - effectivePriority(a) ||
    a.enqueuedAt.getTime() - b.enqueuedAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * The waiting work item an agent with free slots gets next.
 * @param items waiting items in the agent's queues (any order)
 * @param agent capacity and load of the agent
 * @returns the next item, or null if none fits the agent's free slots
 */
export function nextItemForAgent<I extends WaitingItem>(
  items: readonly I[],
  agent: Pick<AgentCandidate, 'capacity' | 'load'>,
): I | null {
  const fits = items.filter((i) => freeSlots(agent, i.type) > 0);
  if (!fits.length) return null;
  return [...fits].sort(compareWaiting)[0];
}
