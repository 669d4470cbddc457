import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, forTenant, type PrismaClient } from '@hub/persistence';
import type { z } from 'zod';
import type { ListWorkItemsQuerySchema } from './admin.schemas';

/**
 * Tenant-scoped reads and simple writes of the admin API (queues, agents, work items), through
 * `forTenant` (row-level security with the tenant set per transaction) so a request of tenant A can
 * never see tenant B's rows.
 */
@Injectable()
export class AdminRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** The Prisma client scoped to the tenant (`forTenant`: every query filtered by it). */
  scoped(tenantId: string) {
    return forTenant(this.prisma, tenantId);
  }

  /** Whether the tenant row exists (tenants are not tenant-owned). */
  async tenantExists(tenantId: string): Promise<boolean> {
    return !!(await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }));
  }

  /** Inserts a tenant (its default queue is created by a database trigger). */
  createTenant(id: string, name: string) {
    return this.prisma.tenant.create({ data: { id, name } });
  }

  /** The tenant's queues, oldest first. */
  listQueues(tenantId: string) {
    return this.scoped(tenantId).queue.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** The tenant's queue `id`, or null. */
  findQueue(tenantId: string, id: string) {
    return this.scoped(tenantId).queue.findFirst({ where: { id } });
  }

  /** Ids among `ids` that are NOT queues of the tenant. */
  async unknownQueueIds(tenantId: string, ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const found = await this.scoped(tenantId).queue.findMany({
      where: { tenantId, id: { in: ids } },
      select: { id: true },
    });
    const known = new Set(found.map((q) => q.id));
    return ids.filter((id) => !known.has(id));
  }

  /** The tenant's agents with their queue ids, by id. */
  listAgents(tenantId: string) {
    return this.scoped(tenantId).agent.findMany({
      include: { queues: { select: { queueId: true } } },
      orderBy: { id: 'asc' },
    });
  }

  /** The tenant's agent `id` with its queue ids, or null. */
  findAgent(tenantId: string, id: string) {
    return this.scoped(tenantId).agent.findFirst({
      where: { id },
      include: { queues: { select: { queueId: true } } },
    });
  }

  /**
   * The tenant's work item `id` with transfer history and offers, or null — read in one REPEATABLE READ
   * transaction, so the item and its offers are one snapshot (Prisma reads an `include` with separate
   * statements: under READ COMMITTED a decline committing between them showed the declined offer on a
   * still-`offered` item).
   */
  findWorkItem(tenantId: string, id: string) {
    const scoped = this.scoped(tenantId);
    return scoped.$transaction(
      (tx) =>
        tx.workItem.findFirst({
          where: { id },
          include: { transfers: { orderBy: { at: 'asc' } }, offers: { orderBy: { createdAt: 'asc' } } },
        }),
      { isolationLevel: 'RepeatableRead' },
    );
  }

  /** The tenant's work items filtered by status/queue/agent, oldest first, at most `q.limit`. */
  listWorkItems(tenantId: string, q: z.infer<typeof ListWorkItemsQuerySchema>) {
    return this.scoped(tenantId).workItem.findMany({
      where: {
        ...(q.status ? { status: q.status } : {}),
        ...(q.queueId ? { queueId: q.queueId } : {}),
        ...(q.agentId ? { agentId: q.agentId } : {}),
      },
      include: { transfers: { orderBy: { at: 'asc' } } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: q.limit,
    });
  }
}
