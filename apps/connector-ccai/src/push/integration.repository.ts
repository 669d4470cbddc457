import { Injectable } from '@nestjs/common';
import { IntegrationStore } from '@hub/integrations';

/** A `ccai` integration: config and decrypted secrets parsed by @hub/integrations. */
export interface StoredCcaiIntegration {
  id: string;
  tenantId: string;
  config: unknown;
  secrets: unknown;
}

/**
 * Looks up `ccai` integrations through the {@link IntegrationStore} (subscription → tenant mapping lives
 * in `config.subscription`, unique across tenants).
 */
@Injectable()
export class CcaiIntegrationRepository {
  constructor(private readonly store: IntegrationStore) {}

  /** The enabled integration whose `config.subscription` is the given full subscription name (case-insensitive). */
  async findBySubscription(subscription: string): Promise<StoredCcaiIntegration | null> {
    return this.store.loadBySelector('ccai', { subscription });
  }

  /** The `ccai` integration `id` of any tenant (operator endpoint), or null. */
  async findById(id: string): Promise<StoredCcaiIntegration | null> {
    return this.store.loadAnyTenant(id, 'ccai');
  }
}
