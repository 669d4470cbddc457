import { Inject, Injectable } from '@nestjs/common';
import { forTenant, PRISMA, type PrismaClient } from '@hub/persistence';

/** An `eightbyeight` integration row as stored (config/secrets validated by the caller). */
export interface StoredIntegration {
  id: string;
  tenantId: string;
  config: unknown;
  secrets: unknown;
  updatedAt: Date;
}

/**
 * Reads the enabled 8x8 integrations of every tenant (one reader each): their (tenant, id) through the
 * SECURITY DEFINER function `hub_enabled_integrations` (a system path, docs/security/tenancy.md), then
 * each row inside its own tenant (row-level security).
 */
@Injectable()
export class IntegrationRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async listEnabled(): Promise<StoredIntegration[]> {
    const refs = await this.prisma.$queryRaw<{ tenant_id: string; id: string }[]>`
      SELECT tenant_id, id::text AS id FROM hub_enabled_integrations('eightbyeight')`;
    const rows: StoredIntegration[] = [];
    for (const ref of refs) {
      const row = await forTenant(this.prisma, ref.tenant_id).integration.findFirst({
        where: { id: ref.id, type: 'eightbyeight', enabled: true },
        select: { id: true, tenantId: true, config: true, secrets: true, updatedAt: true },
      });
      if (row) rows.push(row);
    }
    return rows;
  }
}
