import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { desktopActionsFor } from '../domain/desktop-actions';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { ASSIST_CONFIG, WIDGET_TOKENS } from '../tokens.di';
import type { AssistGatewayConfig } from '../config';
import { bindingFor, interactionRoom } from '../domain/widget-claims';
import type { WidgetTokenService } from '../tokens/widget-token.service';
import type { WidgetSocket } from './widget-events';
import { AgentInteractionRepository } from './agent-interaction.repository';
import { SuggestionHistoryRepository } from './suggestion-history.repository';

const followKey = (tenantId: string, aid: string) => `${tenantId}\u0000${aid}`;

/**
 * Binds authenticated widget sockets to interaction rooms and keeps them there: fixed interactions
 * from the token, 8x8 agent-only widgets following the agent's current interaction (re-read from
 * Redis on every change notification), session token renewal at half-life, and a snapshot of recent
 * suggestions whenever a socket enters a room.
 */
@Injectable()
export class WidgetSessionsService implements OnApplicationBootstrap {
  /** 8x8 agent-only sockets on this replica, by tenant + aid. */
  private readonly followers = new Map<string, Set<WidgetSocket>>();
  private readonly renewals = new Map<string, NodeJS.Timeout>();

  constructor(
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
    @Inject(WIDGET_TOKENS) private readonly tokens: WidgetTokenService,
    private readonly agents: AgentInteractionRepository,
    private readonly history: SuggestionHistoryRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.agents.onChange((tenantId, aid) => void this.agentChanged(tenantId, aid));
  }

  /** Binds a freshly authenticated socket. */
  async attach(socket: WidgetSocket): Promise<void> {
    const { claims } = socket.data.session;
    await this.sendSession(socket);
    const every = Math.max(15, Math.floor(this.config.SESSION_TOKEN_TTL_S / 2)) * 1000;
    const timer = setInterval(() => void this.sendSession(socket).catch(() => undefined), every);
    timer.unref();
    this.renewals.set(socket.id, timer);

    const binding = bindingFor(claims);
    if (binding.kind === 'interaction') {
      await this.moveTo(socket, binding.interactionId);
      return;
    }
    // follow first, then read: a change announced in between is not missed
    const key = followKey(claims.tid, binding.aid);
    const set = this.followers.get(key) ?? new Set<WidgetSocket>();
    set.add(socket);
    this.followers.set(key, set);
    await this.moveTo(socket, await this.agents.current(claims.tid, binding.aid));
  }

  detach(socket: WidgetSocket): void {
    clearInterval(this.renewals.get(socket.id));
    this.renewals.delete(socket.id);
    const claims = socket.data.session?.claims;
    const ctx = claims?.ctx;
    if (claims && ctx && 'aid' in ctx) {
      const key = followKey(claims.tid, ctx.aid);
      const set = this.followers.get(key);
      set?.delete(socket);
      if (set && set.size === 0) this.followers.delete(key);
    }
  }

  private async agentChanged(tenantId: string, aid: string): Promise<void> {
    const set = this.followers.get(followKey(tenantId, aid));
    if (!set?.size) return;
    try {
      const interactionId = await this.agents.current(tenantId, aid);
      await Promise.all([...set].map((s) => this.moveTo(s, interactionId)));
    } catch (e) {
      this.logger.warn({ tenantId, aid, err: (e as Error).message }, 'could not switch 8x8 widgets');
    }
  }

  /** Leaves the current room, joins the interaction's room (none for null), sends `interaction` + snapshot. */
  private async moveTo(socket: WidgetSocket, interactionId: string | null): Promise<void> {
    const tenantId = socket.data.session.claims.tid;
    const room = interactionId ? interactionRoom(tenantId, interactionId) : undefined;
    if (room === socket.data.room && room !== undefined) return;
    if (socket.data.room) await socket.leave(socket.data.room);
    socket.data.room = room;
    socket.data.interactionId = interactionId;
    if (room) await socket.join(room);
    socket.emit('interaction', { interactionId });
    if (interactionId) {
      const suggestions = await this.history.recent(tenantId, interactionId);
      socket.emit('suggestions.snapshot', { interactionId, suggestions });
    }
  }

  private async sendSession(socket: WidgetSocket): Promise<void> {
    const { claims } = socket.data.session;
    const signed = await this.tokens.sign({ ...claims, use: 'session' }, this.config.SESSION_TOKEN_TTL_S);
    socket.emit('session', {
      token: signed.token,
      expiresAt: signed.expiresAt,
      tenantId: claims.tid,
      agentId: claims.sub,
      provider: claims.provider,
      actions: desktopActionsFor(claims.provider),
    });
  }
}
