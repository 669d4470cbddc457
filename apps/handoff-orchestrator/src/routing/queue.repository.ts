import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { inTenantTransaction, PG_POOL, preparedQuery } from '@hub/persistence';

/**
 * Read-only view of the work-item router's `queues` table (owned by apps/work-item-router), used to
 * reject an unknown `queue_id` synchronously. Routing itself (the five resolution levels) is the
 * router's job. Prepared SQL over `PG_POOL` (it runs on the intake path).
 */
@Injectable()
export class QueueRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** True if queue `queueId` exists in tenant `tenantId` (active or not). */
  async exists(tenantId: string, queueId: string): Promise<boolean> {
    const { rowCount } = await inTenantTransaction(this.pool, tenantId, (db) =>
      preparedQuery(
        db,
        'hor.queueExists',
        'SELECT 1 FROM queues WHERE id = $1::uuid AND tenant_id = $2 LIMIT 1',
        [queueId, tenantId],
      ),
    );
    return rowCount === 1;
  }
}
