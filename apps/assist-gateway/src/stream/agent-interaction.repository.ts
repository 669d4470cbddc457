import { Inject, Injectable } from '@nestjs/common';
import { RealtimeChannels, RealtimeKeys } from '@hub/contracts';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import { parseEightByEightAgentChannel } from '../domain/eight-by-eight';

/**
 * 8x8 agent → current interaction, as connector-8x8 records it in Redis:
 * key {@link RealtimeKeys.eightByEightAgentInteraction} (the record) and channel
 * {@link RealtimeChannels.eightByEightAgent} (change notifications). Names carry REDIS_NAMESPACE.
 */
@Injectable()
export class AgentInteractionRepository {
  constructor(@Inject(REALTIME_BUS) private readonly bus: RealtimeBus) {}

  /** The interaction the 8x8 agent is handling now, or null. */
  async current(tenantId: string, aid: string): Promise<string | null> {
    const v = await this.bus.publisher.get(
      this.bus.name(RealtimeKeys.eightByEightAgentInteraction(tenantId, aid)),
    );
    return v || null;
  }

  /** Calls `handler(tenantId, aid)` whenever connector-8x8 announces a change for an agent. */
  async onChange(handler: (tenantId: string, aid: string) => void): Promise<void> {
    await this.bus.subscribe(RealtimeChannels.eightByEightAgent, (channel) => {
      const parsed = parseEightByEightAgentChannel(channel);
      if (parsed) handler(parsed.tenantId, parsed.aid);
    });
  }
}
