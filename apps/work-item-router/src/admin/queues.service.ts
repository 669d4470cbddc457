import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AdminRepository } from './admin.repository';
import type { CreateQueueBody, UpdateQueueBody } from './admin.schemas';
import { conflict, isUniqueViolation, notFound } from './http-errors';
import { presentQueue } from './presenters';

/**
 * Queue administration. Setting `isDefault` on a queue unsets it on the tenant's other queues in
 * the same transaction (one default per tenant).
 */
@Injectable()
export class QueuesService {
  constructor(private readonly repo: AdminRepository) {}

  /** @throws 404 unknown tenant, 409 duplicate name */
  async create(tenantId: string, body: CreateQueueBody) {
    if (!(await this.repo.tenantExists(tenantId)))
      throw notFound(`unknown tenant ${tenantId} (create it with POST /v1/tenants)`);
    try {
      const q = await this.repo.scoped(tenantId).$transaction(async (tx) => {
        if (body.isDefault)
          await tx.queue.updateMany({ where: { tenantId, isDefault: true }, data: { isDefault: false } });
        return tx.queue.create({ data: { id: randomUUID(), tenantId, ...body } });
      });
      return presentQueue(q);
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('name', `a queue named "${body.name}" already exists`);
      throw e;
    }
  }

  /** The tenant's queues as views, oldest first. */
  async list(tenantId: string) {
    return (await this.repo.listQueues(tenantId)).map(presentQueue);
  }

  /** @throws 404 */
  async get(tenantId: string, id: string) {
    const q = await this.repo.findQueue(tenantId, id);
    if (!q) throw notFound(`unknown queue ${id}`);
    return presentQueue(q);
  }

  /** @throws 404 unknown queue, 409 duplicate name */
  async update(tenantId: string, id: string, body: UpdateQueueBody) {
    if (!(await this.repo.findQueue(tenantId, id))) throw notFound(`unknown queue ${id}`);
    try {
      const q = await this.repo.scoped(tenantId).$transaction(async (tx) => {
        if (body.isDefault)
          await tx.queue.updateMany({
            where: { tenantId, isDefault: true, NOT: { id } },
            data: { isDefault: false },
          });
        return tx.queue.update({ where: { id }, data: body });
      });
      return presentQueue(q);
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('name', `a queue named "${body.name}" already exists`);
      throw e;
    }
  }
}
