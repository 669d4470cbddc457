import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AudioHookConfig } from '../config';
import { AUDIOHOOK_CONFIG, NONCE_REDIS } from '../tokens';

/**
 * Signature nonces already used, in Redis (shared by every replica): `SET key 1 NX PX ttl`, so a
 * nonce is accepted once until its signature has expired.
 */
@Injectable()
export class NonceRepository {
  constructor(
    @Inject(NONCE_REDIS) private readonly redis: Redis,
    @Inject(AUDIOHOOK_CONFIG) private readonly config: AudioHookConfig,
  ) {}

  /**
   * Records a nonce.
   * @param ttlMs how long it stays blocked, ms (≥ the rest of the signature's validity)
   * @returns true the first time, false when it was seen before (a replay)
   */
  async claim(tenantId: string, nonce: string, ttlMs: number): Promise<boolean> {
    const digest = createHash('sha256').update(nonce).digest('base64url');
    const key = `${this.config.REDIS_NAMESPACE}audiohook:nonce:${tenantId}:${digest}`;
    const r = await this.redis.set(key, '1', 'PX', Math.max(1000, Math.ceil(ttlMs)), 'NX');
    return r === 'OK';
  }
}
