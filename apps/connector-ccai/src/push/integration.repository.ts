import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, type PrismaClient } from '@hub/persistence';

/** A `ccai` integration row as stored (config/secrets validated by the caller). */
export interface StoredCcaiIntegration {
  id: string;
  tenantId: string;
  config: unknown;
  secrets: unknown;
}

/** Looks up `ccai` integrations (subscription → tenant mapping lives in `config.subscription`). */
@Injectable()
export class CcaiIntegrationRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** The enabled integration whose `config.subscription` is the given full subscription name. */
  async findBySubscription(subscription: string): Promise<StoredCcaiIntegration | null> {
    return this.prisma.integration.findFirst({
      where: { type: 'ccai', enabled: true, config: { path: ['subscription'], equals: subscription } },
      select: { id: true, tenantId: true, config: true, secrets: true },
    });
  }

  async findById(id: string): Promise<StoredCcaiIntegration | null> {
    return this.prisma.integration.findFirst({
      where: { id, type: 'ccai' },
      select: { id: true, tenantId: true, config: true, secrets: true },
    });
  }
}
