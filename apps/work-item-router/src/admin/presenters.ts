import type {
  AgentModel,
  OfferModel,
  QueueModel,
  WorkItemModel,
  WorkItemTransferModel,
} from '@hub/persistence';
import { contextOf } from '../routing/routing-tx';

/** Queue as the admin API returns it. */
export function presentQueue(q: QueueModel) {
  return {
    id: q.id,
    name: q.name,
    active: q.active,
    isDefault: q.isDefault,
    offerTimeoutSeconds: q.offerTimeoutSeconds,
    priorityHandling: q.priorityHandling,
    createdAt: q.createdAt.toISOString(),
    updatedAt: q.updatedAt.toISOString(),
  };
}

/**
 * Agent as the admin API returns it (capacity and current load per work-item type; `missedOffers`:
 * offers let expire in a row since its last accept, decline or presence change).
 */
export function presentAgent(a: AgentModel & { queues?: { queueId: string }[] }) {
  return {
    id: a.id,
    displayName: a.displayName,
    presence: a.presence,
    presenceChangedAt: a.presenceChangedAt.toISOString(),
    idleSince: a.idleSince.toISOString(),
    autoAccept: a.autoAccept,
    capacity: { chat: a.capacityChat, call: a.capacityCall },
    load: { chat: a.loadChat, call: a.loadCall },
    missedOffers: a.missedOffers,
    queueIds: (a.queues ?? []).map((q) => q.queueId).sort(),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Work item with context, transfer history and offers. */
export function presentWorkItem(
  w: WorkItemModel & { transfers?: WorkItemTransferModel[]; offers?: OfferModel[] },
) {
  return {
    id: w.id,
    handoffId: w.handoffId,
    conversationId: w.conversationId,
    integrationId: w.integrationId,
    type: w.type,
    status: w.status,
    priority: w.priority,
    queueId: w.queueId,
    agentId: w.agentId,
    queueResolution: w.queueResolution,
    routing: w.routing,
    endReason: w.endReason,
    context: contextOf(w),
    wrapUp: { note: w.wrapUpNote, disposition: w.wrapUpDisposition },
    createdAt: w.createdAt.toISOString(),
    enqueuedAt: w.enqueuedAt.toISOString(),
    assignedAt: iso(w.assignedAt),
    completedAt: iso(w.completedAt),
    endedAt: iso(w.endedAt),
    transfers: (w.transfers ?? []).map((t) => ({
      id: t.id,
      fromQueueId: t.fromQueueId,
      toQueueId: t.toQueueId,
      byAgentId: t.byAgentId,
      fromAgentId: t.fromAgentId,
      reason: t.reason,
      at: t.at.toISOString(),
    })),
    offers: (w.offers ?? []).map((o) => ({
      id: o.id,
      agentId: o.agentId,
      queueId: o.queueId,
      status: o.status,
      createdAt: o.createdAt.toISOString(),
      expiresAt: o.expiresAt.toISOString(),
      resolvedAt: iso(o.resolvedAt),
      reason: o.reason,
    })),
  };
}
