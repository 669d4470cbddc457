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
 */
export class RealtimeBus {
  readonly publisher: Redis;
  private subscriber?: Redis;
  private readonly handlers = new Map<string, (channel: string, message: string) => void>();

  constructor(
    private readonly url: string,
    readonly namespace: string,
    private readonly logger: Logger,
  ) {
    this.publisher = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 3,
      enableAutoPipelining: true,
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
    const sub = new Redis(this.url, { lazyConnect: true });
    sub.on('error', (e) => this.logger.warn({ err: e.message }, 'redis subscriber error'));
    sub.on('pmessage', (pattern: string, channel: string, message: string) =>
      this.handlers.get(pattern)?.(channel, message),
    );
    await sub.connect();
    this.subscriber = sub;
    return sub;
  }

  /** PING round trip. */
  async ping(): Promise<void> {
    await this.publisher.ping();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.publisher.quit(), this.subscriber?.quit()]);
  }
}
