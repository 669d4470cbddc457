import { Inject, Injectable } from '@nestjs/common';
import { forTenant, PRISMA, type PrismaClient } from '@hub/persistence';

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
export class BotWebhookRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Leases up to `limit` due, pending deliveries for `leaseMs` and counts the attempt (all tenants: a
   * system job through the SECURITY DEFINER function `hub_lease_callback_deliveries`, which returns only
   * (tenant, id); each delivery is then read inside its tenant, and the updates below are scoped by it).
   */
  async leaseDue(limit: number, leaseMs: number): Promise<LeasedDelivery[]> {
    const leased = await this.prisma.$queryRaw<{ id: string; tenant_id: string }[]>`
      SELECT "tenant_id", "id"::text AS "id" FROM hub_lease_callback_deliveries(${limit}::int, ${leaseMs}::float8)`;
    const out: LeasedDelivery[] = [];
    for (const l of leased) {
      const r = await forTenant(this.prisma, l.tenant_id).callbackDelivery.findFirst({
        where: { id: l.id },
        select: { id: true, tenantId: true, eventId: true, url: true, payload: true, attempts: true },
      });
      if (r) out.push({ ...r, payload: r.payload as unknown });
    }
    return out;
  }

  /** Marks the tenant's delivery `id` delivered. */
  async markDelivered(tenantId: string, id: string): Promise<void> {
    await forTenant(this.prisma, tenantId).callbackDelivery.updateMany({
      where: { id, tenantId },
      data: { status: 'delivered', deliveredAt: new Date(), lastError: null },
    });
  }

  /** Records a failed attempt: retry at `retryAt`, or give up (`failed`) when `retryAt` is null. */
  async markFailed(tenantId: string, id: string, error: string, retryAt: Date | null): Promise<void> {
    await forTenant(this.prisma, tenantId).callbackDelivery.updateMany({
      where: { id, tenantId },
      data: retryAt
        ? { lastError: error.slice(0, 1000), nextAttemptAt: retryAt }
        : { lastError: error.slice(0, 1000), status: 'failed' },
    });
  }
}
