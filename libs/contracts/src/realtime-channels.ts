import { z } from 'zod';
import { WorkItemContextSchema, WorkItemTypeSchema } from './events/common.schema';
import { PresenceChangeReasonSchema, WorkItemStatusSchema } from './events/work-item.schema';

/**
 * Redis pub/sub channels (low-latency fan-out to the gateways). Redis pub/sub drops messages while
 * a subscriber is disconnected, so every client resynchronises from PostgreSQL on (re)connect; these
 * messages are a fast path, not the record.
 */
export interface ChannelDefinition<S extends z.ZodTypeAny, P extends unknown[]> {
  /** Concrete channel name for the given parameters. */
  channel: (...params: P) => string;
  /** psubscribe pattern matching every channel of this kind. */
  pattern: string;
  schema: S;
}

/** A work item as pushed to an agent (offer or assignment): enough to render the inbox and context panel. */
export const AgentWorkItemViewSchema = z.object({
  workItemId: z.uuid(),
  conversationId: z.string(),
  queueId: z.uuid().nullable(),
  queueName: z.string().nullable(),
  type: WorkItemTypeSchema,
  status: WorkItemStatusSchema,
  priority: z.number().int(),
  context: WorkItemContextSchema,
  createdAt: z.iso.datetime({ offset: true }),
  /** When it was assigned to its current agent (inbox "time since assignment"); null while waiting. Absent from older routers. */
  assignedAt: z.iso.datetime({ offset: true }).nullable().optional(),
});
export type AgentWorkItemView = z.infer<typeof AgentWorkItemViewSchema>;

/** Messages on an agent's channel. `eventId` lets clients drop duplicates (at-least-once relay). */
export const AgentChannelMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('offer'),
    eventId: z.uuid(),
    offerId: z.uuid(),
    expiresAt: z.iso.datetime({ offset: true }),
    workItem: AgentWorkItemViewSchema,
  }),
  z.object({
    kind: z.literal('offer_revoked'),
    eventId: z.uuid(),
    offerId: z.uuid(),
    workItemId: z.uuid(),
    reason: z.enum(['expired', 'declined', 'withdrawn', 'accepted_elsewhere']),
  }),
  z.object({
    kind: z.literal('assigned'),
    eventId: z.uuid(),
    offerId: z.uuid().nullable(),
    autoAccepted: z.boolean(),
    workItem: AgentWorkItemViewSchema,
  }),
  z.object({
    kind: z.literal('unassigned'),
    eventId: z.uuid(),
    workItemId: z.uuid(),
    reason: z.enum(['transferred', 'completed', 'withdrawn']),
  }),
  z.object({
    kind: z.literal('presence'),
    eventId: z.uuid(),
    presence: z.enum(['online', 'away', 'offline']),
    /** Set when the router changed the presence on its own (e.g. `missed_offers`); additive, optional. */
    reason: PresenceChangeReasonSchema.optional(),
  }),
]);
export type AgentChannelMessage = z.infer<typeof AgentChannelMessageSchema>;

/**
 * Notification on an 8x8 agent's channel that the agent's current interaction changed
 * (connector-8x8 publishes it right after writing {@link RealtimeKeys.eightByEightAgentInteraction}).
 * `interactionId: null` = the agent has no current interaction. Subscribers treat the message as a
 * nudge and re-read the key, which is the record (pub/sub drops messages while disconnected).
 */
export const EightByEightAgentInteractionChangedSchema = z.object({
  agentId: z.string().min(1).max(128),
  interactionId: z.string().min(1).max(200).nullable(),
  /** When the connector observed the change (ISO 8601). */
  changedAt: z.iso.datetime({ offset: true }).optional(),
});
export type EightByEightAgentInteractionChanged = z.infer<typeof EightByEightAgentInteractionChangedSchema>;

/**
 * Plain Redis keys shared by two services. Like channel names, they are logical: prefix them with
 * the service's `REDIS_NAMESPACE` (`bus.name(key)` on a RealtimeBus) before use.
 */
export const RealtimeKeys = {
  /**
   * `hub:t:<tenant>:8x8-agent:<agentId>:interaction` → the 8x8 interaction id the agent is handling
   * now (string). Written/deleted by connector-8x8 from 8x8 Event Streaming (InteractionAccepted /
   * InteractionCompleted …); read by assist-gateway to bind an 8x8 widget known only by `aid`.
   */
  eightByEightAgentInteraction: (tenantId: string, agentId: string) =>
    `hub:t:${tenantId}:8x8-agent:${agentId}:interaction`,
};

export const RealtimeChannels = {
  /** Per-agent channel: offers, assignments, presence confirmations. */
  agent: {
    channel: (tenantId: string, agentId: string) => `hub:t:${tenantId}:agent:${agentId}`,
    pattern: 'hub:t:*:agent:*',
    schema: AgentChannelMessageSchema,
  } satisfies ChannelDefinition<typeof AgentChannelMessageSchema, [string, string]>,
  /**
   * Per-8x8-agent channel `hub:t:<tenant>:8x8-agent:<agentId>`: published by connector-8x8 when the
   * agent's current interaction changes, so a connected assist widget switches room. Note that the
   * `agent` family's pattern `hub:t:*:agent:*` also matches these names (glob `*` spans colons);
   * subscribers of that family drop them as schema-invalid.
   */
  eightByEightAgent: {
    channel: (tenantId: string, agentId: string) => `hub:t:${tenantId}:8x8-agent:${agentId}`,
    // `8x8-agent` (not `8x8:agent`) so the agent pattern `hub:t:*:agent:*` does not match these channels
    pattern: 'hub:t:*:8x8-agent:*',
    schema: EightByEightAgentInteractionChangedSchema,
  } satisfies ChannelDefinition<typeof EightByEightAgentInteractionChangedSchema, [string, string]>,
};
