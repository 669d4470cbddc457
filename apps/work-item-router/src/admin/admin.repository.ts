import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, forTenant, type PrismaClient, type PrismaExecutor } from '@hub/persistence';
import type { z } from 'zod';
import type { ListWorkItemsQuerySchema } from './admin.schemas';

/**
 * Tenant-scoped reads and simple writes of the admin API (queues, agents, work items), through
 * `forTenant` so a request of tenant A can never see tenant B's rows.
 */
@Injectable()
export class AdminRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  scoped(tenantId: string) {
    return forTenant(this.prisma, tenantId);
  }

  async tenantExists(tenantId: string): Promise<boolean> {
    return !!(await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }));
  }

  createTenant(id: string, name: string) {
    return this.prisma.tenant.create({ data: { id, name } });
  }

  listQueues(tenantId: string) {
    return this.scoped(tenantId).queue.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  findQueue(tenantId: string, id: string) {
    return this.scoped(tenantId).queue.findFirst({ where: { id } });
  }

  /** Ids among `ids` that are NOT queues of the tenant. */
  async unknownQueueIds(db: PrismaExecutor, tenantId: string, ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const found = await db.queue.findMany({ where: { tenantId, id: { in: ids } }, select: { id: true } });
    const known = new Set(found.map((q) => q.id));
    return ids.filter((id) => !known.has(id));
  }

  listAgents(tenantId: string) {
    return this.scoped(tenantId).agent.findMany({
      include: { queues: { select: { queueId: true } } },
      orderBy: { id: 'asc' },
    });
  }

  findAgent(tenantId: string, id: string) {
    return this.scoped(tenantId).agent.findFirst({
      where: { id },
      include: { queues: { select: { queueId: true } } },
    });
  }

  findWorkItem(tenantId: string, id: string) {
    return this.scoped(tenantId).workItem.findFirst({
      where: { id },
      include: { transfers: { orderBy: { at: 'asc' } }, offers: { orderBy: { createdAt: 'asc' } } },
    });
  }

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
