import type { AgentWorkItemView } from '@hub/contracts';

/** A live offer to the calling agent, as the inbox shows it. */
export interface AgentOfferView {
  offerId: string;
  /** ISO 8601 instant the reservation lapses. */
  expiresAt: string;
  workItem: AgentWorkItemView;
}

/** Minimal facts about a work item for authorization and command routing. */
export interface WorkItemRef {
  workItemId: string;
  conversationId: string;
  status: AgentWorkItemView['status'];
  /** Assigned agent, if any. */
  agentId: string | null;
  queueId: string | null;
}

/** One entry of a work item's transfer history. */
export interface TransferView {
  fromQueueId: string | null;
  fromQueueName: string | null;
  toQueueId: string;
  toQueueName: string | null;
  byAgentId: string | null;
  reason: string | null;
  at: string;
}

/** A work item with everything the context panel shows. */
export interface WorkItemDetail extends AgentWorkItemView {
  agentId: string | null;
  /** The calling agent's live offer on it, if any. */
  offer: { offerId: string; expiresAt: string } | null;
  transfers: TransferView[];
}

/** Agent presence as the router records it. */
export type AgentPresence = 'online' | 'away' | 'offline';

/** A queue an agent can transfer to. */
export interface QueueView {
  id: string;
  name: string;
}

/**
 * Read access to the work-item router's records (PostgreSQL, tenant-scoped). The router owns these
 * tables; the gateway only reads them — for the inbox, the context panel, resynchronisation after a
 * (re)connect and authorization of the agent's commands.
 */
export interface WorkItemReader {
  /** Live (unexpired) offers to the agent and work items assigned to the agent. */
  inbox(
    tenantId: string,
    agentId: string,
  ): Promise<{ offers: AgentOfferView[]; assigned: AgentWorkItemView[] }>;
  /** The agent's presence as the router last recorded it; null for an agent the router does not know. */
  presence(tenantId: string, agentId: string): Promise<AgentPresence | null>;
  /** The work item if it is assigned to the agent or offered to the agent right now; else null. */
  findVisible(tenantId: string, agentId: string, workItemId: string): Promise<WorkItemDetail | null>;
  /** The work item of this tenant, whoever holds it; null if none. */
  findRef(tenantId: string, workItemId: string): Promise<WorkItemRef | null>;
  /** The agent's live offer for the work item; null if none. */
  findLiveOffer(
    tenantId: string,
    agentId: string,
    workItemId: string,
  ): Promise<{ offerId: string; conversationId: string } | null>;
  /** The most recent work item of a conversation (prefers open ones); null if none. */
  findByConversation(tenantId: string, conversationId: string): Promise<WorkItemRef | null>;
  /** Active queues of the tenant (transfer targets). */
  queues(tenantId: string): Promise<QueueView[]>;
}

export const WORK_ITEM_READER = Symbol('WORK_ITEM_READER');
