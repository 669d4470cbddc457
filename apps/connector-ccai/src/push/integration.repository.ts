import { Inject, Injectable } from '@nestjs/common';
import { forTenant, PRISMA, type PrismaClient } from '@hub/persistence';

/** A `ccai` integration row as stored (config/secrets validated by the caller). */
export interface StoredCcaiIntegration {
  id: string;
  tenantId: string;
  config: unknown;
  secrets: unknown;
}

const COLUMNS = { id: true, tenantId: true, config: true, secrets: true } as const;

/**
 * Looks up `ccai` integrations (subscription → tenant mapping lives in `config.subscription`, unique
 * across tenants). The tenant is not known before the lookup, so it goes through SECURITY DEFINER
 * functions that return only (tenant, id) (docs/security/tenancy.md "System paths"); the row itself is
 * then read inside that tenant (row-level security).
 */
@Injectable()
export class CcaiIntegrationRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** The enabled integration whose `config.subscription` is the given full subscription name. */
  async findBySubscription(subscription: string): Promise<StoredCcaiIntegration | null> {
    const [ref] = await this.prisma.$queryRaw<{ tenant_id: string; id: string }[]>`
      SELECT tenant_id, id::text AS id FROM hub_ccai_integration_by_subscription(${subscription})`;
    if (!ref) return null;
    return forTenant(this.prisma, ref.tenant_id).integration.findFirst({
      where: { id: ref.id, type: 'ccai', enabled: true },
      select: COLUMNS,
    });
  }

  /** The `ccai` integration with this id (any tenant: the admin route names no tenant), or null. */
  async findById(id: string): Promise<StoredCcaiIntegration | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const [owner] = await this.prisma.$queryRaw<{ tenant_id: string | null }[]>`
      SELECT hub_ccai_integration_owner(${id}::uuid) AS tenant_id`;
    if (!owner?.tenant_id) return null;
    return forTenant(this.prisma, owner.tenant_id).integration.findFirst({
      where: { id, type: 'ccai' },
      select: COLUMNS,
    });
  }
}
