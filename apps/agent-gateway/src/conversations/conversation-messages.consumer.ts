import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { MessagingService } from '@hub/messaging';
import { ChatService } from './chat.service';

/** Kafka consumer group of the gateway replicas (MessagingService prefixes the topic namespace). */
export const GATEWAY_CONSUMER_GROUP = 'agent-gateway';

/**
 * Consumes `hub.conversation.messages.v1` (validated by the ConsumerRunner; invalid → DLQ) and hands
 * inbound customer messages to {@link ChatService.handleInbound}. Outbound ones (ours) are skipped.
 */
@Injectable()
export class ConversationMessagesConsumer implements OnApplicationBootstrap {
  constructor(
    @Inject(MessagingService) private readonly messaging: MessagingService,
    @Inject(ChatService) private readonly chat: ChatService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging
      .createConsumer(GATEWAY_CONSUMER_GROUP)
      .on('conversationMessages', (event) => this.chat.handleInbound(event))
      .start();
  }
}
