import { io, type Socket } from 'socket.io-client';
import type { AgentChannelMessage, AgentWorkItemView, ConversationMessage } from '@hub/contracts';
import { tenantJson } from './hub-client';

/** How a simulated agent treats offers. `auto` agents have auto-accept in their router profile. */
export type Behaviour = 'auto' | 'quick' | 'human' | 'decliner' | 'transferrer';

type OfferMsg = Extract<AgentChannelMessage, { kind: 'offer' }>;
type AssignedMsg = Extract<AgentChannelMessage, { kind: 'assigned' }>;

/** Callbacks into the scenario (demo replay or benchmark); `at` is `performance.now()` on receipt. */
export interface SimAgentHooks {
  onOffer?: (agent: SimAgent, msg: OfferMsg, at: number) => void;
  onAssigned?: (agent: SimAgent, msg: AssignedMsg, at: number) => void;
  onUnassigned?: (agent: SimAgent, workItemId: string, reason: string) => void;
  onChat?: (agent: SimAgent, m: ConversationMessage, at: number) => void;
}

interface Ack {
  ok: boolean;
  code?: string;
  error?: string;
  message?: ConversationMessage;
}

/**
 * A simulated agent: a Socket.IO client of the gateway's `/agents` namespace, exactly like the
 * Agent Desktop page, plus the desktop's REST calls (transfer, wrap-up). Behaviour decides how it
 * answers offers: immediately (`quick`), after a human-like 1.5–4 s (`human`), never (`decliner`),
 * or through the router's auto-accept (`auto`).
 */
export class SimAgent {
  socket?: Socket;
  readonly accepted = new Set<string>();
  declines = 0;

  constructor(
    readonly gatewayUrl: string,
    readonly tenantId: string,
    readonly id: string,
    readonly token: string,
    readonly behaviour: Behaviour,
    private readonly hooks: SimAgentHooks,
    private readonly delays: {
      quick: [number, number];
      human: [number, number];
      decline: [number, number];
    } = {
      quick: [300, 1000],
      human: [1500, 4000],
      decline: [300, 800],
    },
  ) {}

  /** Connects and resolves after the first `sync`. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = io(`${this.gatewayUrl}/agents`, {
        auth: { token: this.token },
        transports: ['websocket'],
        reconnection: true,
      });
      this.socket = s;
      s.once('sync', () => resolve());
      s.once('connect_error', reject);
      s.on('agent:event', (m: AgentChannelMessage) => this.onEvent(m, performance.now()));
      s.on('chat:message', (m: ConversationMessage) => this.hooks.onChat?.(this, m, performance.now()));
    });
  }

  private onEvent(m: AgentChannelMessage, at: number): void {
    if (m.kind === 'offer') {
      this.hooks.onOffer?.(this, m, at);
      const w = m.workItem;
      if (this.behaviour === 'decliner') {
        setTimeout(() => void this.decline(w, m.offerId), between(this.delays.decline));
      } else if (this.behaviour !== 'auto') {
        const d = this.behaviour === 'human' ? between(this.delays.human) : between(this.delays.quick);
        setTimeout(() => void this.accept(w, m.offerId), d);
      } else {
        void this.accept(w, m.offerId); // an auto-accept agent whose profile changed still answers
      }
    } else if (m.kind === 'assigned') {
      this.hooks.onAssigned?.(this, m, at);
    } else if (m.kind === 'unassigned') {
      this.hooks.onUnassigned?.(this, m.workItemId, m.reason);
    }
  }

  emit<T = Ack>(event: string, payload?: unknown): Promise<T> {
    return new Promise((resolve) => this.socket?.emit(event, payload, resolve));
  }

  async setPresence(presence: 'online' | 'away' | 'offline'): Promise<Ack> {
    return this.emit('presence:set', { presence });
  }

  async accept(w: AgentWorkItemView, offerId: string): Promise<Ack> {
    const ack = await this.emit('offer:accept', { workItemId: w.workItemId, offerId });
    if (ack.ok) this.accepted.add(w.workItemId);
    return ack;
  }

  async decline(w: AgentWorkItemView, offerId: string): Promise<Ack> {
    this.declines += 1;
    return this.emit('offer:decline', {
      workItemId: w.workItemId,
      offerId,
      reason: 'simulated: busy with a call',
    });
  }

  async send(workItemId: string, text: string): Promise<Ack> {
    return this.emit('chat:send', { workItemId, text });
  }

  async typing(workItemId: string, typing: boolean): Promise<Ack> {
    return this.emit('chat:typing', { workItemId, typing });
  }

  private async rest(path: string, body: unknown): Promise<number> {
    const res = await fetch(`${this.gatewayUrl}/v1/agent/work-items/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** Transfer to a queue (desktop REST). @returns HTTP status (202 expected) */
  transfer(workItemId: string, toQueueId: string, reason: string): Promise<number> {
    return this.rest(`${workItemId}/transfer`, { toQueueId, reason });
  }

  /** Wrap-up (desktop REST). @returns HTTP status (202 expected) */
  complete(workItemId: string, note: string, disposition = 'resolved'): Promise<number> {
    return this.rest(`${workItemId}/complete`, { note, disposition });
  }

  async close(): Promise<void> {
    if (this.socket?.connected) await this.setPresence('offline').catch(() => undefined);
    this.socket?.disconnect();
  }
}

/** Router admin view of the agent's presence. */
export async function routerPresence(routerUrl: string, tenantId: string, agentId: string): Promise<string> {
  return (
    await tenantJson<{ presence: string }>(
      routerUrl,
      'GET',
      `/v1/agents/${encodeURIComponent(agentId)}`,
      tenantId,
    )
  ).body.presence;
}

export function between([lo, hi]: [number, number]): number {
  return lo + Math.random() * (hi - lo);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
