import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, type PrismaClient } from '@hub/persistence';

/**
 * Read-only view of the work-item router's `queues` table (owned by apps/work-item-router), used to
 * reject an unknown `queue_id` synchronously. Routing itself (the five resolution levels) is the
 * router's job.
 */
@Injectable()
export class QueueRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** True if queue `queueId` exists in tenant `tenantId` (active or not). */
  async exists(tenantId: string, queueId: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ one: number }[]>`
      SELECT 1 AS one FROM "queues" WHERE "id" = ${queueId}::uuid AND "tenant_id" = ${tenantId} LIMIT 1`;
    return rows.length > 0;
  }
}
