import { Inject, Injectable } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Logger } from 'pino';
import { ContractViolationError, newEnvelope, type ConversationEvent, type TopicEvent } from '@hub/contracts';
import { MessagingService } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { eventIdOf } from '../domain/utterance';

/**
 * Publishes normalized conversation events to `hub.conversation.events.v1` (key: interaction id)
 * with the validating HubProducer. These are derived facts with no database state, so no outbox:
 * the envelope id is deterministic (UUID v5 of the dedupe key), so a retried publish is
 * recognisable by consumers' inbox. Transient Kafka errors are retried with backoff (cockatiel).
 */
@Injectable()
export class ConversationEventsPublisher {
  private readonly policy = retry(
    handleWhen((e) => !(e instanceof ContractViolationError)),
    {
      maxAttempts: 4,
      backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }),
    },
  );

  constructor(
    private readonly messaging: MessagingService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * @param dedupeKey stable key of the fact (utterance id, or `<session>:<state>` for lifecycle)
   * @param occurredAt when it happened at the source
   * @throws the last Kafka error after the retries (ContractViolationError at once for invalid data)
   */
  async publish(
    tenantId: string,
    data: ConversationEvent,
    dedupeKey: string,
    occurredAt = new Date(),
  ): Promise<void> {
    const envelope = {
      ...newEnvelope({
        id: eventIdOf(dedupeKey),
        type: 'conversation.event' as const,
        version: 1,
        tenantId,
        source: 'connector-audiohook',
        correlationId: data.interactionId,
        occurredAt,
        data,
      }),
      version: 1 as const,
    } satisfies TopicEvent<'conversationEvents'>;
    await this.policy.execute(() => this.messaging.producer.publish('conversationEvents', envelope));
    this.logger.debug(
      { tenantId, interactionId: data.interactionId, kind: data.kind, dedupeKey },
      'published',
    );
  }
}
