import { randomUUID } from 'node:crypto';
import type { DatabaseError, Pool, QueryResult, QueryResultRow } from 'pg';
import { inTenantTransaction } from '@hub/persistence';
import { formatIssues } from '@hub/contracts';
import { SecretsCipher, type SealedSecrets } from '../crypto/envelope';
import {
  IntegrationConfigSchemas,
  type IntegrationConfig,
  type IntegrationSecrets,
  type IntegrationType,
} from '../integration-schemas';
import {
  DuplicateIntegrationNameError,
  InvalidStoredIntegrationError,
  VendorIdentifierTakenError,
} from './integration-errors';
import { vendorSelector } from './vendor-selector';

/** An integration without its secrets (what admin APIs present): the names of the set secret fields only. */
export interface IntegrationSummary {
  id: string;
  tenantId: string;
  type: IntegrationType;
  name: string;
  config: Record<string, unknown>;
  /** Names of the secret fields that hold a value, sorted (values are never read for a summary). */
  secretFields: string[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** An integration with its config and decrypted secrets parsed by the schema of its type. */
export interface LoadedIntegration<T extends IntegrationType> {
  id: string;
  tenantId: string;
  type: T;
  name: string;
  enabled: boolean;
  updatedAt: Date;
  config: IntegrationConfig<T>;
  secrets: IntegrationSecrets<T>;
}

/** Fields of a new integration: `config`/`secrets` already validated for `type`. */
export interface NewIntegration {
  /** Row id (UUID); a random one when omitted. */
  id?: string;
  type: IntegrationType;
  name: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  enabled: boolean;
}

/** What `secrets:rotate` did. */
export interface RotationReport {
  /** KEK id every row uses now. */
  keyId: string;
  /** Rows whose data key was re-wrapped under the current KEK. */
  rewrapped: number;
  /** Rows whose plaintext `legacy_secrets` (from before encryption) were encrypted and cleared. */
  encryptedLegacy: number;
  /** Rows that could not be re-wrapped (KEK not configured, tampered row), with the reason. */
  failed: { id: string; error: string }[];
}

interface Row {
  id: string;
  tenant_id: string;
  type: IntegrationType;
  name: string;
  config: Record<string, unknown>;
  secret_fields: string[];
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
  secrets_ciphertext: Buffer | null;
  secrets_iv: Buffer | null;
  secrets_tag: Buffer | null;
  secrets_wrapped_key: Buffer | null;
  secrets_key_id: string | null;
  legacy_secrets: Record<string, unknown> | null;
}

/** A `(tenant_id, id)` reference returned by a SECURITY DEFINER lookup. */
interface Ref {
  tenant_id: string;
  id: string;
}

const SUMMARY_COLUMNS = `id::text AS id, tenant_id, type, name, config, secret_fields, enabled, created_at, updated_at`;
const FULL_COLUMNS = `${SUMMARY_COLUMNS}, secrets_ciphertext, secrets_iv, secrets_tag, secrets_wrapped_key,
  secrets_key_id, legacy_secrets`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CACHE_MAX = 2000;

/** Names of the set fields of a secrets object (non-empty values), sorted. */
export function setSecretFields(secrets: Record<string, unknown>): string[] {
  return Object.keys(secrets)
    .filter((k) => secrets[k] !== undefined && secrets[k] !== null && secrets[k] !== '')
    .sort();
}

/**
 * The one owner of the `integrations` table: every app reads and writes integrations through it.
 *
 * - Secrets are sealed with {@link SecretsCipher} (envelope encryption) on every write and opened on
 *   read; the row stores ciphertext, IV, tag, wrapped data key and KEK id, plus the names of the set
 *   secret fields (for presenters). Decrypted secrets are cached per row version (`id` + `updated_at` +
 *   KEK id, at most 2,000 rows), so the cache is never stale and a KMS is not called per read.
 * - Hot-path reads (`get`, `load`, `loadFirstEnabled`: the handoff intake's per-request lookups) are
 *   answered from memory for `readCacheTtlMs` (no tenant transaction per request); writes through the
 *   store drop the tenant's entries at once, other replicas' writes are seen within the TTL.
 * - `update` reads and writes in one transaction with the row locked (`SELECT … FOR UPDATE`).
 * - Config and secrets are parsed with the type's schema on every load ({@link IntegrationConfigSchemas}).
 * - Vendor identifiers that select a tenant ({@link vendorSelector}) go to the unique `selector` column.
 * - Every statement runs inside a transaction of its tenant (row-level security). The system reads that
 *   cannot know the tenant first (`loadAllEnabled`, `loadBySelector`, `loadAnyTenant`, `rotate`) get
 *   `(tenant_id, id)` from SECURITY DEFINER functions and then read each row inside its tenant.
 */
export class IntegrationStore {
  private readonly cache = new Map<string, { version: string; secrets: unknown }>();
  /** Read-through cache of `get` / `load` / `loadFirstEnabled` results: key → value and expiry (ms epoch). */
  private readonly reads = new Map<string, { until: number; value: unknown }>();
  private readonly readTtlMs: number;

  /**
   * @param opts.readCacheTtlMs how long `get`, `load` and `loadFirstEnabled` answer from this process's
   *   memory without a database round trip (ms; 0 = always read). Every write through this store drops
   *   the tenant's cached reads at once; a write by another process (replica) is seen after at most this
   *   long. `HUB_INTEGRATIONS_CACHE_TTL_MS` (default 2000).
   */
  constructor(
    private readonly db: Pool,
    readonly cipher: SecretsCipher,
    opts: { readCacheTtlMs?: number } = {},
  ) {
    this.readTtlMs = Math.max(0, opts.readCacheTtlMs ?? 0);
  }

  /**
   * A cached read: `key`'s value if it was read less than `readCacheTtlMs` ago, else `read()` (stored
   * when `keep(value)`). Keys start with the tenant id, so {@link forgetTenant} drops them.
   */
  private async cached<V>(
    key: string,
    read: () => Promise<V>,
    keep: (v: V) => boolean = () => true,
  ): Promise<V> {
    if (this.readTtlMs === 0) return read();
    const now = Date.now();
    const hit = this.reads.get(key);
    if (hit && hit.until > now) return hit.value as V;
    const value = await read();
    if (keep(value)) {
      if (this.reads.size >= CACHE_MAX) this.reads.delete(this.reads.keys().next().value as string);
      this.reads.set(key, { until: now + this.readTtlMs, value });
    }
    return value;
  }

  /** Drops every cached read of the tenant (after a write through this store). */
  private forgetTenant(tenantId: string): void {
    if (!this.reads.size) return;
    const prefix = `${tenantId}\u0000`;
    for (const k of this.reads.keys()) if (k.startsWith(prefix)) this.reads.delete(k);
  }

  /**
   * Creates an integration with encrypted secrets.
   * @throws DuplicateIntegrationNameError (tenant, name) taken; VendorIdentifierTakenError selector taken
   */
  async create(tenantId: string, data: NewIntegration): Promise<IntegrationSummary> {
    const id = data.id ?? randomUUID();
    const sealed = await this.cipher.seal(data.secrets, { tenantId, integrationId: id });
    const selector = vendorSelector(data.type, data.config, data.secrets);
    try {
      const { rows } = await this.tq<Row>(
        tenantId,
        `INSERT INTO integrations (id, tenant_id, type, name, config, enabled, secret_fields, selector,
           secrets_ciphertext, secrets_iv, secrets_tag, secrets_wrapped_key, secrets_key_id)
         VALUES ($1::uuid, $2, $3, $4, $5::jsonb, $6, $7::text[], $8, $9, $10, $11, $12, $13)
         RETURNING ${SUMMARY_COLUMNS}`,
        [
          id,
          tenantId,
          data.type,
          data.name,
          JSON.stringify(data.config),
          data.enabled,
          setSecretFields(data.secrets),
          selector?.value ?? null,
          ...sealedParams(sealed),
        ],
      );
      return summary(rows[0]);
    } catch (e) {
      throw mapUnique(e, selector?.field);
    } finally {
      this.forgetTenant(tenantId);
    }
  }

  /**
   * Updates the given fields (`config`/`secrets` replace the stored ones; both already validated). When
   * only `config` changes, `secrets` must be passed too if the selector depends on them — callers pass
   * the current secrets from {@link readSecrets}.
   * @returns null when the integration does not exist in this tenant
   * @throws DuplicateIntegrationNameError; VendorIdentifierTakenError
   */
  async update(
    tenantId: string,
    id: string,
    patch: {
      name?: string;
      enabled?: boolean;
      config?: Record<string, unknown>;
      secrets?: Record<string, unknown>;
    },
  ): Promise<IntegrationSummary | null> {
    if (!UUID.test(id)) return null;
    try {
      // read + write in ONE transaction, the row locked (FOR UPDATE): a concurrent update waits for this
      // one and then works on its result, so neither overwrites the other's fields with stale ones
      return await inTenantTransaction(this.db, tenantId, async (c) => {
        const { rows: cur } = await c.query<Row>(
          `SELECT ${FULL_COLUMNS} FROM integrations WHERE tenant_id = $1 AND id = $2::uuid FOR UPDATE`,
          [tenantId, id],
        );
        const current = cur[0];
        if (!current) return null;
        const config = patch.config ?? current.config;
        const secrets = patch.secrets ?? ((await this.openRow(current)) as Record<string, unknown>);
        const selector = vendorSelector(current.type, config, secrets);
        const sealed = patch.secrets
          ? await this.cipher.seal(patch.secrets, { tenantId, integrationId: id })
          : null;
        const { rows } = await c
          .query<Row>(
            `UPDATE integrations SET
               name = COALESCE($3, name), enabled = COALESCE($4, enabled), config = $5::jsonb, selector = $6,
               secret_fields = COALESCE($7::text[], secret_fields),
               secrets_ciphertext = COALESCE($8, secrets_ciphertext), secrets_iv = COALESCE($9, secrets_iv),
               secrets_tag = COALESCE($10, secrets_tag), secrets_wrapped_key = COALESCE($11, secrets_wrapped_key),
               secrets_key_id = COALESCE($12, secrets_key_id),
               legacy_secrets = CASE WHEN $8::bytea IS NULL THEN legacy_secrets END,
               updated_at = clock_timestamp()
             WHERE tenant_id = $1 AND id = $2::uuid RETURNING ${SUMMARY_COLUMNS}`,
            [
              tenantId,
              id,
              patch.name ?? null,
              patch.enabled ?? null,
              JSON.stringify(config),
              selector?.value ?? null,
              patch.secrets ? setSecretFields(patch.secrets) : null,
              ...(sealed ? sealedParams(sealed) : [null, null, null, null, null]),
            ],
          )
          .catch((e: unknown) => {
            throw mapUnique(e, selector?.field);
          });
        return rows[0] ? summary(rows[0]) : null;
      });
    } finally {
      this.cache.delete(id);
      this.forgetTenant(tenantId);
    }
  }

  /** @returns true if the tenant's integration was deleted */
  async delete(tenantId: string, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const r = await this.tq(tenantId, `DELETE FROM integrations WHERE tenant_id = $1 AND id = $2::uuid`, [
      tenantId,
      id,
    ]);
    this.cache.delete(id);
    this.forgetTenant(tenantId);
    return (r.rowCount ?? 0) > 0;
  }

  /** The tenant's integration without secrets, or null (unknown, another tenant's, or not a UUID). */
  async get(tenantId: string, id: string): Promise<IntegrationSummary | null> {
    if (!UUID.test(id)) return null;
    return this.cached(
      `${tenantId}\u0000get\u0000${id}`,
      async () => {
        const { rows } = await this.tq<Row>(
          tenantId,
          `SELECT ${SUMMARY_COLUMNS} FROM integrations WHERE tenant_id = $1 AND id = $2::uuid`,
          [tenantId, id],
        );
        return rows[0] ? summary(rows[0]) : null;
      },
      (v) => v !== null, // a missing id is not remembered (it may be created on another replica next)
    );
  }

  /** The tenant's integrations (optionally of one type), oldest first, without secrets. */
  async list(tenantId: string, type?: IntegrationType): Promise<IntegrationSummary[]> {
    const { rows } = await this.tq<Row>(
      tenantId,
      `SELECT ${SUMMARY_COLUMNS} FROM integrations WHERE tenant_id = $1 AND ($2::text IS NULL OR type = $2)
       ORDER BY created_at, id`,
      [tenantId, type ?? null],
    );
    return rows.map(summary);
  }

  /** True when the tenant has an integration `id` of `type`. */
  async exists(tenantId: string, id: string, type: IntegrationType): Promise<boolean> {
    return (await this.get(tenantId, id))?.type === type;
  }

  /**
   * The tenant's decrypted secrets of integration `id` (unparsed), or null when there is no such row.
   * @throws SecretsDecryptionError
   */
  async readSecrets(tenantId: string, id: string): Promise<Record<string, unknown> | null> {
    const row = await this.fullRow(tenantId, id);
    return row ? ((await this.openRow(row)) as Record<string, unknown>) : null;
  }

  /**
   * The tenant's integration `id` of `type`, config and secrets parsed.
   * @param opts.enabledOnly treat a disabled integration as missing (default true)
   * @returns null when missing (also another tenant's, another type, not a UUID)
   * @throws InvalidStoredIntegrationError naming the field; SecretsDecryptionError
   */
  async load<T extends IntegrationType>(
    tenantId: string,
    id: string,
    type: T,
    opts: { enabledOnly?: boolean } = {},
  ): Promise<LoadedIntegration<T> | null> {
    // the row is cached, not its parse: config/secrets are still checked on every load (secrets are
    // decrypted once per row version, see openRow)
    const row = await this.cached(
      `${tenantId}\u0000row\u0000${id}`,
      () => this.fullRow(tenantId, id),
      (r) => r !== null,
    );
    if (!row || row.type !== type || (opts.enabledOnly !== false && !row.enabled)) return null;
    return this.parse(row, type);
  }

  /**
   * Integration `id` of `type` in whichever tenant holds it (a system read for operator endpoints that
   * name the integration, e.g. connector-ccai's admin API), parsed; null when missing or another type.
   * @throws InvalidStoredIntegrationError; SecretsDecryptionError
   */
  async loadAnyTenant<T extends IntegrationType>(id: string, type: T): Promise<LoadedIntegration<T> | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await this.db.query<{ tenant_id: string | null }>(
      'SELECT hub_integration_owner($1::uuid, $2) AS tenant_id',
      [id, type],
    );
    const tenantId = rows[0]?.tenant_id;
    if (!tenantId) return null;
    const row = await this.fullRow(tenantId, id);
    return row && row.type === type ? this.parse(row, type) : null;
  }

  /**
   * The tenant's oldest enabled integration of `type` (e.g. its `llm` provider), parsed, or null.
   * @throws InvalidStoredIntegrationError; SecretsDecryptionError
   */
  async loadFirstEnabled<T extends IntegrationType>(
    tenantId: string,
    type: T,
  ): Promise<LoadedIntegration<T> | null> {
    // a tenant without one (e.g. no `llm`) is remembered too: that is the hot path's common answer
    return this.cached(`${tenantId}\u0000first\u0000${type}`, async () => {
      const { rows } = await this.tq<Row>(
        tenantId,
        `SELECT ${FULL_COLUMNS} FROM integrations WHERE tenant_id = $1 AND type = $2 AND enabled
         ORDER BY created_at, id LIMIT 1`,
        [tenantId, type],
      );
      return rows[0] ? this.parse(rows[0], type) : null;
    });
  }

  /**
   * Every tenant's enabled integrations of `type` (a connector's system read), parsed. A row that does
   * not parse or decrypt is passed to `onInvalid` and skipped.
   */
  async loadAllEnabled<T extends IntegrationType>(
    type: T,
    onInvalid: (integrationId: string, tenantId: string, error: Error) => void = () => undefined,
  ): Promise<LoadedIntegration<T>[]> {
    const rows = await this.rowsOf(
      await this.db.query<Ref>('SELECT tenant_id, id::text AS id FROM hub_enabled_integrations($1)', [type]),
      (r) => r.enabled && r.type === type,
    );
    const out: LoadedIntegration<T>[] = [];
    for (const row of rows) {
      try {
        out.push(await this.parse(row, type));
      } catch (e) {
        onInvalid(row.id, row.tenant_id, e as Error);
      }
    }
    return out;
  }

  /**
   * The enabled integration of `type` whose vendor identifier ({@link vendorSelector}) is `config`'s —
   * e.g. `loadBySelector('ccai', { subscription })`; null when none.
   * @throws InvalidStoredIntegrationError; SecretsDecryptionError
   */
  async loadBySelector<T extends IntegrationType>(
    type: T,
    config: Record<string, unknown>,
    secrets: Record<string, unknown> = {},
  ): Promise<LoadedIntegration<T> | null> {
    const selector = vendorSelector(type, config, secrets);
    if (!selector) return null;
    const rows = await this.rowsOf(
      await this.db.query<Ref>('SELECT tenant_id, id::text AS id FROM hub_integration_by_selector($1, $2)', [
        type,
        selector.value,
      ]),
      (r) => r.enabled && r.type === type,
    );
    return rows[0] ? this.parse(rows[0], type) : null;
  }

  /**
   * Key rotation and legacy migration (`npm run secrets:rotate`): encrypts every row still holding
   * plaintext `legacy_secrets` (rows from before encryption) and re-wraps every data key not under the
   * current KEK. Row by row, each in its own statement guarded by the values read (a concurrent update
   * wins and is not overwritten). Idempotent. A row that cannot be unwrapped (its KEK is no longer
   * configured, or it was tampered with) is left unchanged and listed in `failed`; re-run with the old
   * KEK in HUB_SECRETS_PREVIOUS_KEKS.
   */
  async rotate(): Promise<RotationReport> {
    const keyId = this.cipher.keks.currentKeyId;
    let encryptedLegacy = 0;
    let rewrapped = 0;
    const failed: { id: string; error: string }[] = [];
    const candidates = await this.rowsOf(
      await this.db.query<Ref>('SELECT tenant_id, id::text AS id FROM hub_integrations_to_rotate($1)', [
        keyId,
      ]),
      () => true,
    );
    for (const row of candidates.filter((r) => r.legacy_secrets !== null)) {
      const secrets = row.legacy_secrets ?? {};
      const sealed = await this.cipher.seal(secrets, { tenantId: row.tenant_id, integrationId: row.id });
      const r = await this.tq(
        row.tenant_id,
        `UPDATE integrations SET legacy_secrets = NULL, secret_fields = $3::text[],
           secrets_ciphertext = $4, secrets_iv = $5, secrets_tag = $6, secrets_wrapped_key = $7, secrets_key_id = $8
         WHERE id = $1::uuid AND updated_at = $2 AND legacy_secrets IS NOT NULL`,
        [row.id, row.updated_at, setSecretFields(secrets), ...sealedParams(sealed)],
      );
      encryptedLegacy += r.rowCount ?? 0;
    }
    const stale = candidates.filter(
      (r) => r.legacy_secrets === null && r.secrets_key_id !== null && r.secrets_key_id !== keyId,
    );
    for (const row of stale) {
      let next: SealedSecrets | null;
      try {
        next = await this.cipher.rewrap(sealedOf(row)!, { tenantId: row.tenant_id, integrationId: row.id });
      } catch (e) {
        failed.push({ id: row.id, error: (e as Error).message });
        continue;
      }
      if (!next) continue;
      const r = await this.tq(
        row.tenant_id,
        `UPDATE integrations SET secrets_wrapped_key = $3, secrets_key_id = $4
         WHERE id = $1::uuid AND secrets_key_id = $2 AND secrets_wrapped_key = $5`,
        [row.id, row.secrets_key_id, next.wrappedKey, next.keyId, row.secrets_wrapped_key],
      );
      rewrapped += r.rowCount ?? 0;
      this.cache.delete(row.id);
      this.forgetTenant(row.tenant_id);
    }
    return { keyId, rewrapped, encryptedLegacy, failed };
  }

  /**
   * One statement inside a transaction of `tenantId` (row-level security: the statement sees only that
   * tenant's rows; docs/security/tenancy.md).
   */
  private tq<R extends QueryResultRow = QueryResultRow>(
    tenantId: string,
    text: string,
    values: unknown[],
  ): Promise<QueryResult<R>> {
    return inTenantTransaction(this.db, tenantId, (c) => c.query<R>(text, values));
  }

  /**
   * The full rows behind `(tenant_id, id)` references from a SECURITY DEFINER system function (the
   * tenant is not known before the lookup), each tenant's rows read inside that tenant; order kept.
   */
  private async rowsOf(refs: QueryResult<Ref>, keep: (r: Row) => boolean): Promise<Row[]> {
    const byTenant = new Map<string, string[]>();
    for (const r of refs.rows) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r.id]);
    const found = new Map<string, Row>();
    for (const [tenantId, ids] of byTenant) {
      const { rows } = await this.tq<Row>(
        tenantId,
        `SELECT ${FULL_COLUMNS} FROM integrations WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
        [tenantId, ids],
      );
      for (const row of rows) found.set(row.id, row);
    }
    return refs.rows.map((r) => found.get(r.id)).filter((r): r is Row => !!r && keep(r));
  }

  private async fullRow(tenantId: string, id: string): Promise<Row | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await this.tq<Row>(
      tenantId,
      `SELECT ${FULL_COLUMNS} FROM integrations WHERE tenant_id = $1 AND id = $2::uuid`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /** Decrypted secrets of a row (legacy plaintext if not yet migrated; `{}` when none), cached per version. */
  private async openRow(row: Row): Promise<unknown> {
    if (row.legacy_secrets) return row.legacy_secrets;
    const sealed = sealedOf(row);
    if (!sealed) return {};
    const version = `${row.updated_at.getTime()}|${row.secrets_key_id}|${row.secrets_tag?.toString('base64')}`;
    const hit = this.cache.get(row.id);
    if (hit?.version === version) return hit.secrets;
    const secrets = await this.cipher.open(sealed, { tenantId: row.tenant_id, integrationId: row.id });
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(row.id, { version, secrets });
    return secrets;
  }

  private async parse<T extends IntegrationType>(row: Row, type: T): Promise<LoadedIntegration<T>> {
    const schemas = IntegrationConfigSchemas[type];
    const c = schemas.config.safeParse(row.config ?? {});
    if (!c.success)
      throw new InvalidStoredIntegrationError(row.id, `config: ${formatIssues(c.error.issues)}`);
    const s = schemas.secrets.safeParse(await this.openRow(row));
    if (!s.success)
      throw new InvalidStoredIntegrationError(row.id, `secrets: ${formatIssues(s.error.issues)}`);
    return {
      id: row.id,
      tenantId: row.tenant_id,
      type,
      name: row.name,
      enabled: row.enabled,
      updatedAt: row.updated_at,
      config: c.data as IntegrationConfig<T>,
      secrets: s.data as IntegrationSecrets<T>,
    };
  }
}

function sealedParams(s: SealedSecrets): [Buffer, Buffer, Buffer, Buffer, string] {
  return [s.ciphertext, s.iv, s.tag, s.wrappedKey, s.keyId];
}

function sealedOf(row: Row): SealedSecrets | null {
  if (!row.secrets_ciphertext || !row.secrets_iv || !row.secrets_tag || !row.secrets_wrapped_key) return null;
  return {
    ciphertext: row.secrets_ciphertext,
    iv: row.secrets_iv,
    tag: row.secrets_tag,
    wrappedKey: row.secrets_wrapped_key,
    keyId: row.secrets_key_id ?? '',
  };
}

function summary(row: Row): IntegrationSummary {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type,
    name: row.name,
    config: row.config,
    secretFields: [...(row.secret_fields ?? [])].sort(),
    enabled: row.enabled,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function mapUnique(e: unknown, selectorField: string | undefined): unknown {
  const err = e as DatabaseError;
  if (err?.code !== '23505') return e;
  if (err.constraint === 'integrations_type_selector_key')
    return new VendorIdentifierTakenError(selectorField ?? 'config');
  if (err.constraint === 'integrations_tenant_id_name_key') return new DuplicateIntegrationNameError();
  return e;
}
