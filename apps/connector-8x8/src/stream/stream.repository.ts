import { Inject, Injectable } from '@nestjs/common';
import type { TopicEvent } from '@hub/contracts';
import {
  Outbox,
  PRISMA,
  claimEvent,
  forTenant,
  tenantTransaction,
  type PrismaClient,
} from '@hub/persistence';

/** Inbox consumer name for 8x8 message ids (table `processed_events`). */
export const INBOX_CONSUMER = 'connector-8x8';

/** Identifies one reader: the integration row it belongs to. */
export interface StreamRef {
  tenantId: string;
  integrationId: string;
}

/** Inbox key of one vendor message: message ids are unique per 8x8 topic, i.e. per integration. */
export const inboxKey = (ref: StreamRef, messageId: string) => `${ref.integrationId}:${messageId}`;

/**
 * PostgreSQL side of an 8x8 stream: the resume cursor (`connector_cursors`), the inbox
 * (`processed_events`) and the transactional outbox.
 */
@Injectable()
export class StreamRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Last message id fully processed for the integration, or null when it never read anything. */
  async cursor(ref: StreamRef): Promise<string | null> {
    const row = await forTenant(this.prisma, ref.tenantId).connectorCursor.findUnique({
      where: { integrationId: ref.integrationId },
    });
    return row?.lastMessageId ?? null;
  }

  /** True when this vendor message was already committed (a redelivery). */
  async alreadyProcessed(ref: StreamRef, messageId: string): Promise<boolean> {
    const n = await this.prisma.processedEvent.count({
      where: { consumer: INBOX_CONSUMER, eventId: inboxKey(ref, messageId) },
    });
    return n > 0;
  }

  /**
   * In ONE transaction: claims the message id in the inbox, enqueues its conversation events in the
   * outbox (the relay publishes them to Kafka), and moves the cursor to it. A crash before commit
   * leaves everything as it was (the message is read again); after commit the message is never
   * published twice.
   * @returns false when the message id had already been claimed (nothing written)
   */
  async commit(
    ref: StreamRef,
    messageId: string,
    events: TopicEvent<'conversationEvents'>[],
  ): Promise<boolean> {
    return tenantTransaction(this.prisma, ref.tenantId, async (tx) => {
      if (!(await claimEvent(tx, INBOX_CONSUMER, inboxKey(ref, messageId)))) return false;
      await Outbox.enqueue(tx, ...events.map((e) => Outbox.kafka('conversationEvents', e)));
      await tx.connectorCursor.upsert({
        where: { integrationId: ref.integrationId },
        create: {
          integrationId: ref.integrationId,
          tenantId: ref.tenantId,
          connector: INBOX_CONSUMER,
          lastMessageId: messageId,
          processed: 1,
        },
        update: { lastMessageId: messageId, processed: { increment: 1 } },
      });
      return true;
    });
  }
}
