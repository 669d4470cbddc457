import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ConversationMessage } from '@hub/contracts';
import { PRISMA, forTenant, type PrismaClient, type PrismaExecutor } from '@hub/persistence';

type FileRef = NonNullable<ConversationMessage['file']>;

/**
 * The live chat log (`conversation_messages`): one row per text/file message of a conversation after
 * the handoff, idempotent on (tenant, conversation, messageId).
 */
@Injectable()
export class ConversationMessageRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Inserts a message unless one with the same id is already logged (at-least-once redelivery).
   * Typing indicators are not logged.
   * @param tx a transaction of `tenantId` (`tenantTransaction`); default: its own tenant transaction
   * @returns true if the row was inserted, false for a duplicate
   */
  async append(tenantId: string, m: ConversationMessage, tx?: PrismaExecutor): Promise<boolean> {
    if (m.kind === 'typing') return false;
    const rows = await (tx ?? forTenant(this.prisma, tenantId)).conversationMessage.createMany({
      data: [
        {
          id: randomUUID(),
          tenantId,
          conversationId: m.conversationId,
          workItemId: m.workItemId ?? null,
          messageId: m.messageId,
          direction: m.direction,
          senderRole: m.sender.role,
          senderId: m.sender.id ?? null,
          senderName: m.sender.name ?? null,
          kind: m.kind,
          text: m.text ?? null,
          file: m.file ? (m.file as object) : undefined,
          sentAt: new Date(m.sentAt),
        },
      ],
      skipDuplicates: true,
    });
    return rows.count === 1;
  }

  /**
   * The conversation's live messages, oldest first.
   * @param limit at most this many (the newest ones)
   */
  async history(tenantId: string, conversationId: string, limit = 500): Promise<ConversationMessage[]> {
    const rows = await forTenant(this.prisma, tenantId).conversationMessage.findMany({
      where: { conversationId },
      orderBy: [{ sentAt: 'desc' }, { createdAt: 'desc' }],
      take: limit,
    });
    return rows.reverse().map((r): ConversationMessage => ({
      conversationId: r.conversationId,
      ...(r.workItemId ? { workItemId: r.workItemId } : {}),
      messageId: r.messageId,
      direction: r.direction as ConversationMessage['direction'],
      sender: {
        role: r.senderRole as ConversationMessage['sender']['role'],
        ...(r.senderId ? { id: r.senderId } : {}),
        ...(r.senderName ? { name: r.senderName } : {}),
      },
      kind: r.kind as ConversationMessage['kind'],
      ...(r.text !== null ? { text: r.text } : {}),
      ...(r.file ? { file: r.file as unknown as FileRef } : {}),
      sentAt: r.sentAt.toISOString(),
    }));
  }
}
