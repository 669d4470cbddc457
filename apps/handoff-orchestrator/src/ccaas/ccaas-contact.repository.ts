import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ExternalContact } from '@hub/ccaas';
import { KEY_ENCRYPTION_KEYS, SecretsCipher, type KeyEncryptionKeyProvider } from '@hub/integrations';
import {
  inTenantTransaction,
  OUTBOX_INSERT_SQL,
  outboxRowsJson,
  PG_POOL,
  type OutboxMessage,
} from '@hub/persistence';

/** A stored external contact (state decrypted). */
export interface StoredContact {
  handoffId: string;
  tenantId: string;
  integrationId: string;
  target: string;
  conversationId: string;
  status: 'open' | 'ended';
  contact: ExternalContact;
}

interface Row {
  handoff_id: string;
  tenant_id: string;
  integration_id: string;
  target: string;
  conversation_id: string;
  external_contact_id: string;
  status: 'open' | 'ended';
  state_ciphertext: Buffer;
  state_iv: Buffer;
  state_tag: Buffer;
  state_wrapped_key: Buffer;
  state_key_id: string;
}

const COLUMNS = `handoff_id::text AS handoff_id, tenant_id, integration_id::text AS integration_id, target,
  conversation_id, external_contact_id, status, state_ciphertext, state_iv, state_tag, state_wrapped_key, state_key_id`;

/**
 * `ccaas_contacts` (owner: this service): the platform contact of each external handoff. The adapter's
 * state (participant/connection tokens) is envelope-encrypted with the integrations' KEKs
 * ({@link SecretsCipher}: AES-256-GCM, fresh data key per row, AAD = tenant + `ccaas-contact/<handoff id>`,
 * so a row's ciphertext is valid for that row only). Every query runs inside the tenant (RLS).
 */
@Injectable()
export class CcaasContactRepository {
  private readonly cipher: SecretsCipher;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KEY_ENCRYPTION_KEYS) keks: KeyEncryptionKeyProvider,
  ) {
    this.cipher = new SecretsCipher(keks);
  }

  private ctx(tenantId: string, handoffId: string) {
    return { tenantId, integrationId: `ccaas-contact/${handoffId}` };
  }

  /** Stores the contact of a handoff (idempotent: a second insert for the same handoff changes nothing). */
  async insert(c: Omit<StoredContact, 'status'>): Promise<void> {
    const sealed = await this.cipher.seal(c.contact.state, this.ctx(c.tenantId, c.handoffId));
    await inTenantTransaction(this.pool, c.tenantId, (db) =>
      db.query(
        `INSERT INTO ccaas_contacts (handoff_id, tenant_id, integration_id, target, conversation_id, external_contact_id,
           state_ciphertext, state_iv, state_tag, state_wrapped_key, state_key_id)
         VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (handoff_id) DO NOTHING`,
        [
          c.handoffId,
          c.tenantId,
          c.integrationId,
          c.target,
          c.conversationId,
          c.contact.externalContactId,
          sealed.ciphertext,
          sealed.iv,
          sealed.tag,
          sealed.wrappedKey,
          sealed.keyId,
        ],
      ),
    );
  }

  /** The contact of a handoff, or null. @throws SecretsDecryptionError (tampered / moved row) */
  async byHandoff(tenantId: string, handoffId: string): Promise<StoredContact | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<Row>(`SELECT ${COLUMNS} FROM ccaas_contacts WHERE tenant_id = $1 AND handoff_id = $2::uuid`, [
        tenantId,
        handoffId,
      ]),
    );
    return rows[0] ? this.open(rows[0]) : null;
  }

  /** The contact with this platform id of an integration, or null. */
  async byExternalId(
    tenantId: string,
    integrationId: string,
    externalContactId: string,
  ): Promise<StoredContact | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<Row>(
        `SELECT ${COLUMNS} FROM ccaas_contacts WHERE tenant_id = $1 AND integration_id = $2::uuid AND external_contact_id = $3`,
        [tenantId, integrationId, externalContactId],
      ),
    );
    return rows[0] ? this.open(rows[0]) : null;
  }

  /** The newest open contact of a conversation (where the customer's lines go), or null. */
  async openByConversation(tenantId: string, conversationId: string): Promise<StoredContact | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<Row>(
        `SELECT ${COLUMNS} FROM ccaas_contacts WHERE tenant_id = $1 AND conversation_id = $2 AND status = 'open'
         ORDER BY created_at DESC LIMIT 1`,
        [tenantId, conversationId],
      ),
    );
    return rows[0] ? this.open(rows[0]) : null;
  }

  /**
   * Replaces the adapter state of a handoff's contact (sealed again with a fresh data key; e.g. the transfer legs
   * it follows). @returns whether the row exists
   */
  async updateState(tenantId: string, handoffId: string, state: Record<string, unknown>): Promise<boolean> {
    const sealed = await this.cipher.seal(state, this.ctx(tenantId, handoffId));
    const { rowCount } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query(
        `UPDATE ccaas_contacts SET state_ciphertext = $3, state_iv = $4, state_tag = $5, state_wrapped_key = $6,
           state_key_id = $7 WHERE tenant_id = $1 AND handoff_id = $2::uuid`,
        [tenantId, handoffId, sealed.ciphertext, sealed.iv, sealed.tag, sealed.wrappedKey, sealed.keyId],
      ),
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * Records the result of one wrap-up-note attempt ("save summary"): `saved`, `failed` (given up), or `pending`
   * with the next durable attempt due at `retryAt` (fired by the handoff timer loop, {@link claimDueSummary}).
   * `attempts` counts the durable attempts made so far.
   */
  async recordSummary(
    tenantId: string,
    handoffId: string,
    r: { status: 'pending' | 'saved' | 'failed'; attempts: number; retryAt?: Date; error?: string },
  ): Promise<void> {
    await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query(
        `UPDATE ccaas_contacts SET summary_status = $3, summary_attempts = $4, summary_retry_at = $5,
           summary_error = $6 WHERE tenant_id = $1 AND handoff_id = $2::uuid`,
        [tenantId, handoffId, r.status, r.attempts, r.retryAt ?? null, r.error?.slice(0, 1000) ?? null],
      ),
    );
  }

  /** Durable wrap-up-note attempts made so far for the handoff (0 when none or no contact). */
  async summaryAttempts(tenantId: string, handoffId: string): Promise<number> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<{ n: number }>(
        'SELECT summary_attempts AS n FROM ccaas_contacts WHERE tenant_id = $1 AND handoff_id = $2::uuid',
        [tenantId, handoffId],
      ),
    );
    return rows[0]?.n ?? 0;
  }

  /** Due wrap-up-note retries of every tenant (system path `hub_due_ccaas_summaries`): (tenant, handoff) pairs. */
  async listDueSummaries(limit: number): Promise<{ tenantId: string; handoffId: string }[]> {
    const { rows } = await this.pool.query<{ tenantId: string; handoffId: string }>(
      'SELECT tenant_id AS "tenantId", handoff_id::text AS "handoffId" FROM hub_due_ccaas_summaries($1)',
      [limit],
    );
    return rows;
  }

  /**
   * Claims one due retry inside its tenant — clears `summary_retry_at` only if it is still due (so one replica
   * wins) — and, in the same transaction, writes the outbox row `command(row)` returns (the `save_summary`
   * command): a crash leaves either both or neither.
   * @returns whether this call claimed it
   */
  async claimDueSummary(
    tenantId: string,
    handoffId: string,
    command: (row: { conversationId: string; integrationId: string; target: string }) => OutboxMessage,
  ): Promise<boolean> {
    return inTenantTransaction(this.pool, tenantId, async (db) => {
      const { rows } = await db.query<{ conversationId: string; integrationId: string; target: string }>(
        `UPDATE ccaas_contacts SET summary_retry_at = NULL
         WHERE tenant_id = $1 AND handoff_id = $2::uuid AND summary_retry_at IS NOT NULL AND summary_retry_at <= now()
         RETURNING conversation_id AS "conversationId", integration_id::text AS "integrationId", target`,
        [tenantId, handoffId],
      );
      if (!rows[0]) return false;
      await db.query(OUTBOX_INSERT_SQL, [outboxRowsJson([command(rows[0])])]);
      return true;
    });
  }

  /** Marks the contact ended. @returns whether it was open */
  async markEnded(tenantId: string, handoffId: string): Promise<boolean> {
    const { rowCount } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query(
        `UPDATE ccaas_contacts SET status = 'ended', ended_at = now() WHERE tenant_id = $1 AND handoff_id = $2::uuid AND status = 'open'`,
        [tenantId, handoffId],
      ),
    );
    return (rowCount ?? 0) > 0;
  }

  /** Open contacts of every tenant (system path `hub_open_ccaas_contacts`): (tenant, handoff) pairs. */
  async listOpen(limit: number): Promise<{ tenantId: string; handoffId: string }[]> {
    const { rows } = await this.pool.query<{ tenantId: string; handoffId: string }>(
      'SELECT tenant_id AS "tenantId", handoff_id::text AS "handoffId" FROM hub_open_ccaas_contacts($1)',
      [limit],
    );
    return rows;
  }

  private async open(r: Row): Promise<StoredContact> {
    const state = (await this.cipher.open(
      {
        ciphertext: r.state_ciphertext,
        iv: r.state_iv,
        tag: r.state_tag,
        wrappedKey: r.state_wrapped_key,
        keyId: r.state_key_id,
      },
      this.ctx(r.tenant_id, r.handoff_id),
    )) as Record<string, unknown>;
    return {
      handoffId: r.handoff_id,
      tenantId: r.tenant_id,
      integrationId: r.integration_id,
      target: r.target,
      conversationId: r.conversation_id,
      status: r.status,
      contact: { externalContactId: r.external_contact_id, state },
    };
  }
}
