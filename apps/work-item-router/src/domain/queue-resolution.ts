/**
 * Queue resolution for a new work item (seed 000, "Queue Routing"). Pure: no I/O.
 *
 * Levels, first match wins:
 *  1. `queue_id` in the routing data — an active queue of the tenant with that id;
 *  2. `queue`, then `queue_name` in the routing data — an active queue with exactly that name
 *     (case-sensitive);
 *  3. the integration's default queue (`integrationDefaultQueueId`) — if active;
 *  4. the tenant's default queue (`is_default`) — if active (the oldest one, should there be several);
 *  5. the first active queue (oldest `createdAt`, then id).
 * A level whose queue is unknown, inactive or of another tenant (callers pass only the tenant's own
 * queues) is skipped. No active queue at all → `{ kind: 'none' }` (the work item fails at once with
 * `no_active_queue`).
 */

/** The facts about a tenant's queue that resolution needs. */
export interface QueueCandidate {
  id: string;
  name: string;
  active: boolean;
  isDefault: boolean;
  createdAt: Date;
}

/** Routing input: the Handoff node's routing data and the integration's configured default queue. */
export interface QueueResolutionInput {
  routing: { queue_id?: string; queue?: string; queue_name?: string };
  integrationDefaultQueueId: string | null;
}

/** 1 queue_id · 2 queue/queue_name · 3 integration default · 4 tenant default · 5 first active. */
export type ResolutionLevel = 1 | 2 | 3 | 4 | 5;

export type QueueResolution<Q extends QueueCandidate = QueueCandidate> =
  { kind: 'resolved'; queue: Q; level: ResolutionLevel } | { kind: 'none' };

const byAge = (a: QueueCandidate, b: QueueCandidate) =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Picks the queue for a new work item.
 * @param input  routing data + integration default queue id
 * @param queues all queues of the work item's tenant (any order; inactive ones included)
 */
export function resolveQueue<Q extends QueueCandidate>(
  input: QueueResolutionInput,
  queues: readonly Q[],
): QueueResolution<Q> {
  const active = queues.filter((q) => q.active).sort(byAge);
  const { routing } = input;

  if (routing.queue_id) {
    const q = active.find((x) => x.id === routing.queue_id);
    if (q) return { kind: 'resolved', queue: q, level: 1 };
  }
  for (const name of [routing.queue, routing.queue_name]) {
    if (!name) continue;
    const q = active.find((x) => x.name === name);
    if (q) return { kind: 'resolved', queue: q, level: 2 };
  }
  if (input.integrationDefaultQueueId) {
    const q = active.find((x) => x.id === input.integrationDefaultQueueId);
    if (q) return { kind: 'resolved', queue: q, level: 3 };
  }
  const tenantDefault = active.find((x) => x.isDefault);
  if (tenantDefault) return { kind: 'resolved', queue: tenantDefault, level: 4 };
  if (active.length) return { kind: 'resolved', queue: active[0], level: 5 };
  return { kind: 'none' };
}
