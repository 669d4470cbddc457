import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AssistGatewayConfig } from '../config';
import type { WidgetClaims } from '../domain/widget-claims';
import { ASSIST_CONFIG } from '../tokens.di';

/** Outcome of {@link WidgetRateLimiter.consume}: allowed, or refused with the seconds to wait. */
export type WidgetRateDecision =
  { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: number };

/**
 * Per-widget limit on forwarded chat lines (`utterance` events): WIDGET_UTTERANCE_RATE_LIMIT lines per
 * WIDGET_UTTERANCE_RATE_WINDOW_S seconds per widget (tenant + agent + provider of its token), counted in
 * Redis so every gateway replica shares the budget (`rate-limiter-flexible` `RateLimiterRedis`). Redis
 * unreachable → an in-memory limiter with the same limit per replica (`insuranceLimiter`).
 */
@Injectable()
export class WidgetRateLimiter implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly limiter: RateLimiterRedis;

  constructor(@Inject(ASSIST_CONFIG) config: AssistGatewayConfig) {
    this.redis = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: 'assist-gateway-widget-rate-limit',
    });
    this.redis.on('error', () => undefined);
    const opts = {
      points: config.WIDGET_UTTERANCE_RATE_LIMIT,
      duration: config.WIDGET_UTTERANCE_RATE_WINDOW_S,
    };
    this.limiter = new RateLimiterRedis({
      ...opts,
      storeClient: this.redis,
      keyPrefix: `${config.REDIS_NAMESPACE}rl:assist-gateway:widget-utterances`,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(opts),
    });
  }

  /** Counts one forwarded line of this widget. */
  async consume(claims: WidgetClaims): Promise<WidgetRateDecision> {
    try {
      await this.limiter.consume(`${claims.tid}:${claims.provider}:${claims.sub}`);
      return { allowed: true };
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(e.msBeforeNext / 1000)),
        limit: this.limiter.points,
      };
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
