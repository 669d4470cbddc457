import { Injectable } from '@nestjs/common';
import WebSocket from 'ws';
import { OutboundHttp, pinnedLookup } from '@hub/integrations';
import { GenesysConversationsClient } from './genesys-conversations.client';

/** One frame of a Notification API channel: `{topicName, version?, eventBody}`. */
export interface NotificationFrame {
  topicName: string;
  version?: string;
  eventBody?: unknown;
}

/** An open channel WebSocket. */
export interface OpenChannel {
  readonly channelId: string;
  /** Closes the WebSocket (no `onClose(unexpected)` afterwards). */
  close(): void;
}

/**
 * The Genesys Cloud Notification API (developer.genesys.cloud "Notifications"; platform-client-sdk
 * `NotificationsApi`), as a user — the agent's own token:
 *  1. `POST /api/v2/notifications/channels` → `{id, connectUri, expires}` (`postNotificationsChannels`);
 *  2. `PUT /api/v2/notifications/channels/{channelId}/subscriptions` `[{id: topic}]` (`putNotificationsChannelSubscriptions`);
 *  3. a WebSocket to `connectUri` carrying `{topicName, version, eventBody}` frames. Heartbeats: the
 *     client sends `{"message":"ping"}` and the service answers on `channel.metadata` (`{"message":"pong"}`);
 *     the service also sends `channel.metadata` heartbeats of its own and `v2.system.socket_closing`
 *     before it closes a socket.
 * The connect URI is vetted by the outbound URL policy like every other tenant-reachable address, and
 * the WebSocket is pinned to the vetted addresses (`pinnedLookup`).
 */
@Injectable()
export class GenesysNotificationsClient {
  constructor(
    private readonly api: GenesysConversationsClient,
    private readonly outbound: OutboundHttp,
  ) {}

  /** Creates a channel and subscribes it to `topics` (replacing any subscriptions). */
  async createChannel(
    apiBaseUrl: string,
    accessToken: string,
    topics: readonly string[],
  ): Promise<{ channelId: string; connectUri: string }> {
    const { json } = await this.api.call(
      apiBaseUrl,
      accessToken,
      'POST',
      '/api/v2/notifications/channels',
      {},
    );
    const channelId = json['id'];
    const connectUri = json['connectUri'];
    if (typeof channelId !== 'string' || typeof connectUri !== 'string')
      throw new Error('Genesys POST /api/v2/notifications/channels: no id / connectUri in the answer');
    await this.api.call(
      apiBaseUrl,
      accessToken,
      'PUT',
      `/api/v2/notifications/channels/${encodeURIComponent(channelId)}/subscriptions`,
      topics.map((id) => ({ id })),
    );
    return { channelId, connectUri };
  }

  /**
   * Opens the channel's WebSocket; resolves once connected.
   * @param opts.pingIntervalMs how often to send `{"message":"ping"}`
   * @param opts.idleTimeoutMs no frame for this long → the socket is closed as dead (`onClose(true)`)
   * @param opts.onClose called once when the socket ends; `unexpected` is false after {@link OpenChannel.close}
   * @throws OutboundUrlRefusedError (policy) or the connection error
   */
  async connect(
    channelId: string,
    connectUri: string,
    opts: {
      pingIntervalMs: number;
      idleTimeoutMs: number;
      onFrame: (f: NotificationFrame) => void;
      onClose: (unexpected: boolean) => void;
    },
  ): Promise<OpenChannel> {
    const target = await this.outbound.vet(connectUri);
    const ws = new WebSocket(connectUri, {
      handshakeTimeout: 10_000,
      lookup: pinnedLookup(target.addresses) as never,
      followRedirects: false,
    });
    let closedByUs = false;
    let lastFrameAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => undefined); // 'close' follows
    ws.on('message', (data) => {
      lastFrameAt = Date.now();
      let frame: NotificationFrame;
      try {
        frame = JSON.parse(String(data)) as NotificationFrame;
      } catch {
        return;
      }
      if (frame && typeof frame.topicName === 'string') opts.onFrame(frame);
    });
    timer = setInterval(() => {
      if (Date.now() - lastFrameAt > opts.idleTimeoutMs) {
        ws.terminate();
        return;
      }
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ message: 'ping' }));
    }, opts.pingIntervalMs);
    timer.unref();
    ws.once('close', () => {
      clearInterval(timer);
      timer = undefined;
      opts.onClose(!closedByUs);
    });
    return {
      channelId,
      close: () => {
        closedByUs = true;
        ws.close(1000);
      },
    };
  }
}
