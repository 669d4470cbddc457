import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  forTenant,
  inTenantTransaction,
  PG_POOL,
  preparedQuery,
  Prisma,
  PRISMA,
  type IntegrationModel as Integration,
  type PrismaClient,
} from '@hub/persistence';
import type { IntegrationType } from '@hub/contracts';

/** Fields of a new integration (config/secrets already validated for its type). */
export interface NewIntegration {
  type: IntegrationType;
  name: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  enabled: boolean;
}

/** Thrown when (tenant, name) already exists. */
export class DuplicateIntegrationNameError extends Error {}

/** `integrations` columns under their model names (all of IntegrationModel). */
const INTEGRATION_COLUMNS = `id::text AS id, tenant_id AS "tenantId", type, name, config, secrets, enabled,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Tenant-scoped access to the `integrations` table (every query filters on the tenant). The two reads on
 * the handoff intake path (`findById`, `firstEnabled`) are prepared SQL over `PG_POOL`; the admin CRUD
 * goes through `forTenant` (Prisma).
 */
@Injectable()
export class IntegrationRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /**
   * The integration, or null if it does not exist in this tenant (other tenants' rows are invisible) or
   * `id` is not a UUID.
   */
  async findById(tenantId: string, id: string): Promise<Integration | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      preparedQuery<Integration>(
        db,
        'hor.integrationById',
        `SELECT ${INTEGRATION_COLUMNS} FROM integrations WHERE tenant_id = $1 AND id = $2::uuid`,
        [tenantId, id],
      ),
    );
    return rows[0] ?? null;
  }

  /** The tenant's integrations (optionally of one type), oldest first. */
  async list(tenantId: string, type?: IntegrationType): Promise<Integration[]> {
    return forTenant(this.prisma, tenantId).integration.findMany({
      where: type ? { type } : {},
      orderBy: { createdAt: 'asc' },
    });
  }

  /** The oldest enabled integration of a type (e.g. the tenant's `llm` provider), or null. */
  async firstEnabled(tenantId: string, type: IntegrationType): Promise<Integration | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      preparedQuery<Integration>(
        db,
        'hor.integrationFirstEnabled',
        `SELECT ${INTEGRATION_COLUMNS} FROM integrations WHERE tenant_id = $1 AND type = $2 AND enabled
       ORDER BY created_at LIMIT 1`,
        [tenantId, type],
      ),
    );
    return rows[0] ?? null;
  }

  /** @throws DuplicateIntegrationNameError when the name is taken in this tenant */
  async create(tenantId: string, data: NewIntegration): Promise<Integration> {
    try {
      return await forTenant(this.prisma, tenantId).integration.create({
        data: {
          id: randomUUID(),
          tenantId,
          type: data.type,
          name: data.name,
          config: data.config as Prisma.InputJsonValue,
          secrets: data.secrets as Prisma.InputJsonValue,
          enabled: data.enabled,
        },
      });
    } catch (e) {
      throw mapUnique(e);
    }
  }

  /**
   * Updates the given fields; returns null when the integration does not exist in this tenant.
   * @throws DuplicateIntegrationNameError when renaming onto a taken name
   */
  async update(
    tenantId: string,
    id: string,
    patch: Partial<Pick<NewIntegration, 'name' | 'config' | 'secrets' | 'enabled'>>,
  ): Promise<Integration | null> {
    try {
      const rows = await forTenant(this.prisma, tenantId).integration.updateManyAndReturn({
        where: { id },
        data: {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
          ...(patch.config !== undefined ? { config: patch.config as Prisma.InputJsonValue } : {}),
          ...(patch.secrets !== undefined ? { secrets: patch.secrets as Prisma.InputJsonValue } : {}),
        },
      });
      return rows[0] ?? null;
    } catch (e) {
      throw mapUnique(e);
    }
  }

  /** @returns true if a row was deleted */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await forTenant(this.prisma, tenantId).integration.deleteMany({ where: { id } });
    return r.count > 0;
  }
}

function mapUnique(e: unknown): unknown {
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
    return new DuplicateIntegrationNameError('an integration with this name already exists');
  }
  return e;
}
