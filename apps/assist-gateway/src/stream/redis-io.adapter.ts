import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';

/** The socket.io Server type @nestjs/platform-socket.io works with. */
type NestIoServer = Parameters<IoAdapter['close']>[0];

/**
 * Socket.IO server with the Redis adapter (`@socket.io/redis-adapter`): a room broadcast on any
 * replica reaches the room's sockets on every replica, over Redis pub/sub channels
 * `<REDIS_NAMESPACE>socket.io#<nsp>#…`. Owns its two Redis connections (publisher, subscriber).
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly pub: Redis;
  private readonly sub: Redis;

  constructor(
    app: INestApplicationContext,
    redisUrl: string,
    private readonly namespace: string,
  ) {
    super(app);
    this.pub = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    this.sub = this.pub.duplicate();
  }

  override createIOServer(port: number, options?: Record<string, unknown>): NestIoServer {
    const server = super.createIOServer(port, { ...options, serveClient: false }) as NestIoServer;
    // @nestjs/platform-socket.io may bundle its own socket.io copy; the adapter API is the same
    server.adapter(createAdapter(this.pub, this.sub, { key: `${this.namespace}socket.io` }) as never);
    return server;
  }

  override async close(server: NestIoServer): Promise<void> {
    await super.close(server);
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }
}
