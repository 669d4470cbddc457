import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { inTenantTransaction, PG_POOL, preparedQuery } from '@hub/persistence';

/** Live-agent availability as far as the router's tables tell it now. */
export interface LiveAgentAvailability {
  /** Agents `online` in the queue(s) with a free slot of the work item type. */
  agentsWithCapacity: number;
  /** Agents `online` in the queue(s), busy or not. */
  agentsOnline: number;
  /** Active queues considered (the given one, else all of the tenant's). */
  queues: number;
}

/**
 * Read-only view of the work-item router's `queues`, `agent_queues` and `agents` (owned by
 * apps/work-item-router): how many agents are online with free capacity in a queue, or in any active queue of
 * the tenant. Hours and team capacity rules are issue 11 (part 2); this is the cheap check available today.
 */
@Injectable()
export class AgentAvailabilityRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * @param queueId the queue the handoff would go to; null = any active queue of the tenant
   * @param type `chat` or `call` (which capacity counts)
   */
  async liveAgents(
    tenantId: string,
    queueId: string | null,
    type: 'chat' | 'call',
  ): Promise<LiveAgentAvailability> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      preparedQuery<{ with_capacity: number; online: number; queues: number }>(
        db,
        'hor.liveAgents',
        `SELECT
           (SELECT count(DISTINCT a.id)::int FROM agents a
              JOIN agent_queues aq ON aq.tenant_id = a.tenant_id AND aq.agent_id = a.id
              JOIN queues q ON q.id = aq.queue_id AND q.active
            WHERE a.presence = 'online' AND ($1::uuid IS NULL OR q.id = $1::uuid)
              AND CASE WHEN $2 = 'call' THEN a.load_call < a.capacity_call ELSE a.load_chat < a.capacity_chat END
           ) AS with_capacity,
           (SELECT count(DISTINCT a.id)::int FROM agents a
              JOIN agent_queues aq ON aq.tenant_id = a.tenant_id AND aq.agent_id = a.id
              JOIN queues q ON q.id = aq.queue_id AND q.active
            WHERE a.presence = 'online' AND ($1::uuid IS NULL OR q.id = $1::uuid)) AS online,
           (SELECT count(*)::int FROM queues q WHERE q.active AND ($1::uuid IS NULL OR q.id = $1::uuid)) AS queues`,
        [queueId, type],
      ),
    );
    const r = rows[0];
    return { agentsWithCapacity: r.with_capacity, agentsOnline: r.online, queues: r.queues };
  }
}
