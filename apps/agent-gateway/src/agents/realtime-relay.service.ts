import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { RealtimeChannels } from '@hub/contracts';
import { LOGGER, METRICS } from '@hub/observability';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import { parseAgentChannel } from '../domain/agent-channel';
import { EventDeduper } from '../domain/event-deduper';
import { ChatChannels } from '../conversations/chat-channel';
import { AgentServerEvents, AgentSockets } from './agent-sockets.service';
import { GATEWAY_CONFIG } from '../tokens';
import type { GatewayConfig } from '../config';

/**
 * Relays Redis pub/sub to agents' sockets the moment it arrives:
 *  - the router's per-agent channel (`RealtimeChannels.agent`: offers, revocations, assignments,
 *    presence) → `agent:event`, de-duplicated by `eventId` per agent (the outbox relay is
 *    at-least-once; agents see each event once);
 *  - the gateway's chat fan-out (`ChatChannels.agent`) → `chat:message` (de-duplicated by message
 *    id) / `chat:typing`.
 * Pub/sub drops what arrives while nobody listens; sockets resynchronise from PostgreSQL on connect.
 */
@Injectable()
export class RealtimeRelay implements OnApplicationBootstrap {
  private readonly deduper: EventDeduper;
  private readonly relayed: Counter;
  private readonly duplicates: Counter;

  constructor(
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
    @Inject(AgentSockets) private readonly sockets: AgentSockets,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.deduper = new EventDeduper(config.OFFER_DEDUPE_CAPACITY);
    this.relayed = new Counter({
      name: 'gateway_agent_events_relayed_total',
      help: 'Agent channel events emitted to sockets, by kind',
      labelNames: ['kind'],
      registers: [metrics],
    });
    this.duplicates = new Counter({
      name: 'gateway_agent_events_duplicate_total',
      help: 'Agent channel events and chat messages dropped as duplicates (same eventId / messageId)',
      registers: [metrics],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.subscribe(RealtimeChannels.agent, (channel, msg) => {
      const addr = parseAgentChannel(channel);
      if (!addr) return;
      if (!this.deduper.firstSeen(`${addr.tenantId}:${addr.agentId}`, msg.eventId)) {
        this.duplicates.inc();
        return;
      }
      this.relayed.inc({ kind: msg.kind });
      this.sockets.emitToAgent(addr, AgentServerEvents.agentEvent, msg);
    });
    await this.bus.subscribe(ChatChannels.agent, (channel, msg) => {
      const addr = parseAgentChannel(channel, 'hub:gw:t:');
      if (!addr) return;
      if (msg.kind === 'message') {
        // Inbound messages are fanned out again on a Kafka redelivery; the agent sees each once.
        if (!this.deduper.firstSeen(`${addr.tenantId}:${addr.agentId}`, `chat:${msg.message.messageId}`)) {
          this.duplicates.inc();
          return;
        }
        this.sockets.emitToAgent(addr, AgentServerEvents.chatMessage, msg.message);
      } else
        this.sockets.emitToAgent(addr, AgentServerEvents.chatTyping, {
          conversationId: msg.conversationId,
          workItemId: msg.workItemId,
          role: msg.role,
          typing: msg.typing,
        });
    });
    this.logger.info('realtime relay subscribed');
  }
}
