import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, type PrismaClient } from '@hub/persistence';

/** An `eightbyeight` integration row as stored (config/secrets validated by the caller). */
export interface StoredIntegration {
  id: string;
  tenantId: string;
  config: unknown;
  secrets: unknown;
  updatedAt: Date;
}

/** Reads the enabled 8x8 integrations of every tenant (one reader each). */
@Injectable()
export class IntegrationRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async listEnabled(): Promise<StoredIntegration[]> {
    return this.prisma.integration.findMany({
      where: { type: 'eightbyeight', enabled: true },
      select: { id: true, tenantId: true, config: true, secrets: true, updatedAt: true },
      orderBy: { id: 'asc' },
    });
  }
}
