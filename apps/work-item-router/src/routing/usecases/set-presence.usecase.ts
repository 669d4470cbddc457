import { Injectable } from '@nestjs/common';
import type { Presence } from '@hub/contracts';
import { PermanentError } from '@hub/messaging';
import { claimEventSql } from '@hub/persistence';
import { Dispatcher } from '../dispatcher';
import { RoutingRepository } from '../routing.repository';
import { RoutingTransactions } from '../routing-transactions';
import { CONSUMER_NAME } from '../consumer-name';

/**
 * `set_presence` (from the gateway, or `PUT /v1/agents/:id/presence`). A change is recorded
 * (`presence_changed_at`; the run of missed offers ends; coming online also resets `idle_since`) and announced
 * (`agent_presence_changed`); the agent's channel always gets a `presence` confirmation. An agent
 * coming online is offered the best waiting items of its queues up to its capacity. Going away or
 * offline leaves live offers to expire on their own timer (then they move to the next agent).
 */
@Injectable()
export class SetPresenceUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly repo: RoutingRepository,
    private readonly dispatcher: Dispatcher,
  ) {}

  /**
   * @param eventId command envelope id (inbox key), or a request id for REST (no inbox)
   * @param dedupe  claim `eventId` in the inbox (Kafka commands)
   * @throws PermanentError(not_found) for an unknown agent of the tenant
   */
  execute(
    tenantId: string,
    eventId: string,
    agentId: string,
    presence: Presence,
    dedupe = true,
  ): Promise<{ changed: boolean; offered: number } | 'duplicate'> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      if (dedupe && !(await claimEventSql(rt.db, CONSUMER_NAME, eventId))) return 'duplicate';
      const queueIds = await this.repo.agentQueueIds(rt.db, tenantId, agentId);
      const queues =
        presence === 'online' ? await this.repo.lockQueues(rt.db, tenantId, queueIds) : new Map();
      const agent = await this.repo.lockAgent(rt.db, tenantId, agentId);
      if (!agent) throw new PermanentError(`unknown agent ${agentId} for tenant ${tenantId}`, 'not_found');
      const changed = agent.presence !== presence;
      if (changed) {
        await this.repo.setPresence(rt.db, tenantId, agentId, presence);
        rt.presenceEvent(agentId, presence);
      }
      rt.agentMessage(agentId, { kind: 'presence', presence });
      const offered = presence === 'online' ? await this.dispatcher.fillAgent(rt, agentId, queues) : 0;
      return { changed, offered };
    });
  }
}
