import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, type PrismaClient } from '@hub/persistence';

/** A callback delivery leased for one attempt. */
export interface LeasedDelivery {
  id: string;
  tenantId: string;
  eventId: string;
  url: string;
  payload: unknown;
  /** Attempts including this one. */
  attempts: number;
}

/**
 * The `callback_deliveries` table: a durable queue of outcome POSTs. A delivery is leased by moving
 * `next_attempt_at` past the attempt's duration (rows picked `FOR UPDATE SKIP LOCKED`, so replicas
 * share the work); a crash mid-attempt leaves it to be retried when the lease runs out.
 */
@Injectable()
export class CallbackRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Leases up to `limit` due, pending deliveries for `leaseMs` and counts the attempt (all tenants: a
   * system job; each delivery carries its tenant, and the updates below are scoped by it).
   */
  async leaseDue(limit: number, leaseMs: number): Promise<LeasedDelivery[]> {
    const rows = await this.prisma.$queryRaw<
      { id: string; tenant_id: string; event_id: string; url: string; payload: unknown; attempts: number }[]
    >`
      UPDATE "callback_deliveries" SET "attempts" = "attempts" + 1,
        "next_attempt_at" = now() + make_interval(secs => ${leaseMs / 1000}::float8)
      WHERE "id" IN (
        SELECT "id" FROM "callback_deliveries" WHERE "status" = 'pending' AND "next_attempt_at" <= now()
        ORDER BY "next_attempt_at" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING "id", "tenant_id", "event_id", "url", "payload", "attempts"`;
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      eventId: r.event_id,
      url: r.url,
      payload: r.payload,
      attempts: r.attempts,
    }));
  }

  /** Marks the tenant's delivery `id` delivered. */
  async markDelivered(tenantId: string, id: string): Promise<void> {
    await this.prisma.callbackDelivery.updateMany({
      where: { id, tenantId },
      data: { status: 'delivered', deliveredAt: new Date(), lastError: null },
    });
  }

  /** Records a failed attempt: retry at `retryAt`, or give up (`failed`) when `retryAt` is null. */
  async markFailed(tenantId: string, id: string, error: string, retryAt: Date | null): Promise<void> {
    await this.prisma.callbackDelivery.updateMany({
      where: { id, tenantId },
      data: retryAt
        ? { lastError: error.slice(0, 1000), nextAttemptAt: retryAt }
        : { lastError: error.slice(0, 1000), status: 'failed' },
    });
  }
}
