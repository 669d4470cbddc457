import { Injectable } from '@nestjs/common';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { MessagingService } from '@hub/messaging';
import type { ForwardedUtteranceEvent } from '../domain/forwarded-utterance';

/**
 * Publishes normalized conversation events to `hub.conversation.events.v1` (key: interaction id)
 * with the service's validating HubProducer (idempotent, `acks: -1`): `publish` resolves once every
 * in-sync replica has the event. The gateway keeps no state of its own for a forwarded line, so
 * there is nothing to commit together with it and no outbox: a failed send is reported to the
 * widget, which may retry — the envelope id (UUID v5 of tenant + interaction + message id) makes a
 * retry recognisable downstream.
 */
@Injectable()
export class ConversationEventsPublisher {
  constructor(private readonly messaging: MessagingService) {}

  /**
   * @throws ContractViolationError if the event does not match the topic schema (nothing is sent)
   * @throws the kafkajs error when the brokers do not acknowledge it (after kafkajs' own retries)
   */
  async publish(e: ForwardedUtteranceEvent): Promise<void> {
    const envelope = {
      ...newEnvelope({
        id: e.eventId,
        type: 'conversation.event' as const,
        version: 1,
        tenantId: e.tenantId,
        source: 'assist-gateway',
        correlationId: e.data.interactionId,
        occurredAt: e.occurredAt,
        data: e.data,
      }),
      version: 1 as const,
    } satisfies TopicEvent<'conversationEvents'>;
    await this.messaging.producer.publish('conversationEvents', envelope);
  }
}
