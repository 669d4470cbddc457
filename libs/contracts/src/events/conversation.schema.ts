import { z } from 'zod';
import { envelopeOf } from '../envelope';

/**
 * Live chat between customer and agent after the handoff (`hub.conversation.messages.v1`, key: conversation id).
 * `inbound`: from the bot platform (customer side) to the agent; `outbound`: from the agent, for the
 * bot platform to deliver to the customer.
 */
export const ConversationMessageSchema = z.object({
  conversationId: z.string().min(1),
  workItemId: z.uuid().optional(),
  messageId: z.string().min(1).max(200),
  direction: z.enum(['inbound', 'outbound']),
  sender: z.object({
    role: z.enum(['customer', 'agent', 'bot', 'system']),
    id: z.string().max(200).optional(),
    name: z.string().max(200).optional(),
  }),
  /** `ended`: the agent side closed the conversation (e.g. an external contact center's agent ended the chat). */
  kind: z.enum(['text', 'typing', 'file', 'ended']),
  text: z.string().max(20_000).optional(),
  /** For kind=typing: true when typing started, false when it stopped. */
  typing: z.boolean().optional(),
  file: z
    .object({
      fileId: z.string().min(1),
      name: z.string().min(1).max(255),
      contentType: z.string().min(1).max(200),
      /** Size in bytes. */
      sizeBytes: z.number().int().nonnegative(),
      url: z.string().min(1),
    })
    .optional(),
  sentAt: z.iso.datetime({ offset: true }),
});
export type ConversationMessage = z.infer<typeof ConversationMessageSchema>;
export const ConversationMessageEventSchema = envelopeOf(
  'conversation.message',
  1,
  ConversationMessageSchema,
);

/** Where a normalized conversation event came from. */
export const ConversationProviderSchema = z.enum([
  'hub',
  'genesys',
  'five9',
  '8x8',
  'salesforce',
  'ccai',
  'widget',
]);
export type ConversationProvider = z.infer<typeof ConversationProviderSchema>;

/**
 * Normalized live conversation event from a connector (`hub.conversation.events.v1`, key: interaction id).
 * Utterances (speech-to-text or chat) and lifecycle changes.
 */
export const ConversationEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('utterance'),
    interactionId: z.string().min(1).max(200),
    provider: ConversationProviderSchema,
    utteranceId: z.string().min(1).max(200),
    speaker: z.enum(['customer', 'agent']),
    text: z.string().max(20_000),
    /** Final transcript (true) or an interim/partial one (false). Suggestions fire on final ones. */
    isFinal: z.boolean(),
    /** Offset from the start of the interaction's media, ms. */
    offsetMs: z.number().nonnegative().optional(),
    /** Utterance duration, ms. */
    durationMs: z.number().nonnegative().optional(),
    /** Recognizer confidence in [0, 1]. */
    confidence: z.number().min(0).max(1).optional(),
    language: z.string().max(35).optional(),
    agentId: z.string().max(128).optional(),
    /** Vendor queue or skill name, for queue-to-KB mapping. */
    queue: z.string().max(200).optional(),
  }),
  z.object({
    kind: z.literal('lifecycle'),
    interactionId: z.string().min(1).max(200),
    provider: ConversationProviderSchema,
    state: z.enum([
      'started',
      'queued',
      'assigned',
      'accepted',
      'rejected',
      'transferred',
      'wrap_up',
      'ended',
    ]),
    agentId: z.string().max(128).optional(),
    queue: z.string().max(200).optional(),
    /** Vendor-specific event name (e.g. 8x8 `InteractionAccepted`). */
    vendorEvent: z.string().max(100).optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
  }),
]);
export type ConversationEvent = z.infer<typeof ConversationEventSchema>;
export const ConversationEventEnvelopeSchema = envelopeOf('conversation.event', 1, ConversationEventSchema);
