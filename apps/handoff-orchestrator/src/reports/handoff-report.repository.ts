import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { inTenantTransaction, PG_POOL } from '@hub/persistence';
import { type HandoffEventRow, type OfferRow } from './handoff-report';

/** The rows of one report window. */
export interface ReportRows {
  events: HandoffEventRow[];
  offers: OfferRow[];
  conversationsByDay: Map<string, number>;
  intentConversations: Map<string, Set<string>>;
}

const EVENTS_SQL = `
SELECT 'live_agent' AS path, h.conversation_id AS "conversationId", h.created_at AS "createdAt",
       h.queue_id::text AS "queueId", COALESCE(h.intent, d.intent) AS intent,
       COALESCE(NULLIF(d.primary_reason, 'none'), h.escalation_reason) AS reason,
       h.status, h.reason AS "endReason", h.accepted_at AS "acceptedAt",
       NULL::timestamptz AS "callbackDueAt", NULL::text AS "callbackOutcome"
FROM handoffs h LEFT JOIN escalation_decisions d ON d.id = h.decision_id
WHERE h.created_at >= $1 AND h.created_at < $2
UNION ALL
SELECT d.path_picked, d.conversation_id, d.created_at, NULL, d.intent, NULLIF(d.primary_reason, 'none'),
       NULL, NULL, NULL, COALESCE(cb.starts_at, d.callback_due_at),
       COALESCE(CASE cb.status WHEN 'booked' THEN NULL WHEN 'canceled' THEN 'cancelled' ELSE cb.status END,
                d.callback_outcome)
FROM escalation_decisions d
-- the booking the decision led to (src/customer-callbacks), its latest version after reschedules
LEFT JOIN LATERAL (SELECT c.starts_at, c.status FROM customer_callbacks c
                   WHERE c.decision_id = d.id ORDER BY c.created_at DESC, c.sequence DESC LIMIT 1) cb ON true
WHERE d.path_picked IN ('form', 'callback') AND d.created_at >= $1 AND d.created_at < $2
  AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.decision_id = d.id)`;

const OFFERS_SQL = `
SELECT d.paths_offered AS "pathsOffered",
       CASE WHEN EXISTS (SELECT 1 FROM handoffs h WHERE h.decision_id = d.id) THEN 'live_agent'
            ELSE d.path_picked END AS picked
FROM escalation_decisions d
WHERE d.escalate AND d.created_at >= $1 AND d.created_at < $2`;

const INTENTS_SQL = `
SELECT DISTINCT intent, conversation_id AS "conversationId"
FROM escalation_decisions
WHERE intent IS NOT NULL AND created_at >= $1 AND created_at < $2`;

const TOTALS_SQL = `
SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(conversations)::bigint AS conversations
FROM bot_conversation_totals
WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day::timestamp < ($2::timestamptz AT TIME ZONE 'UTC')
GROUP BY day`;

/**
 * Reads the handoff report's rows of one tenant and window, in one tenant transaction (row-level security, one
 * snapshot): live handoffs (`handoffs`, joined to their decision), form/callback picks and escalating decisions
 * (`escalation_decisions`), decisions' intents per conversation, and the bot-reported totals of the days the window
 * overlaps (`bot_conversation_totals`: UTC days d with date(from) ≤ d and d 00:00 < to).
 */
@Injectable()
export class HandoffReportRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async rows(tenantId: string, from: Date, to: Date): Promise<ReportRows> {
    return inTenantTransaction(this.pool, tenantId, async (db) => {
      const events = (await db.query<HandoffEventRow>(EVENTS_SQL, [from, to])).rows;
      const offers = (await db.query<OfferRow>(OFFERS_SQL, [from, to])).rows;
      const intents = (await db.query<{ intent: string; conversationId: string }>(INTENTS_SQL, [from, to]))
        .rows;
      const totals = (await db.query<{ day: string; conversations: string }>(TOTALS_SQL, [from, to])).rows;
      const intentConversations = new Map<string, Set<string>>();
      for (const r of intents) {
        const s = intentConversations.get(r.intent) ?? new Set<string>();
        s.add(r.conversationId);
        intentConversations.set(r.intent, s);
      }
      return {
        events,
        offers,
        intentConversations,
        conversationsByDay: new Map(totals.map((t) => [t.day, Number(t.conversations)])),
      };
    });
  }
}
