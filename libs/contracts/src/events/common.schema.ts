import { z } from 'zod';

/** Originating channel of a bot conversation (seed 000, "Channel-to-Work-Item Mapping"). */
export const ChannelSchema = z.enum(['web', 'sms', 'whatsapp', 'voice', 'phone']);
export type Channel = z.infer<typeof ChannelSchema>;

/** Work item type: web/SMS/WhatsApp → chat; voice/phone → call. */
export const WorkItemTypeSchema = z.enum(['chat', 'call']);
export type WorkItemType = z.infer<typeof WorkItemTypeSchema>;

/** Maps a channel to its work item type (seed 000 table). */
export function workItemTypeForChannel(channel: Channel): WorkItemType {
  return channel === 'voice' || channel === 'phone' ? 'call' : 'chat';
}

/** One transcript line of the bot conversation. `timestamp` is ISO 8601. */
export const TranscriptEntrySchema = z.object({
  role: z.enum(['user', 'bot', 'agent', 'system']),
  text: z.string().max(20_000),
  timestamp: z.iso.datetime({ offset: true }),
});
export type TranscriptEntry = z.infer<typeof TranscriptEntrySchema>;

/** Customer contact details from the bot's contact record. */
export const ContactSchema = z.object({
  name: z.string().max(200).optional(),
  email: z.email().optional(),
  phone: z
    .string()
    .regex(/^\+?[0-9 ()-]{3,32}$/, 'must be a phone number')
    .optional(),
});
export type Contact = z.infer<typeof ContactSchema>;

/** Flow variables marked for handoff: flat key → scalar. */
export const AttributesSchema = z.record(
  z.string().min(1).max(128),
  z.union([z.string().max(4000), z.number(), z.boolean(), z.null()]),
);
export type Attributes = z.infer<typeof AttributesSchema>;

/**
 * Routing data of the Handoff node: explicit queue id, or a queue name (`queue` or `queue_name`); optionally a
 * preferred agent (targeted routing, docs/routing.md): `agent_id` is offered the item alone while online with
 * free capacity; after `agent_wait_ms` (default: the router's `ROUTER_TARGET_AGENT_WAIT_MS`) without an accept,
 * or at once when that agent declines or lets the offer expire, the item falls back to the whole queue — unless
 * `agent_strict`, which keeps it for that agent only.
 */
export const RoutingDataSchema = z.object({
  queue_id: z.uuid().optional(),
  queue: z.string().min(1).max(200).optional(),
  queue_name: z.string().min(1).max(200).optional(),
  /** Preferred agent (router agent id) in the resolved queue. */
  agent_id: z.string().min(1).max(200).optional(),
  /** How long only `agent_id` is offered the item, ms (0 … 24 h). */
  agent_wait_ms: z.number().int().min(0).max(86_400_000).optional(),
  /** true: never fall back to the queue. */
  agent_strict: z.boolean().optional(),
});
export type RoutingData = z.infer<typeof RoutingDataSchema>;

/** Sentiment score in [-1, 1] (negative … positive). */
export const SentimentScoreSchema = z.number().min(-1).max(1);

/** Which component produced a derived field. */
export const DerivedSourceSchema = z.enum(['bot', 'library', 'llm', 'none']);

/** Full context an agent sees with a work item (seed 000, "Context Data Passed to Agents"). */
export const WorkItemContextSchema = z.object({
  channel: ChannelSchema,
  transcript: z.array(TranscriptEntrySchema),
  summary: z.string().nullable(),
  summarySource: DerivedSourceSchema,
  intent: z.string().nullable(),
  escalationReason: z.string().nullable(),
  sentiment: SentimentScoreSchema.nullable(),
  sentimentSource: DerivedSourceSchema,
  attributes: AttributesSchema,
  contact: ContactSchema,
});
export type WorkItemContext = z.infer<typeof WorkItemContextSchema>;
