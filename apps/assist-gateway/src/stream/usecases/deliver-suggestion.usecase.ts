import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { TopicEvent } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import { ASSIST_CONFIG } from '../../tokens.di';
import type { AssistGatewayConfig } from '../../config';
import { interactionRoom, isStale, toSuggestionView } from '../../domain/widget-claims';
import { AssistGateway } from '../assist.gateway';
import { SuggestionHistoryRepository } from '../suggestion-history.repository';

/**
 * Pushes one `hub.assist.suggestions.v1` event to the widgets of its interaction: room
 * `t:<envelope tenantId>:i:<interactionId>` (the tenant is the envelope's, so an interaction id
 * reused by another tenant is another room), after recording it in the recent-suggestions cache.
 * Stale events (older than SUGGESTION_MAX_AGE_MS) are skipped. Idempotent for redelivered events
 * (widgets dedupe by `suggestionId`; the cache stores each event once).
 */
@Injectable()
export class DeliverSuggestionUseCase {
  constructor(
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
    private readonly gateway: AssistGateway,
    private readonly history: SuggestionHistoryRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** @returns whether the suggestion was pushed (false when stale) */
  async execute(event: TopicEvent<'assistSuggestions'>, now = new Date()): Promise<boolean> {
    if (isStale(event.occurredAt, now, this.config.SUGGESTION_MAX_AGE_MS)) {
      this.logger.debug({ suggestionId: event.data.suggestionId }, 'skipping stale suggestion');
      return false;
    }
    const view = toSuggestionView(event);
    await this.history.add(view);
    this.gateway.emitToRoom(interactionRoom(view.tenantId, view.interactionId), 'suggestion', view);
    return true;
  }
}
