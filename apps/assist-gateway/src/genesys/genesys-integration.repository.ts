import { Injectable } from '@nestjs/common';
import { IntegrationStore, type IntegrationConfig } from '@hub/integrations';

/** A tenant's Genesys Cloud sign-in settings (integration type `genesys_oauth`). */
export interface GenesysOAuthIntegration {
  id: string;
  tenantId: string;
  config: IntegrationConfig<'genesys_oauth'>;
}

/** Reads `genesys_oauth` integration records through the {@link IntegrationStore} (tenant-scoped). */
@Injectable()
export class GenesysIntegrationRepository {
  constructor(private readonly store: IntegrationStore) {}

  /**
   * The tenant's enabled `genesys_oauth` integration: the given id, else the oldest one.
   * @returns null when there is none
   * @throws InvalidStoredIntegrationError when the stored config is invalid for the type
   */
  async find(tenantId: string, integrationId?: string): Promise<GenesysOAuthIntegration | null> {
    const row = integrationId
      ? await this.store.load(tenantId, integrationId, 'genesys_oauth')
      : await this.store.loadFirstEnabled(tenantId, 'genesys_oauth');
    return row ? { id: row.id, tenantId, config: row.config } : null;
  }
}
