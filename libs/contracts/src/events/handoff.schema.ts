import { z } from 'zod';
import { envelopeOf } from '../envelope';
import {
  AttributesSchema,
  ChannelSchema,
  ContactSchema,
  RoutingDataSchema,
  SentimentScoreSchema,
  TranscriptEntrySchema,
} from './common.schema';

/**
 * A bot flow's Handoff node request (REST body of `POST /v1/handoffs` and value of
 * `hub.handoff.requested.v1`). The tenant travels in the envelope (Kafka) or the path/header (REST).
 */
export const HandoffRequestSchema = z.object({
  integrationId: z.uuid(),
  botSessionId: z.string().min(1).max(200),
  conversationId: z.string().min(1).max(200),
  channel: ChannelSchema,
  routing: RoutingDataSchema.default({}),
  transcript: z.array(TranscriptEntrySchema).max(2000).default([]),
  intent: z.string().max(200).optional(),
  escalationReason: z.string().max(500).optional(),
  sentimentScore: SentimentScoreSchema.optional(),
  attributes: AttributesSchema.default({}),
  contact: ContactSchema.default({}),
  /** Seconds to wait for an accept before the failure outcome; none → wait indefinitely. */
  timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
  /** Optional HTTPS/HTTP URL that receives the outcome as a POST (JSON). */
  callbackUrl: z.url().optional(),
  /** Higher first; default 0. */
  priority: z.number().int().min(0).max(100).default(0),
  /** Same key → same handoff (dedupe). Kafka intake uses this or the envelope id. */
  idempotencyKey: z.string().min(1).max(200).optional(),
  /**
   * The escalation decision (`POST /v1/escalation/decisions`) this handoff follows (`transfer_to_human`): its
   * reasons become the handoff's, and its detected intent fills `intent` when the bot sent none.
   */
  decisionId: z.uuid().optional(),
});
export type HandoffRequest = z.infer<typeof HandoffRequestSchema>;
export type HandoffRequestInput = z.input<typeof HandoffRequestSchema>;

export const HandoffRequestedEventSchema = envelopeOf('handoff.requested', 1, HandoffRequestSchema);

/** Handoff state machine: requested → routed → offered → accepted, or failed. */
export const HandoffStatusSchema = z.enum(['requested', 'routed', 'offered', 'accepted', 'failed']);
export type HandoffStatus = z.infer<typeof HandoffStatusSchema>;

export const HandoffFailureReasonSchema = z.enum(['no_active_queue', 'timeout', 'withdrawn', 'error']);
export type HandoffFailureReason = z.infer<typeof HandoffFailureReasonSchema>;

/** Outcome announced to the bot flow (success → `accepted`; failure handle → `failed` + reason). */
export const HandoffOutcomeSchema = z.object({
  handoffId: z.uuid(),
  integrationId: z.uuid(),
  botSessionId: z.string(),
  conversationId: z.string(),
  status: HandoffStatusSchema,
  reason: HandoffFailureReasonSchema.optional(),
  detail: z.string().optional(),
  workItemId: z.uuid().optional(),
  queueId: z.uuid().optional(),
  agentId: z.string().optional(),
});
export type HandoffOutcome = z.infer<typeof HandoffOutcomeSchema>;

export const HandoffOutcomeEventSchema = envelopeOf('handoff.outcome', 1, HandoffOutcomeSchema);
