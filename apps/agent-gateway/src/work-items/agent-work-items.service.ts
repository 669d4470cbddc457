import { Inject, Injectable } from '@nestjs/common';
import { badRequest } from '@hub/http';
import type { AgentWorkItemView } from '@hub/contracts';
import type { AgentPrincipal } from '../auth/agent-token.verifier';
import { WorkItemCommandsPublisher } from '../agents/work-item-commands.publisher';
import { ChatService } from '../conversations/chat.service';
import { NotVisibleError } from '../domain/errors';
import {
  WORK_ITEM_READER,
  type AgentOfferView,
  type QueueView,
  type WorkItemDetail,
  type WorkItemReader,
  type AgentPresence,
} from './work-item.reader';

/**
 * The agent's work: inbox, context, and the commands accept / decline / transfer / complete, each
 * checked against PostgreSQL (the item must be offered to / assigned to the caller in the caller's
 * tenant) before it is sent to the router, which decides authoritatively.
 */
@Injectable()
export class AgentWorkItemsService {
  constructor(
    @Inject(WORK_ITEM_READER) private readonly reader: WorkItemReader,
    @Inject(WorkItemCommandsPublisher) private readonly commands: WorkItemCommandsPublisher,
    @Inject(ChatService) private readonly chat: ChatService,
  ) {}

  inbox(p: AgentPrincipal): Promise<{ offers: AgentOfferView[]; assigned: AgentWorkItemView[] }> {
    return this.reader.inbox(p.tenantId, p.agentId);
  }
  /** The agent's presence as the router recorded it (null if unknown); sent with every resync. */
  presence(p: AgentPrincipal): Promise<AgentPresence | null> {
    return this.reader.presence(p.tenantId, p.agentId);
  }

  /** @throws NotVisibleError unless offered to / assigned to the caller */
  async detail(p: AgentPrincipal, workItemId: string): Promise<WorkItemDetail> {
    const item = await this.reader.findVisible(p.tenantId, p.agentId, workItemId);
    if (!item) throw new NotVisibleError('work item');
    return item;
  }

  queues(p: AgentPrincipal): Promise<QueueView[]> {
    return this.reader.queues(p.tenantId);
  }

  /**
   * Accepts the caller's live offer. Accepting an item already assigned to the caller is a no-op success.
   * @throws NotVisibleError if there is no live offer for the caller
   */
  async accept(
    p: AgentPrincipal,
    input: { workItemId: string; offerId?: string },
  ): Promise<{ commandId: string | null }> {
    const offer = await this.reader.findLiveOffer(p.tenantId, p.agentId, input.workItemId);
    if (!offer || (input.offerId && input.offerId !== offer.offerId)) {
      const ref = await this.reader.findRef(p.tenantId, input.workItemId);
      if (ref && ref.status === 'assigned' && ref.agentId === p.agentId) return { commandId: null };
      throw new NotVisibleError('offer');
    }
    const commandId = await this.commands.send(p, offer.conversationId, {
      command: 'accept',
      workItemId: input.workItemId,
      agentId: p.agentId,
      offerId: offer.offerId,
    });
    return { commandId };
  }

  /** @throws NotVisibleError if there is no live offer for the caller */
  async decline(
    p: AgentPrincipal,
    input: { workItemId: string; offerId?: string; reason?: string },
  ): Promise<{ commandId: string }> {
    const offer = await this.reader.findLiveOffer(p.tenantId, p.agentId, input.workItemId);
    if (!offer || (input.offerId && input.offerId !== offer.offerId)) throw new NotVisibleError('offer');
    const commandId = await this.commands.send(p, offer.conversationId, {
      command: 'decline',
      workItemId: input.workItemId,
      agentId: p.agentId,
      offerId: offer.offerId,
      ...(input.reason ? { reason: input.reason } : {}),
    });
    return { commandId };
  }

  /**
   * Transfers an assigned work item to another queue of the tenant.
   * @throws NotVisibleError / WrongStateError unless assigned to the caller; BadRequestException (400, field toQueueId) for an unknown queue
   */
  async transfer(
    p: AgentPrincipal,
    workItemId: string,
    input: { toQueueId: string; reason?: string },
  ): Promise<{ status: 'accepted'; commandId: string }> {
    const ref = await this.chat.requireAssigned(p, workItemId);
    const queues = await this.reader.queues(p.tenantId);
    if (!queues.some((q) => q.id === input.toQueueId))
      throw badRequest([{ field: 'toQueueId', message: 'no active queue with this id' }]);
    const commandId = await this.commands.send(p, ref.conversationId, {
      command: 'transfer',
      workItemId,
      toQueueId: input.toQueueId,
      byAgentId: p.agentId,
      ...(input.reason ? { reason: input.reason } : {}),
    });
    return { status: 'accepted', commandId };
  }

  /**
   * Completes (wraps up) an assigned work item.
   * @throws NotVisibleError / WrongStateError unless assigned to the caller
   */
  async complete(
    p: AgentPrincipal,
    workItemId: string,
    wrapUp: { note?: string; disposition?: string },
  ): Promise<{ status: 'accepted'; commandId: string }> {
    const ref = await this.chat.requireAssigned(p, workItemId);
    const commandId = await this.commands.send(p, ref.conversationId, {
      command: 'complete',
      workItemId,
      agentId: p.agentId,
      wrapUp,
    });
    return { status: 'accepted', commandId };
  }
}
