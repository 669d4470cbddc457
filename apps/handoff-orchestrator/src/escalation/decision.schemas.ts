import { z } from 'zod';
import {
  AttributesSchema,
  ChannelSchema,
  ContactSchema,
  SentimentScoreSchema,
  TranscriptEntrySchema,
} from '@hub/contracts';

/**
 * Body of `POST /v1/escalation/decisions`: the conversation so far and, optionally, the bot's own retrieval
 * result. `transcript` uses the handoff's transcript entries (`role: user` is the customer); the detectors read
 * the last customer turn.
 */
export const DecisionRequestSchema = z
  .object({
    conversationId: z.string().min(1).max(200),
    botSessionId: z.string().min(1).max(200).optional(),
    channel: ChannelSchema.default('web'),
    transcript: z.array(TranscriptEntrySchema).min(1).max(2000),
    /** The bot's own intent, kept over the detected one. */
    intent: z.string().min(1).max(200).optional(),
    sentimentScore: SentimentScoreSchema.optional(),
    attributes: AttributesSchema.default({}),
    contact: ContactSchema.default({}),
    /**
     * The bot's own retrieval result: used instead of the suggestion service's search. `score` is the best chunk's
     * score (default: the highest of `chunks`, or 0 without chunks); `threshold` defaults to the tenant's
     * `retrieval.threshold`.
     */
    retrieval: z
      .object({
        score: z.number().finite().optional(),
        threshold: z.number().finite().optional(),
        chunks: z
          .array(z.object({ id: z.string().min(1).max(500).optional(), score: z.number().finite() }))
          .max(100)
          .default([]),
      })
      .optional(),
    /** Knowledge base for the suggestion service's search (default: the tenant's `retrieval.knowledgeBaseId`). */
    knowledgeBaseId: z.uuid().optional(),
    /** Queue a live handoff would go to (availability check; default: the tenant's `paths.live_agent.queueId`). */
    queueId: z.uuid().optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.transcript.some((t) => t.role === 'user' && t.text.trim())) {
      ctx.addIssue({
        code: 'custom',
        path: ['transcript'],
        message: 'needs at least one non-empty user turn',
      });
    }
  });
export type DecisionRequest = z.infer<typeof DecisionRequestSchema>;

const reason = z.union([
  z.object({
    signal: z.literal('rule'),
    ruleId: z.string(),
    category: z.string(),
    path: z.string().optional(),
    evidence: z.string(),
  }),
  z.object({
    signal: z.literal('model'),
    class: z.string(),
    score: z.number(),
    threshold: z.number(),
    margin: z.number(),
    evidence: z.string(),
  }),
  z.object({
    signal: z.literal('out_of_scope'),
    intent: z.string(),
    score: z.number(),
    threshold: z.number(),
    similarity: z.number(),
    similarityThreshold: z.number(),
  }),
  z.object({ signal: z.literal('retrieval'), score: z.number(), threshold: z.number() }),
]);

/** One path of seed 003 as the decision recommends it. */
export const RecommendedPathSchema = z.object({
  path: z.enum(['form', 'live_agent', 'callback']),
  tool: z.enum(['send_secure_form', 'transfer_to_human', 'schedule_callback']),
  available: z.boolean(),
  /**
   * Why not available: `disabled_by_tenant | router_unavailable | no_queue | queue_inactive | outside_hours |
   * no_agent_online | at_capacity`; null when available.
   */
  unavailableReason: z.string().nullable(),
  /** False when availability was not checked (form, callback; live agent when the router could not answer). */
  checked: z.boolean(),
  /** The path a rule forced (offer it first). */
  forced: z.boolean(),
  /** A line for the customer about this path (live agent: "The average wait is six minutes."). */
  message: z.string().optional(),
  /**
   * live_agent: `{ queueId, openNow, nextOpening, timeZone, agentsOnline, freeCapacity, waiting, estimatedWaitMs,
   * estimatedWait }` (or `{ queueId, code, message }` when the router could not answer); form: `{ templateId }`.
   */
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type RecommendedPath = z.infer<typeof RecommendedPathSchema>;

/** Response of `POST /v1/escalation/decisions`. */
export const DecisionViewSchema = z.object({
  decisionId: z.uuid().describe('Send it as `decisionId` with `POST /v1/handoffs` (transfer_to_human)'),
  escalate: z.boolean(),
  decidedBy: z.enum(['regulated_rule', 'rule', 'model', 'none']),
  reasons: z.array(reason).describe('Which signal fired, with score and threshold, or the rule id'),
  intent: z.string().nullable(),
  intentSource: z.enum(['bot', 'detected']).nullable(),
  forcedPath: z.enum(['form', 'live_agent', 'callback']).nullable(),
  recommendedPaths: z.array(RecommendedPathSchema),
  fallthrough: z
    .object({
      from: z.literal('live_agent'),
      reason: z.string().describe('The live path’s unavailableReason (outside_hours, at_capacity, …)'),
      to: z
        .enum(['callback', 'form'])
        .nullable()
        .describe('First enabled path of the tenant’s fallthrough order'),
      nextOpening: z.string().nullable().describe('When the queue opens again (outside_hours)'),
    })
    .nullable()
    .describe('Set when the live agent is enabled but unavailable: what to offer instead, first'),
  handoffMessage: z.string().describe('The AI handoff message the human agent reads (tenant template)'),
  offerMessage: z.string(),
  /** Signals that could not be computed (the decision was made without them). */
  unavailableSignals: z.array(z.object({ signal: z.string(), code: z.string(), message: z.string() })),
  createdAt: z.iso.datetime(),
});
export type DecisionView = z.infer<typeof DecisionViewSchema>;

/** Body of `PATCH /v1/escalation/decisions/{id}`: what followed (the path the customer picked, a callback's fate). */
export const DecisionFollowUpSchema = z
  .object({
    pathPicked: z.enum(['form', 'live_agent', 'callback', 'none']).optional(),
    callbackDueAt: z.iso.datetime({ offset: true }).optional(),
    callbackOutcome: z.enum(['completed', 'missed', 'cancelled']).optional(),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one field' });
export type DecisionFollowUpBody = z.infer<typeof DecisionFollowUpSchema>;

/** A stored decision (`GET`/`PATCH /v1/escalation/decisions/{id}`). */
export const StoredDecisionViewSchema = z.object({
  id: z.uuid(),
  conversationId: z.string(),
  escalate: z.boolean(),
  decidedBy: z.string(),
  intent: z.string().nullable(),
  reasons: z.array(reason),
  primaryReason: z.string(),
  pathsOffered: z.array(z.string()),
  pathPicked: z.string().nullable(),
  pickedAt: z.iso.datetime().nullable(),
  handoffId: z.uuid().nullable(),
  handoffMessage: z.string().nullable(),
  context: z.record(z.string(), z.unknown()),
  callbackDueAt: z.iso.datetime().nullable(),
  callbackOutcome: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type StoredDecisionView = z.infer<typeof StoredDecisionViewSchema>;

/** Body of `POST /v1/escalation/conversation-totals`: the bot's conversation counts per day (UTC). */
export const ConversationTotalsSchema = z
  .object({
    /** Which bot reports (a tenant may run several); default `default`. */
    source: z.string().min(1).max(200).default('default'),
    days: z
      .array(
        z.object({
          day: z.iso.date(),
          conversations: z.number().int().min(0).max(100_000_000),
        }),
      )
      .min(1)
      .max(366),
  })
  .strict()
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.days.forEach((d, i) => {
      if (seen.has(d.day))
        ctx.addIssue({ code: 'custom', path: ['days', i, 'day'], message: `duplicate day ${d.day}` });
      seen.add(d.day);
    });
  });
export type ConversationTotals = z.infer<typeof ConversationTotalsSchema>;
