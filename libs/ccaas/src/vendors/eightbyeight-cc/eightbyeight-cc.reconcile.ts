import type { ReconciliationOutcome, StartJournal } from '../../core/target';
import { VendorCallError } from '../vendor-http';

/**
 * Journal keys of the 8x8 reconciliation (the Chat Gateway has no idempotency key and no conversation search;
 * docs/vendors/8x8.md → Reconciliation). All under `eightbyeight_cc:<integration>:`.
 *
 * - `conversation:<handoff>` — THE conversation of the handoff (written by `start` right after 8x8 answered;
 *   what the orchestrator stores as the contact).
 * - `case:<handoff>` — the last conversation 8x8 reported for `caseId = <handoff>` in a `CONVERSATION_UPDATE`
 *   webhook (written by the receiver).
 * - `attempt:<handoff>` — a create was sent (written before the POST): a later attempt knows an earlier answer
 *   may have been lost.
 */
export const eightByEightKeys = {
  conversation: (integrationId: string, handoffId: string) =>
    `eightbyeight_cc:${integrationId}:conversation:${handoffId}`,
  reported: (integrationId: string, handoffId: string) =>
    `eightbyeight_cc:${integrationId}:case:${handoffId}`,
  attempt: (integrationId: string, handoffId: string) =>
    `eightbyeight_cc:${integrationId}:attempt:${handoffId}`,
  message: (integrationId: string, conversationId: string, messageId: string) =>
    `eightbyeight_cc:${integrationId}:message:${conversationId}:${messageId}`,
};

/**
 * Whether a failed call may have been carried out by 8x8 anyway: no HTTP answer came (timeout, connection reset,
 * host unreachable after the request left) or a gateway answered 502/504 for it. A 4xx, 500, 503 or 429 answer
 * from 8x8 is taken to mean nothing was created.
 */
export function outcomeUnknown(e: unknown): boolean {
  return (
    e instanceof VendorCallError &&
    e.kind === 'unavailable' &&
    (e.status === undefined || e.status === 502 || e.status === 504)
  );
}

/**
 * Polls the journal for the conversation 8x8 reported for the handoff's `caseId`, up to `waitMs`.
 * @returns its id, or null
 */
export async function awaitReportedConversation(
  journal: StartJournal,
  key: string,
  waitMs: number,
  stepMs = 200,
): Promise<string | null> {
  const until = Date.now() + waitMs;
  for (;;) {
    const v = await journal.get(key);
    if (v || Date.now() >= until) return v;
    await new Promise((r) => setTimeout(r, Math.min(stepMs, Math.max(1, until - Date.now()))));
  }
}

/** Counts a reconciliation outcome (see `TargetDeps.reconciliation`). */
export type ReconciliationCounter = (outcome: ReconciliationOutcome) => void;
