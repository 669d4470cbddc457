import { Inject, Injectable } from '@nestjs/common';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import { ASSIST_CONFIG } from '../tokens.di';
import type { AssistGatewayConfig } from '../config';
import type { SuggestionView } from '../domain/widget-claims';

/**
 * The last SUGGESTION_HISTORY_SIZE suggestions of each interaction, for widgets that (re)connect or
 * switch interaction after a suggestion was pushed. Redis sorted set
 * `<ns>assist:t:<tenant>:i:<interactionId>:suggestions` scored by `occurredAt` (ms), members are the
 * serialized views (the same event serializes identically, so a redelivered event is not added
 * twice); expires SUGGESTION_HISTORY_TTL_S after the last write. A cache, not a record.
 */
@Injectable()
export class SuggestionHistoryRepository {
  constructor(
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
  ) {}

  private key(tenantId: string, interactionId: string): string {
    return this.bus.name(`assist:t:${tenantId}:i:${interactionId}:suggestions`);
  }

  async add(view: SuggestionView): Promise<void> {
    const size = this.config.SUGGESTION_HISTORY_SIZE;
    if (size === 0) return;
    const key = this.key(view.tenantId, view.interactionId);
    await this.bus.publisher
      .multi()
      .zadd(key, Date.parse(view.occurredAt), JSON.stringify(view))
      .zremrangebyrank(key, 0, -(size + 1))
      .expire(key, this.config.SUGGESTION_HISTORY_TTL_S)
      .exec();
  }

  /** Recent suggestions of one interaction, newest first. */
  async recent(tenantId: string, interactionId: string): Promise<SuggestionView[]> {
    const size = this.config.SUGGESTION_HISTORY_SIZE;
    if (size === 0) return [];
    const members = await this.bus.publisher.zrevrange(this.key(tenantId, interactionId), 0, size - 1);
    return members.map((m) => JSON.parse(m) as SuggestionView);
  }
}
