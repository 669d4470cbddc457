import { Inject, Injectable } from '@nestjs/common';
import { RealtimeChannels, RealtimeKeys } from '@hub/contracts';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import type { CorrelationChange } from '../domain/interaction-mapper';

/** Deletes KEYS[1] only while it still holds ARGV[1] (a later assignment must not be cleared). */
const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Agent ↔ interaction correlation in Redis, so a widget known only by its 8x8 agent id finds the
 * interaction that agent is working on (contracts: `RealtimeKeys.eightByEightAgentInteraction`,
 * `RealtimeChannels.eightByEightAgent`):
 *  - key `{ns}hub:t:{tenant}:8x8-agent:{agentId}:interaction` = interactionGUID (the record; TTL,
 *    refreshed on every assignment) — read by assist-gateway on widget (re)connect;
 *  - channel `{ns}hub:t:{tenant}:8x8-agent:{agentId}` — `{agentId, interactionId | null, changedAt}`
 *    after every change, a nudge for widgets already connected.
 * Both writes are idempotent, so replaying a message after a crash is harmless.
 */
@Injectable()
export class AgentCorrelationRepository {
  constructor(@Inject(REALTIME_BUS) private readonly bus: RealtimeBus) {}

  /**
   * Applies a correlation change.
   * @param ttlSeconds lifetime of the key, s
   * @param changedAt  when 8x8 reported the change (ISO 8601)
   */
  async apply(
    tenantId: string,
    change: CorrelationChange,
    changedAt: string,
    ttlSeconds: number,
  ): Promise<void> {
    const redis = this.bus.publisher;
    if (change.action === 'set') {
      const key = this.bus.name(RealtimeKeys.eightByEightAgentInteraction(tenantId, change.agentId));
      await redis.set(key, change.interactionId, 'EX', ttlSeconds);
      await this.bus.publish(RealtimeChannels.eightByEightAgent, [tenantId, change.agentId], {
        agentId: change.agentId,
        interactionId: change.interactionId,
        changedAt,
      });
      return;
    }
    for (const agentId of change.agentIds) {
      const key = this.bus.name(RealtimeKeys.eightByEightAgentInteraction(tenantId, agentId));
      const deleted = (await redis.eval(COMPARE_AND_DELETE, 1, key, change.interactionId)) as number;
      if (deleted) {
        await this.bus.publish(RealtimeChannels.eightByEightAgent, [tenantId, agentId], {
          agentId,
          interactionId: null,
          changedAt,
        });
      }
    }
  }
}
