import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { newEnvelope, type ConversationMessage, type TopicEvent } from '@hub/contracts';
import { MessagingService, PermanentError } from '@hub/messaging';
import { Outbox, PRISMA, tenantTransaction, type PrismaClient } from '@hub/persistence';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import type { AgentPrincipal } from '../auth/agent-token.verifier';
import { NotVisibleError, WrongStateError } from '../domain/errors';
import { customerFileUrlProblem } from '../domain/file-policy';
import { buildTimeline, type TimelineEntry } from '../domain/timeline';
import { GATEWAY_SOURCE } from '../agents/work-item-commands.publisher';
import { WORK_ITEM_READER, type WorkItemReader, type WorkItemRef } from '../work-items/work-item.reader';
import { ChatChannels, type ChatFanoutMessage } from './chat-channel';
import { ConversationMessageRepository } from './conversation-message.repository';

type FileRef = NonNullable<ConversationMessage['file']>;

/**
 * The live conversation between a customer (via the bot platform) and the assigned agent:
 *  - inbound customer messages (`hub.conversation.messages.v1`, direction `inbound`) are logged and
 *    delivered to the agent assigned to the conversation's work item;
 *  - the agent's messages and files are logged and published `outbound` for the bot platform in the
 *    same transaction (outbox), and echoed to the agent's other sockets;
 *  - typing indicators are relayed both ways without being logged.
 * Read receipts are not supported (seed 000 capability table).
 */
@Injectable()
export class ChatService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
    @Inject(WORK_ITEM_READER) private readonly workItems: WorkItemReader,
    @Inject(ConversationMessageRepository) private readonly log: ConversationMessageRepository,
    @Inject(MessagingService) private readonly messaging: MessagingService,
  ) {}

  /**
   * Handles one inbound customer event. Idempotent: a redelivered message id is neither logged nor
   * delivered twice. Messages for a conversation without an assigned agent are logged only (the
   * agent reads them in the history after accepting). A customer `file` message whose `file.url` is not
   * https is dead-lettered (`PermanentError`, reason `insecure_file_url`), never shown to the agent.
   */
  async handleInbound(event: TopicEvent<'conversationMessages'>): Promise<void> {
    const m = event.data;
    if (m.direction !== 'inbound') return;
    if (m.kind === 'file' && m.file) {
      const problem = customerFileUrlProblem(m.file.url);
      if (problem) throw new PermanentError(problem, 'insecure_file_url'); // dead letter, reason in headers
    }
    const tenantId = event.tenantId;
    const ref = m.workItemId
      ? await this.workItems.findRef(tenantId, m.workItemId)
      : await this.workItems.findByConversation(tenantId, m.conversationId);
    const agentId = ref && ref.status === 'assigned' ? ref.agentId : null;
    const message: ConversationMessage = ref && !m.workItemId ? { ...m, workItemId: ref.workItemId } : m;

    if (m.kind === 'typing') {
      if (agentId) {
        await this.publishFanout(tenantId, agentId, {
          kind: 'typing',
          conversationId: m.conversationId,
          workItemId: ref?.workItemId ?? null,
          role: m.sender.role,
          typing: m.typing ?? false,
        });
      }
      return;
    }
    // The log row is the record; the fan-out is the fast path. A redelivered message (crash after the
    // insert, before the offset commit) is fanned out again and dropped by clients on its messageId,
    // so nothing is lost and the agent sees it once.
    await this.log.append(tenantId, message);
    if (agentId) await this.publishFanout(tenantId, agentId, fanout(message));
  }

  /**
   * Sends an agent's text to the customer.
   * @param clientMessageId optional UUID chosen by the client: a retry with the same id is not sent twice
   * @returns the logged message
   * @throws NotVisibleError unless the work item is assigned to the agent
   */
  async sendText(
    principal: AgentPrincipal,
    input: { workItemId: string; text: string; clientMessageId?: string },
  ): Promise<ConversationMessage> {
    const ref = await this.requireAssigned(principal, input.workItemId);
    return this.publishOutbound(principal, ref, {
      messageId: input.clientMessageId ?? randomUUID(),
      kind: 'text',
      text: input.text,
    });
  }

  /**
   * Shares an uploaded file with the customer as a `file` message (link signed by the caller).
   * @throws NotVisibleError unless the work item is assigned to the agent
   */
  async sendFile(principal: AgentPrincipal, ref: WorkItemRef, file: FileRef): Promise<ConversationMessage> {
    return this.publishOutbound(principal, ref, { messageId: randomUUID(), kind: 'file', file });
  }

  /**
   * Relays the agent's typing indicator to the customer (published directly; not state).
   * @throws NotVisibleError unless the work item is assigned to the agent
   */
  async sendTyping(principal: AgentPrincipal, input: { workItemId: string; typing: boolean }): Promise<void> {
    const ref = await this.requireAssigned(principal, input.workItemId);
    const env = this.envelope(principal, ref, {
      conversationId: ref.conversationId,
      workItemId: ref.workItemId,
      messageId: randomUUID(),
      direction: 'outbound',
      sender: { role: 'agent', id: principal.agentId, ...(principal.name ? { name: principal.name } : {}) },
      kind: 'typing',
      typing: input.typing,
      sentAt: new Date().toISOString(),
    });
    await this.messaging.producer.publish('conversationMessages', env);
  }

  /**
   * The conversation as the desktop shows it: bot transcript, then live messages.
   * @throws NotVisibleError unless the work item is offered to or assigned to the agent
   */
  async timeline(principal: AgentPrincipal, workItemId: string): Promise<TimelineEntry[]> {
    const item = await this.workItems.findVisible(principal.tenantId, principal.agentId, workItemId);
    if (!item) throw new NotVisibleError('work item');
    const live = await this.log.history(principal.tenantId, item.conversationId);
    return buildTimeline(item.context.transcript, live);
  }

  /**
   * The work item if assigned to the calling agent.
   * @throws NotVisibleError if not the agent's (or another tenant's); WrongStateError if no longer assigned
   */
  async requireAssigned(principal: AgentPrincipal, workItemId: string): Promise<WorkItemRef> {
    const ref = await this.workItems.findRef(principal.tenantId, workItemId);
    if (!ref || ref.agentId !== principal.agentId) throw new NotVisibleError('work item');
    if (ref.status !== 'assigned') throw new WrongStateError(`work item is ${ref.status}, not assigned`);
    return ref;
  }

  private async publishOutbound(
    principal: AgentPrincipal,
    ref: WorkItemRef,
    body:
      { messageId: string; kind: 'text'; text: string } | { messageId: string; kind: 'file'; file: FileRef },
  ): Promise<ConversationMessage> {
    const message: ConversationMessage = {
      conversationId: ref.conversationId,
      workItemId: ref.workItemId,
      messageId: body.messageId,
      direction: 'outbound',
      sender: { role: 'agent', id: principal.agentId, ...(principal.name ? { name: principal.name } : {}) },
      kind: body.kind,
      ...(body.kind === 'text' ? { text: body.text } : { file: body.file }),
      sentAt: new Date().toISOString(),
    };
    const env = this.envelope(principal, ref, message);
    const inserted = await tenantTransaction(this.prisma, principal.tenantId, async (tx) => {
      if (!(await this.log.append(principal.tenantId, message, tx))) return false; // a client retry
      await Outbox.enqueue(tx, Outbox.kafka('conversationMessages', env));
      return true;
    });
    // Echo to the agent's other tabs (best effort: they also load the history when they open the item).
    if (inserted) {
      await this.publishFanout(principal.tenantId, principal.agentId, fanout(message)).catch(() => undefined);
    }
    return message;
  }

  private envelope(
    principal: AgentPrincipal,
    ref: WorkItemRef,
    data: ConversationMessage,
  ): TopicEvent<'conversationMessages'> {
    return {
      ...newEnvelope({
        type: 'conversation.message',
        version: 1,
        tenantId: principal.tenantId,
        source: GATEWAY_SOURCE,
        correlationId: ref.conversationId,
        data,
      }),
      version: 1,
    };
  }

  private async publishFanout(tenantId: string, agentId: string, msg: ChatFanoutMessage): Promise<void> {
    await this.bus.publish(ChatChannels.agent, [tenantId, agentId], msg);
  }
}

function fanout(message: ConversationMessage): ChatFanoutMessage {
  return { kind: 'message', message };
}
