import { Inject, Injectable } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import { PresenceSchema } from '@hub/contracts';
import { LOGGER, withLogContext } from '@hub/observability';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import { AGENT_TOKEN_VERIFIER } from '../auth/agent-auth.guard';
import type { AgentPrincipal, AgentTokenVerifier } from '../auth/agent-token.verifier';
import { ChatService } from '../conversations/chat.service';
import { agentRoom } from '../domain/agent-channel';
import { NotVisibleError, WrongStateError } from '../domain/errors';
import { parseOrAck, type Ack } from '../common/zod';
import { AgentPresenceService } from '../presence/agent-presence.service';
import { AgentWorkItemsService } from '../work-items/agent-work-items.service';
import { AgentServerEvents, AgentSockets } from './agent-sockets.service';

/** Socket.IO namespace of the Agent Desktop. */
export const AGENT_NAMESPACE = '/agents';

const PresenceBody = z.object({ presence: PresenceSchema });
const AcceptBody = z.object({ workItemId: z.uuid(), offerId: z.uuid().optional() });
const DeclineBody = AcceptBody.extend({ reason: z.string().max(500).optional() });
const SendBody = z.object({
  workItemId: z.uuid(),
  text: z.string().trim().min(1).max(20_000),
  clientMessageId: z.uuid().optional(),
});
const TypingBody = z.object({ workItemId: z.uuid(), typing: z.boolean() });

type AgentSocket = Socket & { data: { principal: AgentPrincipal; expiryTimer?: NodeJS.Timeout } };

/**
 * The agents' real-time connection (Socket.IO namespace `/agents`).
 *
 * Handshake: `auth: { token: <agent JWT> }`; a bad token fails the connection with
 * `connect_error` naming the problem. Every socket joins its agent's room and immediately receives
 * `sync` (`{ offers, assigned, at }` from PostgreSQL) — Redis pub/sub drops what a disconnected client
 * missed. Every connected socket gets `sync` again after the gateway's Redis subscriber reconnected
 * ({@link AgentGateway.resyncAll}). The socket is closed when the token expires.
 *
 * Client → server (each answers through the Socket.IO ack, `{ ok: true, … }` or
 * `{ ok: false, code: invalid|not_found|conflict|error, error }`):
 * `presence:set {presence}`, `offer:accept {workItemId, offerId?}`, `offer:decline {workItemId, offerId?, reason?}`,
 * `chat:send {workItemId, text, clientMessageId?}`, `chat:typing {workItemId, typing}`, `sync`.
 * Server → client: `sync`, `agent:event` (offer, offer_revoked, assigned, unassigned, presence),
 * `chat:message`, `chat:typing`.
 *
 * Presence is per agent, across all their sockets on all replicas ({@link AgentPresenceService}): the
 * agent is set offline only when their last connection anywhere is gone (after
 * PRESENCE_OFFLINE_GRACE_MS, or PRESENCE_CONNECTION_TTL_MS after a replica died).
 */
@Injectable()
@WebSocketGateway({ namespace: AGENT_NAMESPACE, cors: { origin: true, credentials: true } })
export class AgentGateway
  implements OnGatewayInit<Namespace>, OnGatewayConnection<AgentSocket>, OnGatewayDisconnect<AgentSocket>
{
  constructor(
    @Inject(AGENT_TOKEN_VERIFIER) private readonly verifier: AgentTokenVerifier,
    @Inject(AgentSockets) private readonly sockets: AgentSockets,
    @Inject(AgentWorkItemsService) private readonly items: AgentWorkItemsService,
    @Inject(ChatService) private readonly chat: ChatService,
    @Inject(AgentPresenceService) private readonly agentPresence: AgentPresenceService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
  ) {}

  afterInit(nsp: Namespace): void {
    this.sockets.attach(nsp);
    // Offers and assignments published while the Redis subscriber was away never reached the sockets.
    this.bus.onResync((reason) => void this.resyncAll(reason));
    nsp.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown } | undefined;
      const token = typeof auth?.token === 'string' ? auth.token : undefined;
      this.verifier.verify(token).then(
        (principal) => {
          (socket as AgentSocket).data.principal = principal;
          next();
        },
        (e: Error) => next(new Error(e.message)),
      );
    });
  }

  async handleConnection(socket: AgentSocket): Promise<void> {
    const p = socket.data.principal;
    const tracked = this.agentPresence
      .connected(p, socket.id)
      .catch((e: Error) =>
        this.logger.warn({ err: e.message, agentId: p.agentId }, 'presence on connect failed'),
      );
    await socket.join(agentRoom(p));
    if (p.expiresAt) {
      const ms = Math.max(0, p.expiresAt - Date.now());
      socket.data.expiryTimer = setTimeout(() => socket.disconnect(true), Math.min(ms, 2 ** 31 - 1));
    }
    try {
      socket.emit(AgentServerEvents.sync, await this.snapshot(p));
    } catch (e) {
      this.logger.warn({ err: (e as Error).message, agentId: p.agentId }, 'resync on connect failed');
    }
    await tracked;
  }

  async handleDisconnect(socket: AgentSocket): Promise<void> {
    clearTimeout(socket.data.expiryTimer);
    const p = socket.data.principal;
    if (!p) return;
    await this.agentPresence
      .disconnected(p, socket.id)
      .catch((e: Error) =>
        this.logger.warn({ err: e.message, agentId: p.agentId }, 'presence on disconnect failed'),
      );
  }

  @SubscribeMessage('presence:set')
  presence(@ConnectedSocket() s: AgentSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.run(s, PresenceBody, body, async (p, b) => {
      await this.agentPresence.set(p, b.presence);
      return {};
    });
  }

  @SubscribeMessage('offer:accept')
  accept(
    @ConnectedSocket() s: AgentSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ commandId: string | null }>> {
    return this.run(s, AcceptBody, body, (p, b) => this.items.accept(p, b));
  }

  @SubscribeMessage('offer:decline')
  decline(
    @ConnectedSocket() s: AgentSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ commandId: string }>> {
    return this.run(s, DeclineBody, body, (p, b) => this.items.decline(p, b));
  }

  @SubscribeMessage('chat:send')
  send(@ConnectedSocket() s: AgentSocket, @MessageBody() body: unknown): Promise<Ack<{ message: unknown }>> {
    return this.run(s, SendBody, body, async (p, b) => ({ message: await this.chat.sendText(p, b) }));
  }

  @SubscribeMessage('chat:typing')
  typing(@ConnectedSocket() s: AgentSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.run(s, TypingBody, body, async (p, b) => {
      await this.chat.sendTyping(p, b);
      return {};
    });
  }

  @SubscribeMessage('sync')
  sync(@ConnectedSocket() s: AgentSocket): Promise<Ack<Awaited<ReturnType<AgentGateway['snapshot']>>>> {
    return this.run(s, z.unknown(), undefined, (p) => this.snapshot(p));
  }

  /**
   * Sends `sync` (a fresh snapshot from PostgreSQL) to every agent socket on this replica — after the
   * Redis subscriber reconnected, so the offers made during the outage reach the agents.
   * @returns sockets resynchronised
   */
  async resyncAll(reason: string): Promise<number> {
    const sockets = this.sockets.all() as AgentSocket[];
    let n = 0;
    await Promise.all(
      sockets.map(async (s) => {
        const p = s.data.principal;
        if (!p) return;
        try {
          s.emit(AgentServerEvents.sync, await this.snapshot(p));
          n += 1;
        } catch (e) {
          this.logger.warn({ err: (e as Error).message, agentId: p.agentId, reason }, 'resync failed');
        }
      }),
    );
    this.logger.info({ reason, sockets: n }, 'resynchronised connected agents');
    return n;
  }

  /** The resync payload: live offers, assigned items and the presence the router recorded. */
  private async snapshot(p: AgentPrincipal) {
    const [inbox, presence] = await Promise.all([this.items.inbox(p), this.items.presence(p)]);
    return { ...inbox, presence, at: new Date().toISOString() };
  }

  /** Validates the payload, runs the use case with the socket's principal and maps errors to the ack. */
  private async run<S extends z.ZodTypeAny, R extends object>(
    socket: AgentSocket,
    schema: S,
    body: unknown,
    fn: (p: AgentPrincipal, b: z.infer<S>) => Promise<R>,
  ): Promise<Ack<R>> {
    const parsed = parseOrAck(schema, body);
    if (!parsed.ok) return parsed;
    const p = socket.data.principal;
    return withLogContext({ tenantId: p.tenantId }, async () => {
      try {
        return { ok: true as const, ...(await fn(p, parsed.data)) };
      } catch (e) {
        if (e instanceof NotVisibleError || e instanceof WrongStateError)
          return { ok: false as const, code: e.code, error: e.message };
        this.logger.error({ err: (e as Error).message, agentId: p.agentId }, 'socket command failed');
        return { ok: false as const, code: 'error', error: 'internal error' };
      }
    });
  }
}
