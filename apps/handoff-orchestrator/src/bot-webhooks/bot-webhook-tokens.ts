/**
 * Injection token of the callback URLs' {@link OutboundUrlPolicy} (@hub/integrations), configured by the
 * HANDOFF_CALLBACK_* variables (callbacks have their own allow-list and switches).
 */
export const BOT_WEBHOOK_URL_POLICY = Symbol('BOT_WEBHOOK_URL_POLICY');

/** Injection token of {@link WebhookSigningOptions}. */
export const WEBHOOK_SIGNING_OPTIONS = Symbol('WEBHOOK_SIGNING_OPTIONS');
/** How webhook signing secrets rotate. */
export interface WebhookSigningOptions {
  /** How long the previous secret keeps signing after a rotation, ms (WEBHOOK_SECRET_ROTATION_OVERLAP_HOURS). */
  rotationOverlapMs: number;
}
