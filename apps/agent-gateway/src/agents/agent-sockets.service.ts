import { Injectable } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { agentRoom, type AgentAddress } from '../domain/agent-channel';

/** Socket.IO events the gateway emits to agents (server → client). */
export const AgentServerEvents = {
  /** Full inbox after (re)connect or on request: `{ offers, assigned, at }`. */
  sync: 'sync',
  /** A message of the agent's realtime channel (offer, offer_revoked, assigned, unassigned, presence). */
  agentEvent: 'agent:event',
  /** A live chat message (ConversationMessage). */
  chatMessage: 'chat:message',
  /** Typing indicator `{ conversationId, workItemId, role, typing }`. */
  chatTyping: 'chat:typing',
} as const;

/**
 * The agent namespace's sockets on this replica. Every socket joins its agent's room, so emitting
 * to an agent reaches all of that agent's tabs and devices connected here.
 */
@Injectable()
export class AgentSockets {
  private nsp?: Namespace;

  attach(nsp: Namespace): void {
    this.nsp = nsp;
  }

  /** Emits to every socket of the agent on this replica. */
  emitToAgent(agent: AgentAddress, event: string, payload: unknown): void {
    this.nsp?.to(agentRoom(agent)).emit(event, payload);
  }

  /** Every socket connected to this replica's agent namespace. */
  all(): Socket[] {
    return this.nsp ? [...this.nsp.sockets.values()] : [];
  }

  /** Disconnects every socket (shutdown). */
  closeAll(): void {
    this.nsp?.disconnectSockets(true);
  }
}
