import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { inTenantTransaction } from '@hub/persistence';

/** One row of `api_keys` (the secret itself is never stored). */
export interface ApiKeyRow {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  secretSha256: Buffer;
  scopes: string[];
  expiresAt: Date | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  replacedBy: string | null;
}

const COLUMNS = `id, tenant_id AS "tenantId", name, prefix, secret_sha256 AS "secretSha256", scopes,
  expires_at AS "expiresAt", created_at AS "createdAt", last_used_at AS "lastUsedAt",
  revoked_at AS "revokedAt", replaced_by AS "replacedBy"`;

/** Inserts one key: (id, tenant_id, name, prefix, secret_sha256, scopes, expires_at) → the row. */
const INSERT_KEY = `INSERT INTO api_keys (id, tenant_id, name, prefix, secret_sha256, scopes, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`;

/**
 * PostgreSQL access to `api_keys` (hand-written SQL over `pg`; the table is owned by `@hub/auth`). Every
 * statement runs inside a transaction of its tenant (row-level security, docs/security/tenancy.md),
 * except the two system paths a credential needs before its tenant is known: the lookup by public prefix
 * and the last-use stamp, both SECURITY DEFINER functions (`hub_api_key_by_prefix`, `hub_touch_api_key`).
 */
export class ApiKeysRepository {
  constructor(private readonly pool: Pool) {}

  /** The key with this public prefix, or null. */
  async byPrefix(prefix: string): Promise<ApiKeyRow | null> {
    const r = await this.pool.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM hub_api_key_by_prefix($1)`, [prefix]);
    return r.rows[0] ?? null;
  }

  /** The tenant's key `id`, or null (also null for another tenant's key). */
  async get(tenantId: string, id: string): Promise<ApiKeyRow | null> {
    const r = await inTenantTransaction(this.pool, tenantId, (c) =>
      c.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id::text = $2`, [
        tenantId,
        id,
      ]),
    );
    return r.rows[0] ?? null;
  }

  /** The tenant's keys, newest first. */
  async list(tenantId: string): Promise<ApiKeyRow[]> {
    const r = await inTenantTransaction(this.pool, tenantId, (c) =>
      c.query<ApiKeyRow>(
        `SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id`,
        [tenantId],
      ),
    );
    return r.rows;
  }

  /** True when the tenant exists. */
  async tenantExists(tenantId: string): Promise<boolean> {
    const r = await this.pool.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId]);
    return r.rowCount === 1;
  }

  /** Inserts a key. */
  async insert(k: {
    tenantId: string;
    name: string;
    prefix: string;
    secretSha256: Buffer;
    scopes: string[];
    expiresAt: Date | null;
  }): Promise<ApiKeyRow> {
    const r = await inTenantTransaction(this.pool, k.tenantId, (c) =>
      c.query<ApiKeyRow>(INSERT_KEY, [
        randomUUID(),
        k.tenantId,
        k.name,
        k.prefix,
        k.secretSha256,
        k.scopes,
        k.expiresAt,
      ]),
    );
    return r.rows[0];
  }

  /**
   * Rotation in one transaction: inserts `next` and sets the old key's expiry to `graceUntil` (never later
   * than it already was) and `replaced_by`. Null when the old key is not the tenant's, revoked, or rotated.
   */
  async rotate(
    tenantId: string,
    id: string,
    graceUntil: Date,
    next: { prefix: string; secretSha256: Buffer },
  ): Promise<{ old: ApiKeyRow; created: ApiKeyRow } | null> {
    return inTenantTransaction(this.pool, tenantId, async (client) => {
      const old = await client.query<ApiKeyRow>(
        `SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id::text = $2 AND revoked_at IS NULL
           AND replaced_by IS NULL FOR UPDATE`,
        [tenantId, id],
      );
      const o = old.rows[0];
      if (!o) return null;
      const created = await client.query<ApiKeyRow>(INSERT_KEY, [
        randomUUID(),
        tenantId,
        o.name,
        next.prefix,
        next.secretSha256,
        o.scopes,
        o.expiresAt,
      ]);
      const updated = await client.query<ApiKeyRow>(
        `UPDATE api_keys SET replaced_by = $3,
           expires_at = CASE WHEN expires_at IS NULL OR expires_at > $4 THEN $4 ELSE expires_at END
         WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [tenantId, o.id, created.rows[0].id, graceUntil],
      );
      return { old: updated.rows[0], created: created.rows[0] };
    });
  }

  /** Revokes the tenant's key (idempotent: keeps the first revocation time); null when not the tenant's. */
  async revoke(tenantId: string, id: string): Promise<ApiKeyRow | null> {
    const r = await inTenantTransaction(this.pool, tenantId, (c) =>
      c.query<ApiKeyRow>(
        `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now())
         WHERE tenant_id = $1 AND id::text = $2 RETURNING ${COLUMNS}`,
        [tenantId, id],
      ),
    );
    return r.rows[0] ?? null;
  }

  /** Records a use of the key (callers throttle). */
  async touch(id: string, at: Date): Promise<void> {
    await this.pool.query('SELECT hub_touch_api_key($1::uuid, $2)', [id, at]);
  }
}
