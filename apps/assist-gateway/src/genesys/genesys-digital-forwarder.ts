import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { ASSIST_CONFIG } from '../tokens.di';
import type { AssistGatewayConfig } from '../config';
import { forwardedUtteranceEvent } from '../domain/forwarded-utterance';
import type { WidgetClaims } from '../domain/widget-claims';
import { ConversationEventsPublisher } from '../forwarding/conversation-events.publisher';
import type { GrantOwner } from './genesys-agent-token.repository';
import { GenesysApiError, GenesysConversationsClient } from './genesys-conversations.client';
import type { GenesysOAuthIntegration } from './genesys-integration.repository';
import {
  GenesysNotificationsClient,
  type NotificationFrame,
  type OpenChannel,
} from './genesys-notifications.client';

/** The Notification API topic of a conversation's messages. */
export function conversationMessagesTopic(conversationId: string): string {
  return `v2.conversations.${conversationId}.messages`;
}

interface Subscription {
  owner: GrantOwner;
  apiBaseUrl: string;
  accessToken: string;
  channel?: OpenChannel;
  seen: Set<string>;
  stopped: boolean;
  reconnects: number;
  expiresAt: number;
}

const MAX_RECONNECTS = 5;

/**
 * Genesys digital path (seed 001 "Digital", issue 16): after an agent signs in to the widget for a
 * web-messaging conversation, the gateway subscribes to `v2.conversations.{id}.messages` over the
 * Notification API with the agent's own token ({@link GenesysNotificationsClient}) and forwards each
 * message to Agent Assist as a final `utterance` on `hub.conversation.events.v1` — no manual forward
 * from the desktop. A notification names the messages (`participants[].messages[].messages[].messageId`);
 * the text is read with `GET /api/v2/conversations/messages/{id}/messages/{messageId}` (`direction`
 * inbound → customer, outbound → agent). The utterance id is `genesys:<messageId>`, so the event id
 * (UUID v5 of tenant + conversation + utterance id) is the same when a message is seen twice (a
 * second replica, a re-subscription, the desktop forwarding it too) and consumers drop the repeat.
 *
 * One subscription per tenant + agent + conversation on the replica that completed the sign-in;
 * a dead socket (no frame for GENESYS_NOTIFICATIONS_IDLE_TIMEOUT_S, `v2.system.socket_closing`, or a
 * close) re-creates the channel, up to 5 times in a row; it ends when the agent's communication is
 * disconnected, the token expires or is refused (401), or the service stops. After a re-creation the
 * conversation is read once, so messages sent while the socket was down are forwarded too. Known limit: a replica
 * restart ends its subscriptions until the agent signs in again.
 */
@Injectable()
export class GenesysDigitalForwarder implements OnModuleDestroy {
  private readonly subs = new Map<string, Subscription>();

  constructor(
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
    private readonly notifications: GenesysNotificationsClient,
    private readonly api: GenesysConversationsClient,
    private readonly publisher: ConversationEventsPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private static key(o: GrantOwner): string {
    return `${o.tenantId}\u0000${o.userId}\u0000${o.conversationId}`;
  }

  /** Number of live subscriptions (for tests and metrics). */
  get active(): number {
    return this.subs.size;
  }

  /**
   * Starts forwarding the conversation's messages (no-op when the integration has
   * `digitalForwarding` off or no `apiBaseUrl`). A new sign-in for a running subscription only
   * replaces its token. Resolves once the channel is subscribed and connected.
   * @param ttlSeconds lifetime of the token (`expires_in`); the subscription ends with it
   * @throws the channel set-up failure (the caller logs it; the sign-in itself is not affected)
   */
  async start(
    owner: GrantOwner,
    integration: GenesysOAuthIntegration,
    accessToken: string,
    ttlSeconds = 86_400,
  ): Promise<void> {
    if (!integration.config.digitalForwarding || !integration.config.apiBaseUrl) return;
    const key = GenesysDigitalForwarder.key(owner);
    const running = this.subs.get(key);
    const expiresAt = Date.now() + ttlSeconds * 1000;
    if (running) {
      running.accessToken = accessToken;
      running.expiresAt = expiresAt;
      return;
    }
    const sub: Subscription = {
      owner,
      apiBaseUrl: integration.config.apiBaseUrl,
      accessToken,
      seen: new Set(),
      stopped: false,
      reconnects: 0,
      expiresAt,
    };
    this.subs.set(key, sub);
    try {
      await this.open(sub);
    } catch (e) {
      this.stop(sub, 'set-up failed');
      throw e;
    }
  }

  private async open(sub: Subscription): Promise<void> {
    const topic = conversationMessagesTopic(sub.owner.conversationId);
    const { channelId, connectUri } = await this.notifications.createChannel(
      sub.apiBaseUrl,
      sub.accessToken,
      [topic],
    );
    if (sub.stopped) return;
    sub.channel = await this.notifications.connect(channelId, connectUri, {
      pingIntervalMs: this.config.GENESYS_NOTIFICATIONS_PING_INTERVAL_S * 1000,
      idleTimeoutMs: this.config.GENESYS_NOTIFICATIONS_IDLE_TIMEOUT_S * 1000,
      onFrame: (f) => void this.onFrame(sub, topic, f),
      onClose: (unexpected) => {
        if (unexpected && !sub.stopped) void this.reopen(sub);
      },
    });
    this.logger.info(
      { tenantId: sub.owner.tenantId, interactionId: sub.owner.conversationId, channelId },
      'Genesys notification channel subscribed',
    );
  }

  private async reopen(sub: Subscription): Promise<void> {
    sub.channel = undefined;
    if (Date.now() >= sub.expiresAt) return this.stop(sub, 'token expired');
    if (++sub.reconnects > MAX_RECONNECTS) return this.stop(sub, 'too many reconnects');
    try {
      await new Promise((r) => setTimeout(r, Math.min(1000 * sub.reconnects, 5000)).unref());
      if (sub.stopped) return;
      await this.open(sub);
      await this.catchUp(sub);
    } catch (e) {
      if (e instanceof GenesysApiError && e.reason === 'token_refused')
        return this.stop(sub, 'token refused');
      this.logger.warn(
        { err: (e as Error).message, tenantId: sub.owner.tenantId },
        'Genesys channel reconnect failed',
      );
      void this.reopen(sub);
    }
  }

  private stop(sub: Subscription, why: string): void {
    if (sub.stopped) return;
    sub.stopped = true;
    sub.channel?.close();
    this.subs.delete(GenesysDigitalForwarder.key(sub.owner));
    this.logger.info(
      { tenantId: sub.owner.tenantId, interactionId: sub.owner.conversationId, why },
      'Genesys digital forwarding stopped',
    );
  }

  private async onFrame(sub: Subscription, topic: string, f: NotificationFrame): Promise<void> {
    if (f.topicName === 'v2.system.socket_closing') {
      sub.channel?.close();
      return this.reopen(sub);
    }
    if (f.topicName !== topic) return; // channel.metadata heartbeats / pongs
    sub.reconnects = 0;
    await this.ingest(sub, f.eventBody);
  }

  /**
   * Messages sent while the channel was down (between `socket_closing` or a dead socket and the new
   * subscription) reach no notification: after a re-subscription the conversation is read once
   * (`GET /api/v2/conversations/{id}`, the same `participants[].messages[].messages[]` shape) and every
   * message not yet seen is forwarded. A failed read is logged; the next notification lists them again.
   */
  private async catchUp(sub: Subscription): Promise<void> {
    try {
      const { json } = await this.api.call(
        sub.apiBaseUrl,
        sub.accessToken,
        'GET',
        `/api/v2/conversations/${encodeURIComponent(sub.owner.conversationId)}`,
      );
      await this.ingest(sub, json);
    } catch (e) {
      this.logger.warn(
        { err: (e as Error).message, tenantId: sub.owner.tenantId, interactionId: sub.owner.conversationId },
        'could not read the Genesys conversation after a reconnect',
      );
    }
  }

  /** Forwards the messages of a conversation body not seen yet; stops when the agent is disconnected. */
  private async ingest(sub: Subscription, eventBody: unknown): Promise<void> {
    if (sub.stopped) return;
    const body = (eventBody ?? {}) as {
      participants?: {
        userId?: string;
        purpose?: string;
        messages?: { state?: string; messages?: { messageId?: string }[] }[];
      }[];
    };
    const participants = Array.isArray(body.participants) ? body.participants : [];
    const ids: string[] = [];
    for (const p of participants)
      for (const comm of p.messages ?? [])
        for (const m of comm.messages ?? []) if (typeof m.messageId === 'string') ids.push(m.messageId);
    for (const id of ids) {
      if (sub.seen.has(id)) continue;
      sub.seen.add(id);
      try {
        await this.forward(sub, id);
      } catch (e) {
        sub.seen.delete(id); // the next notification of the conversation retries it
        this.logger.warn(
          {
            err: (e as Error).message,
            tenantId: sub.owner.tenantId,
            interactionId: sub.owner.conversationId,
          },
          'could not forward a Genesys message',
        );
      }
    }
    const agent = participants.filter((p) => p.userId === sub.owner.userId);
    if (agent.length && agent.every((p) => (p.messages ?? []).every((c) => c.state === 'disconnected')))
      this.stop(sub, 'agent disconnected');
  }

  private async forward(sub: Subscription, messageId: string): Promise<void> {
    const m = await this.api.getMessage(sub.apiBaseUrl, sub.accessToken, sub.owner.conversationId, messageId);
    const text = (m.textBody ?? '').trim();
    if (!text) return; // media-only / typing events carry no text for retrieval
    const claims: WidgetClaims = {
      tid: sub.owner.tenantId,
      sub: sub.owner.userId,
      provider: 'genesys',
      interactionId: sub.owner.conversationId,
      use: 'session',
    };
    const occurredAt =
      m.timestamp && !Number.isNaN(Date.parse(m.timestamp)) ? new Date(m.timestamp).toISOString() : undefined;
    const event = forwardedUtteranceEvent(claims, sub.owner.conversationId, {
      speaker: m.direction === 'outbound' ? 'agent' : 'customer',
      text: text.slice(0, 20_000),
      messageId: `genesys:${messageId}`,
      ...(occurredAt ? { occurredAt } : {}),
    });
    await this.publisher.publish(event);
  }

  onModuleDestroy(): void {
    for (const sub of [...this.subs.values()]) this.stop(sub, 'service stopping');
  }
}
