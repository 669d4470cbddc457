import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { TopicEvent } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import { ASSIST_CONFIG } from '../../tokens.di';
import type { AssistGatewayConfig } from '../../config';
import { interactionRoom, isStale, toSuggestionView } from '../../domain/widget-claims';
import { AssistGateway } from '../assist.gateway';
import { SuggestionHistoryRepository } from '../suggestion-history.repository';
import { toSuggestionDeltaView } from '../suggestion-delta-view';

/**
 * Pushes one `hub.assist.suggestions.v1` event to the widgets of its interaction: room
 * `t:<envelope tenantId>:i:<interactionId>` (the tenant is the envelope's, so an interaction id
 * reused by another tenant is another room).
 *  - `assist.suggestion` → socket event `suggestion`, after recording it in the recent-suggestions cache;
 *  - `assist.suggestion.delta` → socket event `suggestion.delta`, relayed only (not cached: a widget
 *    that joins mid-answer gets the complete suggestion when it is published).
 * Stale events (older than SUGGESTION_MAX_AGE_MS) are skipped. Idempotent for redelivered events
 * (widgets dedupe by `suggestionId` and ignore a delta `seq` that is not the next one; the cache
 * stores each event once).
 */
@Injectable()
export class DeliverSuggestionUseCase {
  constructor(
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
    private readonly gateway: AssistGateway,
    private readonly history: SuggestionHistoryRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** @returns whether the event was pushed (false when stale) */
  async execute(event: TopicEvent<'assistSuggestions'>, now = new Date()): Promise<boolean> {
    if (isStale(event.occurredAt, now, this.config.SUGGESTION_MAX_AGE_MS)) {
      this.logger.debug(
        { suggestionId: event.data.suggestionId, type: event.type },
        'skipping stale suggestion',
      );
      return false;
    }
    if (event.type === 'assist.suggestion.delta') {
      const delta = toSuggestionDeltaView(event);
      this.gateway.emitToRoom(
        interactionRoom(delta.tenantId, delta.interactionId),
        'suggestion.delta',
        delta,
      );
      return true;
    }
    const view = toSuggestionView(event);
    await this.history.add(view);
    this.gateway.emitToRoom(interactionRoom(view.tenantId, view.interactionId), 'suggestion', view);
    return true;
  }
}
