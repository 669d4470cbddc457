import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { z } from 'zod';

/** A typed Redis channel family (see `RealtimeChannels` in @hub/contracts). */
export interface TypedChannel<S extends z.ZodTypeAny, P extends unknown[]> {
  channel: (...params: P) => string;
  pattern: string;
  schema: S;
}

/**
 * Redis pub/sub with typed, validated channels. One connection publishes; a second one (Redis
 * requires a dedicated connection in subscriber mode) pattern-subscribes. Pub/sub is at-most-once:
 * clients must resynchronise from PostgreSQL on (re)connect.
 * `namespace` prefixes every channel (isolated test runs).
 *
 * Healing: both connections reconnect on their own (ioredis `retryStrategy`, capped backoff) and the
 * subscriber re-subscribes its patterns (`autoResubscribe`). Whatever was published while the subscriber
 * was disconnected is lost, so after every reconnect the listeners registered with {@link onResync} are
 * called: they must resynchronise the clients they serve from PostgreSQL. {@link health} reports both
 * connections.
 */
export class RealtimeBus {
  readonly publisher: Redis;
  private subscriber?: Redis;
  private readonly handlers = new Map<string, (channel: string, message: string) => void>();
  private readonly resyncListeners: ((reason: string) => void)[] = [];
  private subscriberLost = false;
  /** Times the subscriber came back after losing its connection. */
  resyncs = 0;

  constructor(
    private readonly url: string,
    readonly namespace: string,
    private readonly logger: Logger,
  ) {
    this.publisher = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 3,
      enableAutoPipelining: true,
      retryStrategy: reconnectDelay,
      connectTimeout: 3000,
    });
    this.publisher.on('error', (e) => logger.warn({ err: e.message }, 'redis publisher error'));
  }

  /** Physical channel name. */
  name(channel: string): string {
    return `${this.namespace}${channel}`;
  }

  /**
   * Validates and publishes a message on a channel of a typed family.
   * @returns number of subscribers that received it
   * @throws ZodError if the payload does not match the channel schema
   */
  async publish<S extends z.ZodTypeAny, P extends unknown[]>(
    family: TypedChannel<S, P>,
    params: P,
    payload: z.infer<S>,
  ): Promise<number> {
    const valid = family.schema.parse(payload);
    return this.publisher.publish(this.name(family.channel(...params)), JSON.stringify(valid));
  }

  /** Publishes pre-serialized messages in one pipeline (used by the outbox relay). */
  async publishRaw(messages: { channel: string; payload: string }[]): Promise<void> {
    if (!messages.length) return;
    const pipeline = this.publisher.pipeline();
    for (const m of messages) pipeline.publish(this.name(m.channel), m.payload);
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  /**
   * Pattern-subscribes to a typed family. Invalid messages are logged and dropped.
   * @param handler receives the logical channel name (without namespace) and the parsed payload
   */
  async subscribe<S extends z.ZodTypeAny, P extends unknown[]>(
    family: TypedChannel<S, P>,
    handler: (channel: string, payload: z.infer<S>) => void,
  ): Promise<void> {
    const sub = await this.subscriberConnection();
    const pattern = this.name(family.pattern);
    this.handlers.set(pattern, (channel, message) => {
      let data: unknown;
      try {
        data = JSON.parse(message);
      } catch {
        this.logger.warn({ channel }, 'dropping non-JSON realtime message');
        return;
      }
      const parsed = family.schema.safeParse(data);
      if (!parsed.success) {
        this.logger.warn(
          { channel, issues: parsed.error.issues.slice(0, 3) },
          'dropping invalid realtime message',
        );
        return;
      }
      handler(channel.slice(this.namespace.length), parsed.data);
    });
    await sub.psubscribe(pattern);
  }

  private async subscriberConnection(): Promise<Redis> {
    if (this.subscriber) return this.subscriber;
    const sub = new Redis(this.url, {
      lazyConnect: true,
      autoResubscribe: true,
      connectionName: `${this.namespace.replace(/[^a-zA-Z0-9]/g, '_')}sub`,
      retryStrategy: reconnectDelay,
      connectTimeout: 3000,
    });
    sub.on('error', (e) => this.logger.warn({ err: e.message }, 'redis subscriber error'));
    sub.on('close', () => {
      if (this.subscriber) this.subscriberLost = true;
    });
    sub.on('ready', () => {
      if (!this.subscriberLost) return;
      this.subscriberLost = false;
      // 'ready' fires before ioredis re-sends PSUBSCRIBE; wait for the resubscription to be acknowledged
      // (a PING on a subscriber connection is answered in order) before asking for a resync.
      void sub
        .ping()
        .catch(() => undefined)
        .then(() => {
          this.resyncs += 1;
          this.logger.warn('redis subscriber reconnected; asking listeners to resynchronise');
          for (const l of this.resyncListeners) {
            try {
              l('redis_subscriber_reconnected');
            } catch (e) {
              this.logger.error({ err: (e as Error).message }, 'resync listener failed');
            }
          }
        });
    });
    sub.on('pmessage', (pattern: string, channel: string, message: string) =>
      this.handlers.get(pattern)?.(channel, message),
    );
    await sub.connect();
    this.subscriber = sub;
    return sub;
  }

  /**
   * Registers a listener called after the subscriber reconnected (messages may have been missed while it
   * was away): resynchronise the clients you serve from the source of truth. Not called for the first connect.
   */
  onResync(listener: (reason: string) => void): void {
    this.resyncListeners.push(listener);
  }

  /** PING round trip on the publisher; fails while the subscriber (if any) is not connected and subscribed. */
  async ping(): Promise<void> {
    await this.publisher.ping();
    const h = this.health();
    if (!h.ok) throw new Error(h.reason);
  }

  /** Connection states (`ready`, `reconnecting`, …) of the publisher and the subscriber. */
  health(): { ok: boolean; reason?: string } {
    if (this.publisher.status !== 'ready') return { ok: false, reason: `publisher ${this.publisher.status}` };
    if (this.subscriber && (this.subscriber.status !== 'ready' || this.subscriberLost))
      return { ok: false, reason: `subscriber ${this.subscriber.status}` };
    return { ok: true };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.publisher.quit(), this.subscriber?.quit()]);
  }
}

/** ioredis retryStrategy: reconnect forever, 50 ms × attempt capped at 1 s (a restarted Redis is used within a second). */
function reconnectDelay(times: number): number {
  return Math.min(times * 50, 1000);
}
