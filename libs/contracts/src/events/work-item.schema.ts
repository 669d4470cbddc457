import { z } from 'zod';
import { envelopeOf } from '../envelope';
import { RoutingDataSchema, WorkItemContextSchema, WorkItemTypeSchema } from './common.schema';

export const PresenceSchema = z.enum(['online', 'away', 'offline']);
export type Presence = z.infer<typeof PresenceSchema>;

/**
 * Why the router changed an agent's presence on its own (absent when the agent, the gateway or an
 * admin asked for the change). `missed_offers`: the agent let `ROUTER_MISSED_OFFERS_BEFORE_AWAY`
 * offers expire in a row and was set `away` ("not responding").
 */
export const PresenceChangeReasonSchema = z.enum(['missed_offers']);
export type PresenceChangeReason = z.infer<typeof PresenceChangeReasonSchema>;

export const WorkItemStatusSchema = z.enum([
  'waiting', // in a queue, no live offer
  'offered', // reserved for one agent until the offer expires
  'assigned', // accepted by (or auto-assigned to) an agent
  'completed', // wrapped up
  'withdrawn', // removed before pickup (handoff timeout or bot cancel)
  'failed', // could not be routed
]);
export type WorkItemStatus = z.infer<typeof WorkItemStatusSchema>;

/** Agent ids are the tenant's own identifiers (e.g. `agent-7`, or a UUID). */
export const AgentIdSchema = z.string().min(1).max(128);

/**
 * Commands to the work-item router (`hub.workitem.commands.v1`).
 * Key: the work item's conversation id for item commands, `agent:<agentId>` for presence.
 */
export const WorkItemCommandSchema = z.discriminatedUnion('command', [
  z.object({
    command: z.literal('create'),
    workItemId: z.uuid(),
    handoffId: z.uuid(),
    conversationId: z.string().min(1),
    integrationId: z.uuid(),
    routing: RoutingDataSchema,
    /** Integration's configured default queue, resolution level 3. */
    integrationDefaultQueueId: z.uuid().nullable(),
    type: WorkItemTypeSchema,
    priority: z.number().int().min(0).max(100),
    context: WorkItemContextSchema,
  }),
  z.object({
    command: z.literal('accept'),
    workItemId: z.uuid(),
    agentId: AgentIdSchema,
    offerId: z.uuid().optional(),
  }),
  z.object({
    command: z.literal('decline'),
    workItemId: z.uuid(),
    agentId: AgentIdSchema,
    offerId: z.uuid().optional(),
    reason: z.string().max(500).optional(),
  }),
  z.object({
    command: z.literal('transfer'),
    workItemId: z.uuid(),
    toQueueId: z.uuid(),
    byAgentId: AgentIdSchema,
    reason: z.string().max(500).optional(),
  }),
  z.object({
    command: z.literal('complete'),
    workItemId: z.uuid(),
    agentId: AgentIdSchema,
    wrapUp: z.object({
      note: z.string().max(10_000).optional(),
      disposition: z.string().max(100).optional(),
    }),
  }),
  z.object({
    command: z.literal('withdraw'),
    workItemId: z.uuid(),
    reason: z.enum(['timeout', 'withdrawn']),
    /**
     * The handoff has already failed and its outcome was announced (the router did not answer the first
     * withdraw in time): withdraw the item even if an agent was assigned meanwhile (the agent is told
     * `unassigned` / `withdrawn`). Without it an assigned item is left alone (the accept won the race).
     */
    revokeAssignment: z.boolean().optional(),
  }),
  z.object({
    command: z.literal('set_presence'),
    agentId: AgentIdSchema,
    presence: PresenceSchema,
  }),
]);
export type WorkItemCommand = z.infer<typeof WorkItemCommandSchema>;
export const WorkItemCommandEventSchema = envelopeOf('workitem.command', 1, WorkItemCommandSchema);

const ItemRef = {
  workItemId: z.uuid(),
  handoffId: z.uuid().nullable(),
  conversationId: z.string(),
  queueId: z.uuid().nullable(),
};

/**
 * Every state change of a work item or an agent (`hub.workitem.events.v1`) — the audit trail.
 * Key: conversation id (items), `agent:<agentId>` (presence).
 */
export const WorkItemEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('created'), ...ItemRef, type: WorkItemTypeSchema, priority: z.number().int() }),
  z.object({ event: z.literal('queued'), ...ItemRef }),
  z.object({
    event: z.literal('offered'),
    ...ItemRef,
    offerId: z.uuid(),
    agentId: AgentIdSchema,
    expiresAt: z.iso.datetime({ offset: true }),
  }),
  z.object({ event: z.literal('offer_declined'), ...ItemRef, offerId: z.uuid(), agentId: AgentIdSchema }),
  z.object({ event: z.literal('offer_expired'), ...ItemRef, offerId: z.uuid(), agentId: AgentIdSchema }),
  z.object({
    event: z.literal('assigned'),
    ...ItemRef,
    agentId: AgentIdSchema,
    offerId: z.uuid().nullable(),
    autoAccepted: z.boolean(),
  }),
  z.object({
    event: z.literal('transferred'),
    ...ItemRef,
    fromQueueId: z.uuid().nullable(),
    toQueueId: z.uuid(),
    byAgentId: AgentIdSchema,
    reason: z.string().nullable(),
  }),
  z.object({
    event: z.literal('completed'),
    ...ItemRef,
    agentId: AgentIdSchema,
    note: z.string().nullable(),
    disposition: z.string().nullable(),
  }),
  z.object({ event: z.literal('withdrawn'), ...ItemRef, reason: z.enum(['timeout', 'withdrawn']) }),
  z.object({
    event: z.literal('failed'),
    ...ItemRef,
    reason: z.enum(['no_active_queue', 'error']),
    detail: z.string(),
  }),
  z.object({
    event: z.literal('agent_presence_changed'),
    agentId: AgentIdSchema,
    presence: PresenceSchema,
    /** Set when the router made the change on its own (additive, optional). */
    reason: PresenceChangeReasonSchema.optional(),
  }),
]);
export type WorkItemEvent = z.infer<typeof WorkItemEventSchema>;
export const WorkItemEventEnvelopeSchema = envelopeOf('workitem.event', 1, WorkItemEventSchema);
