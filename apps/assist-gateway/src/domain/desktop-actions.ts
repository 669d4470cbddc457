import { z } from 'zod';
import { utteranceFieldErrors, type UtteranceFieldError } from './forwarded-utterance';
import type { WidgetProvider } from './widget-claims';

/**
 * Payload of the widget's `message.send` event: a message to the customer of the bound interaction,
 * sent in the vendor desktop as the signed-in agent (Genesys web messaging, seed 001 "Send message").
 * Strict: the conversation and the agent come only from the widget's session token.
 */
export const SendMessageSchema = z.strictObject({
  /** The message text, trimmed; 1–4,000 characters. */
  text: z.string().trim().min(1, 'must not be empty').max(4000),
  /**
   * Client-chosen id of this request (the widget sends a UUID): a retry with the same id is answered
   * with the first outcome and sends nothing again.
   */
  requestId: z.string().trim().min(8).max(100),
});
export type SendMessage = z.infer<typeof SendMessageSchema>;

/**
 * Payload of `summary.save`: the interaction summary saved as the agent's wrap-up note (seed 001
 * "Save summary (wrap-up notes)").
 */
export const SaveSummarySchema = z.strictObject({
  /** The note, trimmed; 1–4,000 characters. */
  notes: z.string().trim().min(1, 'must not be empty').max(4000),
  /** Vendor wrap-up code id; default: the integration's `wrapupCodeId`. */
  wrapupCode: z.string().trim().min(1).max(200).optional(),
  /** As for {@link SendMessageSchema}: retries with the same id are answered once. */
  requestId: z.string().trim().min(8).max(100),
});
export type SaveSummary = z.infer<typeof SaveSummarySchema>;

/**
 * The desktop actions a widget of each provider can perform (sent in the `session` event as `actions`).
 * Salesforce's `message.send` is carried out by the Lightning component (the widget asks it over
 * postMessage); `summary.save` by the gateway.
 */
const ACTIONS: Partial<Record<WidgetProvider, DesktopAction[]>> = {
  genesys: ['message.send', 'summary.save'],
  salesforce: ['message.send', 'summary.save'],
};
export function desktopActionsFor(provider: WidgetProvider): DesktopAction[] {
  return ACTIONS[provider] ?? [];
}
export type DesktopAction = 'message.send' | 'summary.save';

/** Acknowledgement of `message.send` and `summary.save`. */
export type DesktopActionAck =
  | {
      ok: true;
      action: DesktopAction;
      /** For `message.send`: the vendor's message id, when it returned one. */
      messageId?: string;
    }
  | {
      ok: false;
      /**
       * `invalid_payload` (see `errors`); `not_supported` (the widget's provider has no such action);
       * `not_signed_in` (no vendor grant for this agent and interaction: sign in again through the
       * vendor); `not_a_participant`; `token_refused` (the vendor refused the agent's token: sign in
       * again); `forbidden` (the agent lacks the vendor permission); `in_progress` (the same requestId
       * is still running); `vendor_error` / `unavailable` (retry with the same requestId).
       */
      reason:
        | 'invalid_payload'
        | 'not_supported'
        | 'not_signed_in'
        | 'not_a_participant'
        | 'token_refused'
        | 'forbidden'
        | 'in_progress'
        | 'vendor_error'
        | 'unavailable';
      error: string;
      errors?: UtteranceFieldError[];
    };

/** A rejected payload as an `invalid_payload` ack naming every offending field. */
export function invalidPayloadAck(issues: readonly z.core.$ZodIssue[]): DesktopActionAck {
  const errors = utteranceFieldErrors(issues);
  return {
    ok: false,
    reason: 'invalid_payload',
    error: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    errors,
  };
}
