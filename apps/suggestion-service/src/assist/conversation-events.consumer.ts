import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessagingService } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { SuggestUseCase } from './usecases/suggest.usecase';

export const CONSUMER_GROUP = Symbol('CONSUMER_GROUP');
/** Group members (kafkajs consumers) in this process. */
export const CONSUMER_MEMBERS = Symbol('CONSUMER_MEMBERS');
/** Interactions of one partition handled concurrently (`ASSIST_CONCURRENT_INTERACTIONS`). */
export const CONCURRENT_INTERACTIONS = Symbol('CONCURRENT_INTERACTIONS');

/**
 * Thin Kafka handler: `hub.conversation.events.v1` (group `suggestion-service`, validated by
 * ConsumerRunner; invalid events go to the DLQ) → {@link SuggestUseCase}. Partitions are keyed by
 * interaction, so one interaction's events are handled in order. Runs `ASSIST_CONSUMER_MEMBERS` group
 * members (default 1); more members let partitions be fetched independently of each other.
 */
@Injectable()
export class ConversationEventsConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: MessagingService,
    private readonly suggest: SuggestUseCase,
    @Inject(CONSUMER_GROUP) private readonly groupId: string,
    @Inject(CONSUMER_MEMBERS) private readonly members: number,
    @Inject(CONCURRENT_INTERACTIONS) private readonly concurrentInteractions: number,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // `members` group members in this process: kafkajs fetches again only when every partition of the
    // previous fetch is handled, so with one member a slow utterance on one partition holds up the
    // others; each member has its own fetch loop (partitions are spread over the members)
    await Promise.all(
      Array.from({ length: this.members }, () =>
        this.messaging
          .createConsumer(this.groupId, { partitionsConsumedConcurrently: 6, maxWaitTimeInMs: 20 })
          .on(
            'conversationEvents',
            async (event) => {
              const outcome = await this.suggest.handle(event);
              if (outcome.kind === 'suggested') {
                this.logger.debug(
                  { interactionId: event.data.interactionId, ms: outcome.suggestion.timings.totalMs },
                  'suggestion published',
                );
              }
            },
            { concurrentKeys: this.concurrentInteractions },
          )
          .start(),
      ),
    );
  }
}
