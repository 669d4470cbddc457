import type { HandoffModel as Handoff, HandoffTransitionModel as HandoffTransition } from '@hub/persistence';
import { publicStatus, type HandoffState } from '../domain/handoff-state-machine';

/** A handoff as `GET /v1/handoffs/:id` (and `POST /v1/handoffs`) return it. */
export interface HandoffView {
  id: string;
  integrationId: string;
  botSessionId: string;
  conversationId: string;
  channel: string;
  /** requested | routed | offered | withdrawing | accepted | failed */
  status: HandoffState;
  /** Last status announced to the bot (`withdrawing` is internal and not announced). */
  outcomeStatus: string | null;
  reason: string | null;
  detail: string | null;
  workItemId: string;
  queueId: string | null;
  agentId: string | null;
  routing: unknown;
  intent: string | null;
  escalationReason: string | null;
  summary: { text: string | null; source: string };
  sentiment: { score: number | null; source: string };
  attributes: unknown;
  contact: unknown;
  transcript: unknown;
  priority: number;
  timeoutSeconds: number | null;
  timeoutAt: string | null;
  callbackUrl: string | null;
  createdAt: string;
  updatedAt: string;
  routedAt: string | null;
  offeredAt: string | null;
  acceptedAt: string | null;
  failedAt: string | null;
  transitions?: {
    from: string | null;
    to: string;
    reason: string | null;
    detail: string | null;
    at: string;
  }[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The public view of a handoff (`GET /v1/handoffs/:id`, `POST /v1/handoffs`, cancel): timestamps as
 * ISO-8601 strings (null when not reached), `summary {text, source}` / `sentiment {score, source}`,
 * and `outcomeStatus` = the last status announced to the bot (`withdrawing` is internal: the status
 * before it, read from `transitions`). Pure; never throws.
 * @param h           the stored handoff
 * @param transitions its audit rows, oldest first; when given they are included as `transitions`
 *                    `[{from, to, reason, detail, at}]`
 * @returns the view (`transitions` only when given)
 */
export function presentHandoff(h: Handoff, transitions?: HandoffTransition[]): HandoffView {
  const status = h.status as HandoffState;
  const lastPublic =
    publicStatus(status) ??
    ([...(transitions ?? [])].reverse().find((t) => publicStatus(t.toStatus as HandoffState))?.toStatus ||
      null);
  return {
    id: h.id,
    integrationId: h.integrationId,
    botSessionId: h.botSessionId,
    conversationId: h.conversationId,
    channel: h.channel,
    status,
    outcomeStatus: lastPublic,
    reason: h.reason,
    detail: h.detail,
    workItemId: h.workItemId,
    queueId: h.queueId,
    agentId: h.agentId,
    routing: h.routing,
    intent: h.intent,
    escalationReason: h.escalationReason,
    summary: { text: h.summary, source: h.summarySource },
    sentiment: { score: h.sentiment, source: h.sentimentSource },
    attributes: h.attributes,
    contact: h.contact,
    transcript: h.transcript,
    priority: h.priority,
    timeoutSeconds: h.timeoutSeconds,
    timeoutAt: iso(h.timeoutAt),
    callbackUrl: h.callbackUrl,
    createdAt: h.createdAt.toISOString(),
    updatedAt: h.updatedAt.toISOString(),
    routedAt: iso(h.routedAt),
    offeredAt: iso(h.offeredAt),
    acceptedAt: iso(h.acceptedAt),
    failedAt: iso(h.failedAt),
    ...(transitions
      ? {
          transitions: transitions.map((t) => ({
            from: t.fromStatus,
            to: t.toStatus,
            reason: t.reason,
            detail: t.detail,
            at: t.at.toISOString(),
          })),
        }
      : {}),
  };
}
