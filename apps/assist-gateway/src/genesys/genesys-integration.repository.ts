import { Inject, Injectable } from '@nestjs/common';
import { parseIntegration, type IntegrationConfig } from '@hub/contracts';
import { PRISMA, forTenant, type PrismaClient } from '@hub/persistence';

/** A tenant's Genesys Cloud sign-in settings (integration type `genesys_oauth`). */
export interface GenesysOAuthIntegration {
  id: string;
  tenantId: string;
  config: IntegrationConfig<'genesys_oauth'>;
}

/** Reads `genesys_oauth` integration records (tenant-scoped; other tenants' rows are invisible). */
@Injectable()
export class GenesysIntegrationRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * The tenant's enabled `genesys_oauth` integration: the given id, else the oldest one.
   * @returns null when there is none
   * @throws ZodError when the stored config is invalid for the type
   */
  async find(tenantId: string, integrationId?: string): Promise<GenesysOAuthIntegration | null> {
    const row = await forTenant(this.prisma, tenantId).integration.findFirst({
      where: { type: 'genesys_oauth', enabled: true, ...(integrationId ? { id: integrationId } : {}) },
      orderBy: { createdAt: 'asc' },
    });
    if (!row) return null;
    const { config } = parseIntegration('genesys_oauth', row.config, row.secrets);
    return { id: row.id, tenantId, config };
  }
}
