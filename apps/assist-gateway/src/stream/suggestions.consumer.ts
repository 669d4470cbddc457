import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { MessagingService } from '@hub/messaging';
import { ASSIST_CONFIG } from '../tokens.di';
import type { AssistGatewayConfig } from '../config';
import { DeliverSuggestionUseCase } from './usecases/deliver-suggestion.usecase';

/**
 * Consumes `hub.assist.suggestions.v1` in group `ASSIST_CONSUMER_GROUP` (namespaced by MessagingService) (shared by all replicas: each
 * suggestion is handled once, then fanned out to every replica's sockets by the Socket.IO Redis
 * adapter). Complete suggestions and answer deltas alike go to {@link DeliverSuggestionUseCase} in
 * partition order (keyed by interaction). Invalid events are dead-lettered by the ConsumerRunner.
 */
@Injectable()
export class SuggestionsConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: MessagingService,
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
    private readonly deliver: DeliverSuggestionUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging
      // group id carries the topic namespace, so isolated worlds never share a group
      .createConsumer(this.config.ASSIST_CONSUMER_GROUP)
      .on('assistSuggestions', async (event) => {
        await this.deliver.execute(event);
      })
      .start();
  }
}
