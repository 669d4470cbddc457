import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Presence } from '@hub/contracts';
import { Dispatcher } from '../routing/dispatcher';
import { RoutingRepository } from '../routing/routing.repository';
import { RoutingTransactions } from '../routing/routing-transactions';
import { SetPresenceUseCase } from '../routing/usecases/set-presence.usecase';
import { AdminRepository } from './admin.repository';
import type { CreateAgentBody, UpdateAgentBody } from './admin.schemas';
import { conflict, isUniqueViolation, notFound, unprocessable } from './http-errors';
import { presentAgent } from './presenters';

/**
 * Agent administration: display name, queue memberships, capacity per work-item type, auto-accept.
 * New agents start offline. An update that can make an online agent able to take more (capacity
 * raised, queue added) fills its free slots at once; presence goes through the same use case as
 * the `set_presence` command.
 */
@Injectable()
export class AgentsService {
  constructor(
    private readonly repo: AdminRepository,
    private readonly txs: RoutingTransactions,
    private readonly routing: RoutingRepository,
    private readonly dispatcher: Dispatcher,
    private readonly presence: SetPresenceUseCase,
  ) {}

  /** @throws 404 unknown tenant, 409 duplicate id, 422 unknown queue id (naming `queueIds.N`) */
  async create(tenantId: string, body: CreateAgentBody) {
    if (!(await this.repo.tenantExists(tenantId)))
      throw notFound(`unknown tenant ${tenantId} (create it with POST /v1/tenants)`);
    await this.assertQueues(tenantId, body.queueIds);
    try {
      await this.repo.scoped(tenantId).agent.create({
        data: {
          tenantId,
          id: body.id,
          displayName: body.displayName,
          autoAccept: body.autoAccept,
          capacityChat: body.capacity.chat ?? 1,
          capacityCall: body.capacity.call ?? 1,
          queues: { create: [...new Set(body.queueIds)].map((queueId) => ({ queueId })) },
        },
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('id', `agent ${body.id} already exists`);
      throw e;
    }
    return this.get(tenantId, body.id);
  }

  /** The tenant's agents as views (presence, capacity, load, queue ids), by id. */
  async list(tenantId: string) {
    return (await this.repo.listAgents(tenantId)).map(presentAgent);
  }

  /** @throws 404 */
  async get(tenantId: string, id: string) {
    const a = await this.repo.findAgent(tenantId, id);
    if (!a) throw notFound(`unknown agent ${id}`);
    return presentAgent(a);
  }

  /** @throws 404 unknown agent, 422 unknown queue id */
  async update(tenantId: string, id: string, body: UpdateAgentBody) {
    if (!(await this.repo.findAgent(tenantId, id))) throw notFound(`unknown agent ${id}`);
    if (body.queueIds) await this.assertQueues(tenantId, body.queueIds);
    await this.txs.run(tenantId, `admin:agent:${randomUUID()}`, async (rt) => {
      const current = await this.routing.agentQueueIds(rt.db, tenantId, id);
      const queues = await this.routing.lockQueues(rt.db, tenantId, [...current, ...(body.queueIds ?? [])]);
      if (!(await this.routing.lockAgent(rt.db, tenantId, id))) throw notFound(`unknown agent ${id}`);
      await this.routing.updateAgent(
        rt.db,
        tenantId,
        id,
        {
          displayName: body.displayName,
          autoAccept: body.autoAccept,
          capacityChat: body.capacity?.chat,
          capacityCall: body.capacity?.call,
        },
        body.queueIds,
      );
      await this.dispatcher.fillAgent(rt, id, queues);
    });
    return this.get(tenantId, id);
  }

  /** Applies a presence change through the `set_presence` use case. @throws 404 unknown agent */
  async setPresence(tenantId: string, id: string, presence: Presence) {
    if (!(await this.repo.findAgent(tenantId, id))) throw notFound(`unknown agent ${id}`);
    await this.presence.execute(tenantId, `admin:presence:${randomUUID()}`, id, presence, false);
    return this.get(tenantId, id);
  }

  private async assertQueues(tenantId: string, ids: string[]): Promise<void> {
    const unknown = await this.repo.unknownQueueIds(tenantId, ids);
    if (unknown.length)
      throw unprocessable(`queueIds.${ids.indexOf(unknown[0])}`, `unknown queue ${unknown[0]}`);
  }
}
