import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { DecisionReason } from '@hub/escalation';
import { inTenantTransaction, PG_POOL, preparedQuery } from '@hub/persistence';

/** A stored configuration document with its revision (`escalation_settings`). */
export interface StoredEscalationConfig {
  config: unknown;
  revision: number;
  updatedAt: Date;
}

/** One audited decision (`escalation_decisions`), as written by the decision use case. */
export interface DecisionRecord {
  id: string;
  tenantId: string;
  conversationId: string;
  botSessionId: string | null;
  channel: string | null;
  escalate: boolean;
  decidedBy: string;
  intent: string | null;
  reasons: DecisionReason[];
  primaryReason: string;
  pathsOffered: string[];
  recommendedPaths: unknown;
  handoffMessage: string | null;
  context: Record<string, unknown>;
  createdAt: Date;
}

/** A stored decision with what followed it. */
export interface StoredDecision extends DecisionRecord {
  pathPicked: string | null;
  pickedAt: Date | null;
  handoffId: string | null;
  callbackDueAt: Date | null;
  callbackOutcome: string | null;
}

/** What the bot (or part 2) reports after a decision: the path picked, the callback's due time and outcome. */
export interface DecisionFollowUp {
  pathPicked?: 'form' | 'live_agent' | 'callback' | 'none';
  callbackDueAt?: Date;
  callbackOutcome?: 'completed' | 'missed' | 'cancelled';
}

const DECISION_COLUMNS = `id::text AS id, tenant_id AS "tenantId", conversation_id AS "conversationId",
  bot_session_id AS "botSessionId", channel, escalate, decided_by AS "decidedBy", intent, reasons,
  primary_reason AS "primaryReason", paths_offered AS "pathsOffered", recommended_paths AS "recommendedPaths",
  handoff_message AS "handoffMessage", context, path_picked AS "pathPicked", picked_at AS "pickedAt",
  COALESCE(handoff_id::text, (SELECT h.id::text FROM handoffs h WHERE h.decision_id = d.id
    ORDER BY h.created_at LIMIT 1)) AS "handoffId",
  callback_due_at AS "callbackDueAt", callback_outcome AS "callbackOutcome", created_at AS "createdAt"`;

/**
 * The orchestrator's escalation tables (migration 20261202100000_escalation_policy; this service owns them):
 * `escalation_settings` (a tenant's configuration document), `escalation_decisions` (the audit of each decision
 * and its follow-up) and `bot_conversation_totals` (bot-reported conversations per day). Every statement runs in
 * the tenant's transaction (row-level security).
 */
@Injectable()
export class EscalationRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The tenant's stored configuration, or null when it never wrote one. */
  async getConfig(tenantId: string): Promise<StoredEscalationConfig | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      preparedQuery<StoredEscalationConfig>(
        db,
        'hor.escalationConfig',
        `SELECT config, revision, updated_at AS "updatedAt" FROM escalation_settings WHERE tenant_id = $1`,
        [tenantId],
      ),
    );
    return rows[0] ?? null;
  }

  /** The revision of the tenant's stored configuration (0 when it never wrote one): one small read per decision. */
  async configRevision(tenantId: string): Promise<number> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      preparedQuery<{ revision: number }>(
        db,
        'hor.escalationConfigRevision',
        `SELECT revision FROM escalation_settings WHERE tenant_id = $1`,
        [tenantId],
      ),
    );
    return rows[0]?.revision ?? 0;
  }

  /** Replaces the tenant's configuration (a validated document); returns the new revision. */
  async putConfig(tenantId: string, config: unknown): Promise<StoredEscalationConfig> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<StoredEscalationConfig>(
        `INSERT INTO escalation_settings (tenant_id, config) VALUES ($1, $2::jsonb)
         ON CONFLICT (tenant_id) DO UPDATE
           SET config = EXCLUDED.config, revision = escalation_settings.revision + 1, updated_at = CURRENT_TIMESTAMP
         RETURNING config, revision, updated_at AS "updatedAt"`,
        [tenantId, JSON.stringify(config)],
      ),
    );
    return rows[0];
  }

  /** Stores one decision (the audit row). */
  async insertDecision(d: DecisionRecord): Promise<void> {
    await inTenantTransaction(this.pool, d.tenantId, (db) =>
      preparedQuery(
        db,
        'hor.insertDecision',
        `INSERT INTO escalation_decisions (id, tenant_id, conversation_id, bot_session_id, channel, escalate,
           decided_by, intent, reasons, primary_reason, paths_offered, recommended_paths, handoff_message, context,
           created_at)
         VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11::text[], $12::jsonb, $13, $14::jsonb, $15)`,
        [
          d.id,
          d.tenantId,
          d.conversationId,
          d.botSessionId,
          d.channel,
          d.escalate,
          d.decidedBy,
          d.intent,
          JSON.stringify(d.reasons),
          d.primaryReason,
          d.pathsOffered,
          JSON.stringify(d.recommendedPaths),
          d.handoffMessage,
          JSON.stringify(d.context),
          d.createdAt,
        ],
      ),
    );
  }

  /** One decision of the tenant (with the live handoff that followed it, if any), or null. */
  async getDecision(tenantId: string, id: string): Promise<StoredDecision | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      preparedQuery<StoredDecision>(
        db,
        'hor.getDecision',
        `SELECT ${DECISION_COLUMNS} FROM escalation_decisions d WHERE id = $1::uuid`,
        [id],
      ),
    );
    return rows[0] ?? null;
  }

  /**
   * Records what followed a decision (fields absent stay as they are; `picked_at` is set with the path).
   * @returns the updated decision, or null when the tenant has no such decision
   */
  async followUp(tenantId: string, id: string, f: DecisionFollowUp): Promise<StoredDecision | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<StoredDecision>(
        `UPDATE escalation_decisions d SET
           path_picked = COALESCE($2, path_picked),
           picked_at = CASE WHEN $2::text IS NULL THEN picked_at ELSE CURRENT_TIMESTAMP END,
           callback_due_at = COALESCE($3, callback_due_at),
           callback_outcome = COALESCE($4, callback_outcome)
         WHERE id = $1::uuid
         RETURNING ${DECISION_COLUMNS}`,
        [id, f.pathPicked ?? null, f.callbackDueAt ?? null, f.callbackOutcome ?? null],
      ),
    );
    return rows[0] ?? null;
  }

  /** Sets (replaces) the bot's conversation counts of the given days. */
  async putConversationTotals(
    tenantId: string,
    source: string,
    days: { day: string; conversations: number }[],
  ): Promise<void> {
    await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query(
        `INSERT INTO bot_conversation_totals (tenant_id, source, day, conversations)
         SELECT $1, $2, x.day::date, x.conversations
         FROM json_to_recordset($3::json) AS x(day text, conversations integer)
         ON CONFLICT (tenant_id, source, day) DO UPDATE
           SET conversations = EXCLUDED.conversations, updated_at = CURRENT_TIMESTAMP`,
        [tenantId, source, JSON.stringify(days)],
      ),
    );
  }
}
