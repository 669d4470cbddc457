import { randomUUID } from 'node:crypto';
import { newEnvelope, type CcaasCommand, type ConversationMessage, type TopicEvent } from '@hub/contracts';
import { Outbox, type OutboxMessage } from '@hub/persistence';
import { SERVICE, type Cause } from '../handoffs/handoff-events';

/** A contact-center bridge command (`hub.ccaas.commands.v1`, key: handoff id) as an outbox row. */
export function ccaasCommand(
  tenantId: string,
  conversationId: string,
  data: CcaasCommand,
  cause: Cause,
): OutboxMessage {
  return Outbox.kafka(
    'ccaasCommands',
    newEnvelope({
      id: randomUUID(),
      type: 'ccaas.command' as const,
      version: 1 as const,
      tenantId,
      source: SERVICE,
      correlationId: conversationId,
      ...cause,
      data,
    }) as TopicEvent<'ccaasCommands'>,
  );
}

/**
 * An external agent's line / typing / end for the bot channel (`hub.conversation.messages.v1`, direction
 * `outbound`) as an outbox row. The envelope id is derived from nothing random in `data`: `messageId` is
 * the vendor's event id, so the bot platform can dedupe a redelivery.
 */
export function outboundConversationMessage(
  tenantId: string,
  data: Omit<ConversationMessage, 'direction'>,
  cause: Cause,
): OutboxMessage {
  return Outbox.kafka(
    'conversationMessages',
    newEnvelope({
      id: randomUUID(),
      type: 'conversation.message' as const,
      version: 1 as const,
      tenantId,
      source: SERVICE,
      correlationId: data.conversationId,
      ...cause,
      data: { ...data, direction: 'outbound' as const },
    }) as TopicEvent<'conversationMessages'>,
  );
}
