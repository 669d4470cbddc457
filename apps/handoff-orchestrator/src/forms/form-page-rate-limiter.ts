import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Options of {@link FormPageRateLimiter}. */
export interface FormPageRateLimiterOptions {
  redisUrl: string;
  /** Prefix of Redis keys (REDIS_NAMESPACE). */
  keyPrefix: string;
  /** Page requests (GET + POST) per client IP per minute. */
  perIpPerMinute: number;
  /** Submit attempts per link per 10 minutes. */
  submitsPerLink: number;
}

/**
 * Rate limits of the public form page (no credential, so the hub's per-credential limits do not bind it):
 * requests per client IP per minute, and submit attempts per link per 10 minutes (guessing values of a
 * pattern-checked field). Shared by replicas through Redis (`rate-limiter-flexible`), an in-memory
 * limiter while Redis is unreachable.
 * @returns from {@link hit}: null when allowed, else the seconds to wait (`Retry-After`)
 */
@Injectable()
export class FormPageRateLimiter implements OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly perIp: RateLimiterRedis;
  private readonly perLink: RateLimiterRedis;

  constructor(opts: FormPageRateLimiterOptions) {
    this.redis = new Redis(opts.redisUrl, {
      enableOfflineQueue: false,
      lazyConnect: false,
      maxRetriesPerRequest: 1,
    });
    this.redis.on('error', () => undefined); // the insurance limiter answers meanwhile
    const make = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${opts.keyPrefix}rl:forms:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration }),
      });
    this.perIp = make('ip', opts.perIpPerMinute, 60);
    this.perLink = make('link', opts.submitsPerLink, 600);
  }

  /** True while Redis answers (else each replica counts on its own, in memory). */
  get shared(): boolean {
    return this.redis.status === 'ready';
  }

  /** Counts a page request of `ip` (and a submit of `linkKey` when given). */
  async hit(ip: string, linkKey?: string): Promise<number | null> {
    try {
      await this.perIp.consume(ip);
      if (linkKey) await this.perLink.consume(linkKey);
      return null;
    } catch (e) {
      if (e instanceof RateLimiterRes) return Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      throw e;
    }
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
