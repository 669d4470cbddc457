import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';
import type { ConversationEvent } from '@hub/contracts';
import type { WidgetClaims } from './widget-claims';

/**
 * Payload of the widget's `utterance` event: one chat line the host desktop saw (Five9 ADT
 * `onChatEvent`, Salesforce LWC / Lightning Message Service, Genesys web messaging — seed 001,
 * "Digital"), forwarded by the widget for retrieval.
 *
 * Strict: tenant, agent and interaction are NOT accepted here — they come only from the widget's
 * verified token (a payload naming them is rejected, field by field).
 */
export const ForwardedUtteranceSchema = z.strictObject({
  speaker: z.enum(['customer', 'agent']),
  /** The chat line, trimmed; 1–20,000 characters. */
  text: z.string().trim().min(1, 'must not be empty').max(20_000),
  /**
   * The vendor's message id: the dedupe key. Forwarding the same id again (a retry, a second widget
   * on the same interaction) is the same utterance downstream. Generated when absent.
   */
  messageId: z.string().trim().min(1).max(200).optional(),
  /** When the line was sent at the source, ISO 8601 with offset. Default: when the gateway received it. */
  occurredAt: z.iso.datetime({ offset: true }).optional(),
  /** BCP 47 language tag, if the desktop knows it. */
  language: z.string().min(2).max(35).optional(),
  /** Vendor queue or skill name (Five9 `skill`, Genesys queue) for queue-to-KB mapping. */
  queue: z.string().min(1).max(200).optional(),
});
export type ForwardedUtterance = z.infer<typeof ForwardedUtteranceSchema>;

/** One offending field of a rejected `utterance` payload. */
export interface UtteranceFieldError {
  field: string;
  message: string;
}

const BOUND_FIELDS = new Set(['tenantId', 'tenant', 'tid', 'interactionId', 'agentId', 'provider']);

/**
 * Turns zod issues of {@link ForwardedUtteranceSchema} into `{field, message}` pairs; an unknown key
 * is reported under its own name (tenant / interaction / agent keys with why they are refused).
 */
export function utteranceFieldErrors(issues: readonly z.core.$ZodIssue[]): UtteranceFieldError[] {
  return issues.flatMap((i): UtteranceFieldError[] => {
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({
        field: k,
        message: BOUND_FIELDS.has(k)
          ? 'not accepted: tenant, agent, interaction and provider come from the widget token'
          : 'unknown field',
      }));
    }
    return [{ field: i.path.length ? i.path.map(String).join('.') : '(root)', message: i.message }];
  });
}

/** UUID v5 namespace of conversation events forwarded by widgets (envelope ids). */
export const WIDGET_UTTERANCE_NAMESPACE = '4f0e7c52-9a53-4c55-8c8e-6f1f3b0e2a71';

/** What the gateway publishes for one forwarded line. */
export interface ForwardedUtteranceEvent {
  /** Deterministic envelope id: UUID v5 of tenant + interaction + utterance id. */
  eventId: string;
  tenantId: string;
  /** ISO 8601. */
  occurredAt: string;
  data: Extract<ConversationEvent, { kind: 'utterance' }>;
}

/**
 * Builds the normalized conversation event (kind `utterance`, final) for a forwarded line. Tenant,
 * agent, interaction and provider come from the verified token / the gateway's binding, never from
 * the payload; the vendor message id becomes the utterance id and, with tenant and interaction, the
 * envelope id, so a forwarded line is one event however often it is sent.
 * @param interactionId the interaction the socket is bound to (token claim, or the 8x8 agent's
 *   current interaction resolved by the gateway)
 * @param now reception time, used when the payload has no `occurredAt`
 */
export function forwardedUtteranceEvent(
  claims: WidgetClaims,
  interactionId: string,
  input: ForwardedUtterance,
  now = new Date(),
): ForwardedUtteranceEvent {
  const utteranceId = input.messageId ?? randomUUID();
  return {
    eventId: uuidv5(`${claims.tid}\u0000${interactionId}\u0000${utteranceId}`, WIDGET_UTTERANCE_NAMESPACE),
    tenantId: claims.tid,
    occurredAt: input.occurredAt ?? now.toISOString(),
    data: {
      kind: 'utterance',
      interactionId,
      provider: claims.provider,
      utteranceId,
      speaker: input.speaker,
      text: input.text,
      isFinal: true,
      agentId: claims.sub,
      ...(input.language ? { language: input.language } : {}),
      ...(input.queue ? { queue: input.queue } : {}),
    },
  };
}
