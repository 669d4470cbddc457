import { Injectable, Inject } from '@nestjs/common';
import type { TopicEvent } from '@hub/contracts';
import { MessagingService } from '@hub/messaging';
import { PRISMA, claimEvent, type PrismaClient } from '@hub/persistence';

/** Inbox consumer name for Pub/Sub message ids (table `processed_events`). */
export const INBOX_CONSUMER = 'connector-ccai';

/** Events produced by one Pub/Sub message (one of the two lists is empty). */
export interface PushEvents {
  conversationEvents: TopicEvent<'conversationEvents'>[];
  assistSuggestions: TopicEvent<'assistSuggestions'>[];
}

/**
 * Durable hand-off of a pushed message: inbox claim in PostgreSQL + synchronous Kafka publish
 * (HubProducer: idempotent, acks=-1), inside one database transaction.
 */
@Injectable()
export class PushRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly messaging: MessagingService,
  ) {}

  /**
   * Claims `key` in the inbox and, if it is new, publishes the events to Kafka before committing.
   * The row lock on the claim makes a concurrent duplicate wait and then see the claim. If the publish
   * fails the claim rolls back (the caller answers 5xx and Pub/Sub redelivers). If the commit fails
   * after a successful publish, the redelivery publishes again with the same deterministic envelope
   * ids, which consumers deduplicate.
   * @returns false for a duplicate (nothing published)
   * @throws on PostgreSQL or Kafka failure
   */
  async commit(key: string, events: PushEvents): Promise<boolean> {
    return this.prisma.$transaction(
      async (tx) => {
        if (!(await claimEvent(tx, INBOX_CONSUMER, key))) return false;
        if (events.conversationEvents.length)
          await this.messaging.producer.publish('conversationEvents', ...events.conversationEvents);
        if (events.assistSuggestions.length)
          await this.messaging.producer.publish('assistSuggestions', ...events.assistSuggestions);
        return true;
      },
      { timeout: 20_000, maxWait: 5_000 },
    );
  }
}
