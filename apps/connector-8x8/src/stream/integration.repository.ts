import { Injectable } from '@nestjs/common';
import { IntegrationStore } from '@hub/integrations';

/** An `eightbyeight` integration: config and decrypted secrets parsed by @hub/integrations. */
export interface StoredIntegration {
  id: string;
  tenantId: string;
  config: unknown;
  secrets: unknown;
  updatedAt: Date;
}

/** Reads the enabled 8x8 integrations of every tenant (one reader each) through the {@link IntegrationStore}. */
@Injectable()
export class IntegrationRepository {
  constructor(private readonly store: IntegrationStore) {}

  /**
   * Every enabled `eightbyeight` integration; a row whose config or secrets do not parse or decrypt is
   * passed to `onInvalid` (the message names the field) and skipped.
   */
  async listEnabled(
    onInvalid?: (integrationId: string, tenantId: string, error: Error) => void,
  ): Promise<StoredIntegration[]> {
    return this.store.loadAllEnabled('eightbyeight', onInvalid);
  }
}
