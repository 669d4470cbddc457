import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { KEY_ENCRYPTION_KEYS, SecretsCipher, type KeyEncryptionKeyProvider } from '@hub/integrations';
import { inTenantTransaction, Outbox, PG_POOL, type OutboxMessage } from '@hub/persistence';
import type { FormField, FormTarget, FormTemplate, FormTemplateBody, FormValues } from './form.schemas';

/** An issued link as stored (no token, no jti: only its hash). */
export interface StoredFormLink {
  id: string;
  tenantId: string;
  templateId: string;
  conversationId: string | null;
  handoffId: string | null;
  decisionId: string | null;
  prefilled: FormValues;
  returnUrl: string | null;
  expiresAt: Date;
  consumedAt: Date | null;
}

/** A new link row. */
export type NewFormLink = Omit<StoredFormLink, 'consumedAt'> & { jtiHash: Buffer; templateRevision: number };

/** Why a submission was not stored: the link was used already, or has expired. */
export type ConsumeRefusal = 'consumed' | 'expired' | 'not_found';

/** A form webhook leased for one delivery attempt (values decrypted). */
export interface LeasedFormDelivery {
  id: string;
  tenantId: string;
  url: string;
  /** Attempts including this one. */
  attempts: number;
  payload: FormSubmittedPayload;
}

/** The JSON body POSTed to the tenant's backend for one submission (`type: form.submitted`). */
export interface FormSubmittedPayload {
  type: 'form.submitted';
  /** Submission id = `webhook-id` (receivers dedupe on it). */
  id: string;
  tenantId: string;
  template: { id: string; name: string };
  linkId: string;
  conversationId: string | null;
  handoffId: string | null;
  decisionId: string | null;
  submittedAt: string;
  /** Every field's value, sensitive ones included (this is the only place they go). */
  data: FormValues;
}

/** Postgres unique violation (SQLSTATE 23505). */
export class DuplicateTemplateNameError extends Error {}

interface TemplateRow {
  id: string;
  name: string;
  title: string;
  description: string | null;
  fields: FormField[];
  target: FormTarget;
  webhook_url: string;
  link_ttl_seconds: number;
  note_text: string | null;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

const TEMPLATE_COLUMNS = `id::text, name, title, description, fields, target, webhook_url, link_ttl_seconds, note_text,
  revision, created_at, updated_at`;

function template(r: TemplateRow): FormTemplate {
  return {
    id: r.id,
    name: r.name,
    title: r.title,
    description: r.description,
    fields: r.fields,
    target: r.target,
    webhookUrl: r.webhook_url,
    linkTtlSeconds: r.link_ttl_seconds,
    noteText: r.note_text,
    revision: r.revision,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string }).code === '23505';
}

/**
 * The forms tables (owner: src/forms): `form_templates`, `form_links`, `form_submissions`
 * (migration 20261202140000_secure_forms). Every statement runs inside the tenant's transaction
 * (row-level security); the delivery scan finds due rows of all tenants through the SECURITY DEFINER
 * function `hub_lease_form_submissions`. Submitted values are envelope-encrypted ({@link SecretsCipher},
 * AAD = tenant + `form-submission/<id>`).
 */
@Injectable()
export class FormsRepository {
  private readonly cipher: SecretsCipher;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KEY_ENCRYPTION_KEYS) keks: KeyEncryptionKeyProvider,
  ) {
    this.cipher = new SecretsCipher(keks);
  }

  private tx<T>(tenantId: string, fn: (db: PoolClient) => Promise<T>): Promise<T> {
    return inTenantTransaction(this.pool, tenantId, fn);
  }

  /** @throws DuplicateTemplateNameError when the tenant has a template of that name */
  async createTemplate(tenantId: string, id: string, t: FormTemplateBody): Promise<FormTemplate> {
    try {
      const { rows } = await this.tx(tenantId, (db) =>
        db.query<TemplateRow>(
          `INSERT INTO form_templates (id, tenant_id, name, title, description, fields, target, webhook_url,
             link_ttl_seconds, note_text)
           VALUES ($1::uuid, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10) RETURNING ${TEMPLATE_COLUMNS}`,
          [
            id,
            tenantId,
            t.name,
            t.title,
            t.description ?? null,
            JSON.stringify(t.fields),
            JSON.stringify(t.target),
            t.webhookUrl,
            t.linkTtlSeconds,
            t.noteText ?? null,
          ],
        ),
      );
      const [row] = rows;
      if (!row) throw new Error('INSERT … RETURNING returned no row');
      return template(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateTemplateNameError(t.name);
      throw e;
    }
  }

  /** Replaces a template (revision + 1). @returns null when the tenant has no such template */
  async replaceTemplate(tenantId: string, id: string, t: FormTemplateBody): Promise<FormTemplate | null> {
    try {
      const { rows } = await this.tx(tenantId, (db) =>
        db.query<TemplateRow>(
          `UPDATE form_templates SET name = $3, title = $4, description = $5, fields = $6::jsonb, target = $7::jsonb,
             webhook_url = $8, link_ttl_seconds = $9, note_text = $10, revision = revision + 1, updated_at = now()
           WHERE tenant_id = $2 AND id = $1::uuid RETURNING ${TEMPLATE_COLUMNS}`,
          [
            id,
            tenantId,
            t.name,
            t.title,
            t.description ?? null,
            JSON.stringify(t.fields),
            JSON.stringify(t.target),
            t.webhookUrl,
            t.linkTtlSeconds,
            t.noteText ?? null,
          ],
        ),
      );
      return rows[0] ? template(rows[0]) : null;
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateTemplateNameError(t.name);
      throw e;
    }
  }

  async getTemplate(tenantId: string, id: string): Promise<FormTemplate | null> {
    const { rows } = await this.tx(tenantId, (db) =>
      db.query<TemplateRow>(
        `SELECT ${TEMPLATE_COLUMNS} FROM form_templates WHERE tenant_id = $1 AND id = $2::uuid`,
        [tenantId, id],
      ),
    );
    return rows[0] ? template(rows[0]) : null;
  }

  async getTemplateByName(tenantId: string, name: string): Promise<FormTemplate | null> {
    const { rows } = await this.tx(tenantId, (db) =>
      db.query<TemplateRow>(
        `SELECT ${TEMPLATE_COLUMNS} FROM form_templates WHERE tenant_id = $1 AND name = $2`,
        [tenantId, name],
      ),
    );
    return rows[0] ? template(rows[0]) : null;
  }

  async listTemplates(tenantId: string): Promise<FormTemplate[]> {
    const { rows } = await this.tx(tenantId, (db) =>
      db.query<TemplateRow>(
        `SELECT ${TEMPLATE_COLUMNS} FROM form_templates WHERE tenant_id = $1 ORDER BY name`,
        [tenantId],
      ),
    );
    return rows.map(template);
  }

  /** Deletes a template and its links (cascade). @returns whether it existed */
  async deleteTemplate(tenantId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.tx(tenantId, (db) =>
      db.query(`DELETE FROM form_templates WHERE tenant_id = $1 AND id = $2::uuid`, [tenantId, id]),
    );
    return (rowCount ?? 0) > 0;
  }

  async insertLink(l: NewFormLink): Promise<void> {
    await this.tx(l.tenantId, (db) =>
      db.query(
        `INSERT INTO form_links (id, tenant_id, template_id, jti_hash, conversation_id, handoff_id, decision_id, prefilled,
           return_url, template_revision, expires_at)
         VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6::uuid, $7::uuid, $8::jsonb, $9, $10, $11)`,
        [
          l.id,
          l.tenantId,
          l.templateId,
          l.jtiHash,
          l.conversationId,
          l.handoffId,
          l.decisionId,
          JSON.stringify(l.prefilled),
          l.returnUrl,
          l.templateRevision,
          l.expiresAt,
        ],
      ),
    );
  }

  /** The link `linkId` of the tenant whose stored jti hash is `hash`, or null (unknown, or another tenant's). */
  async findLink(tenantId: string, linkId: string, hash: Buffer): Promise<StoredFormLink | null> {
    const { rows } = await this.tx(tenantId, (db) =>
      db.query<{
        id: string;
        template_id: string;
        conversation_id: string | null;
        handoff_id: string | null;
        decision_id: string | null;
        prefilled: FormValues;
        return_url: string | null;
        expires_at: Date;
        consumed_at: Date | null;
      }>(
        `SELECT id::text, template_id::text, conversation_id, handoff_id::text, decision_id::text, prefilled, return_url,
           expires_at, consumed_at
         FROM form_links WHERE tenant_id = $1 AND id = $2::uuid AND jti_hash = $3`,
        [tenantId, linkId, hash],
      ),
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      tenantId,
      templateId: r.template_id,
      conversationId: r.conversation_id,
      handoffId: r.handoff_id,
      decisionId: r.decision_id,
      prefilled: r.prefilled,
      returnUrl: r.return_url,
      expiresAt: r.expires_at,
      consumedAt: r.consumed_at,
    };
  }

  /**
   * Consumes the link and stores the submission, its webhook delivery and `outbox` (the conversation note)
   * in ONE transaction. Single use is the database's: `UPDATE form_links SET consumed_at = now() WHERE …
   * consumed_at IS NULL AND expires_at > now() RETURNING` matches no row for a used or expired link (two
   * concurrent submits: the second waits for the first's row lock, then sees it consumed), and
   * `form_submissions.link_id` is unique.
   * @returns `{ ok: true }`, or why nothing was stored
   */
  async consumeAndSubmit(s: {
    tenantId: string;
    linkId: string;
    jtiHash: Buffer;
    submissionId: string;
    templateId: string;
    webhookUrl: string;
    payload: FormSubmittedPayload;
    outbox: OutboxMessage[];
  }): Promise<{ ok: true } | { ok: false; reason: ConsumeRefusal }> {
    const sealed = await this.cipher.seal(s.payload, this.ctx(s.tenantId, s.submissionId));
    return this.tx(s.tenantId, async (db) => {
      const consumed = await db.query(
        `UPDATE form_links SET consumed_at = now()
         WHERE tenant_id = $1 AND id = $2::uuid AND jti_hash = $3 AND consumed_at IS NULL AND expires_at > now()
         RETURNING id`,
        [s.tenantId, s.linkId, s.jtiHash],
      );
      if (!consumed.rowCount) {
        const { rows } = await db.query<{ consumed: boolean }>(
          `SELECT consumed_at IS NOT NULL AS consumed FROM form_links WHERE tenant_id = $1 AND id = $2::uuid AND jti_hash = $3`,
          [s.tenantId, s.linkId, s.jtiHash],
        );
        return {
          ok: false as const,
          reason: !rows[0] ? 'not_found' : rows[0].consumed ? 'consumed' : 'expired',
        };
      }
      await db.query(
        `INSERT INTO form_submissions (id, tenant_id, link_id, template_id, webhook_url, data_ciphertext, data_iv, data_tag,
           data_wrapped_key, data_key_id)
         VALUES ($1::uuid, $2, $3::uuid, $4::uuid, $5, $6, $7, $8, $9, $10)`,
        [
          s.submissionId,
          s.tenantId,
          s.linkId,
          s.templateId,
          s.webhookUrl,
          sealed.ciphertext,
          sealed.iv,
          sealed.tag,
          sealed.wrappedKey,
          sealed.keyId,
        ],
      );
      await Outbox.enqueueSql(db, ...s.outbox);
      return { ok: true as const };
    });
  }

  private ctx(tenantId: string, submissionId: string) {
    return { tenantId, integrationId: `form-submission/${submissionId}` };
  }

  /**
   * Leases up to `limit` due webhook deliveries of all tenants for `leaseMs` (attempt counted) and reads
   * each inside its tenant, decrypted. A row that no longer decrypts is marked failed.
   */
  async leaseDue(limit: number, leaseMs: number): Promise<LeasedFormDelivery[]> {
    const { rows: leased } = await this.pool.query<{ tenant_id: string; id: string }>(
      `SELECT tenant_id, id::text AS id FROM hub_lease_form_submissions($1::int, $2::float8)`,
      [limit, leaseMs],
    );
    const out: LeasedFormDelivery[] = [];
    for (const l of leased) {
      const { rows } = await this.tx(l.tenant_id, (db) =>
        db.query<{
          webhook_url: string;
          attempts: number;
          data_ciphertext: Buffer;
          data_iv: Buffer;
          data_tag: Buffer;
          data_wrapped_key: Buffer;
          data_key_id: string;
        }>(
          `SELECT webhook_url, attempts, data_ciphertext, data_iv, data_tag, data_wrapped_key, data_key_id
           FROM form_submissions WHERE tenant_id = $1 AND id = $2::uuid AND status = 'pending'`,
          [l.tenant_id, l.id],
        ),
      );
      const r = rows[0];
      if (!r) continue;
      try {
        const payload = (await this.cipher.open(
          {
            ciphertext: r.data_ciphertext,
            iv: r.data_iv,
            tag: r.data_tag,
            wrappedKey: r.data_wrapped_key,
            keyId: r.data_key_id,
          },
          this.ctx(l.tenant_id, l.id),
        )) as FormSubmittedPayload;
        out.push({ id: l.id, tenantId: l.tenant_id, url: r.webhook_url, attempts: r.attempts, payload });
      } catch (e) {
        await this.markFailed(l.tenant_id, l.id, `cannot decrypt: ${(e as Error).message}`, null);
      }
    }
    return out;
  }

  async markDelivered(tenantId: string, id: string): Promise<void> {
    await this.tx(tenantId, (db) =>
      db.query(
        `UPDATE form_submissions SET status = 'delivered', delivered_at = now(), last_error = NULL
         WHERE tenant_id = $1 AND id = $2::uuid`,
        [tenantId, id],
      ),
    );
  }

  /** Records a failed attempt: retry at `retryAt`, or give up (`failed`) when null. */
  async markFailed(tenantId: string, id: string, error: string, retryAt: Date | null): Promise<void> {
    await this.tx(tenantId, (db) =>
      db.query(
        retryAt
          ? `UPDATE form_submissions SET last_error = $3, next_attempt_at = $4 WHERE tenant_id = $1 AND id = $2::uuid`
          : `UPDATE form_submissions SET last_error = $3, status = 'failed' WHERE tenant_id = $1 AND id = $2::uuid`,
        retryAt ? [tenantId, id, error.slice(0, 1000), retryAt] : [tenantId, id, error.slice(0, 1000)],
      ),
    );
  }
}
