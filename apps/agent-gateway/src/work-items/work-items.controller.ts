import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import { AgentAuthGuard, Principal } from '../auth/agent-auth.guard';
import type { AgentPrincipal } from '../auth/agent-token.verifier';
import { parseOr400 } from '../common/zod';
import { ChatService } from '../conversations/chat.service';
import type { TimelineEntry } from '../domain/timeline';
import { AgentWorkItemsService } from './agent-work-items.service';
import type { AgentOfferView, QueueView, WorkItemDetail } from './work-item.reader';
import type { AgentWorkItemView } from '@hub/contracts';

export const TransferBodySchema = z.object({
  toQueueId: z.uuid(),
  reason: z.string().max(500).optional(),
});
export const CompleteBodySchema = z.object({
  note: z.string().max(10_000).optional(),
  disposition: z.string().max(100).optional(),
});

/**
 * REST for the Agent Desktop, scoped to the calling agent (Bearer JWT). Work items the caller is
 * neither offered nor assigned — including other tenants' — answer 404.
 * Transfer and complete are commands to the router: they answer **202 Accepted** once the command
 * is durably in Kafka (acks=-1); the resulting state arrives on the agent's socket (`unassigned`).
 */
@Controller('v1/agent')
@UseGuards(AgentAuthGuard)
export class WorkItemsController {
  constructor(
    @Inject(AgentWorkItemsService) private readonly items: AgentWorkItemsService,
    @Inject(ChatService) private readonly chat: ChatService,
  ) {}

  /** `GET /v1/agent/me` → the verified principal. */
  @Get('me')
  me(@Principal() p: AgentPrincipal): AgentPrincipal {
    return p;
  }

  /** `GET /v1/agent/work-items` → live offers and assigned work items. */
  @Get('work-items')
  inbox(
    @Principal() p: AgentPrincipal,
  ): Promise<{ offers: AgentOfferView[]; assigned: AgentWorkItemView[] }> {
    return this.items.inbox(p);
  }

  /** `GET /v1/agent/work-items/:id` → context panel: transcript, summary, intent, sentiment, attributes, contact, channel, transfers. */
  @Get('work-items/:id')
  detail(
    @Principal() p: AgentPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<WorkItemDetail> {
    return this.items.detail(p, id);
  }

  /** `GET /v1/agent/work-items/:id/messages` → bot transcript then live messages. */
  @Get('work-items/:id/messages')
  async messages(
    @Principal() p: AgentPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<{ timeline: TimelineEntry[] }> {
    return { timeline: await this.chat.timeline(p, id) };
  }

  /** `POST /v1/agent/work-items/:id/transfer` `{ toQueueId, reason? }` → 202. */
  @Post('work-items/:id/transfer')
  @HttpCode(202)
  transfer(
    @Principal() p: AgentPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
  ): Promise<{ status: 'accepted'; commandId: string }> {
    return this.items.transfer(p, id, parseOr400(TransferBodySchema, body));
  }

  /** `POST /v1/agent/work-items/:id/complete` `{ note?, disposition? }` (wrap-up) → 202. */
  @Post('work-items/:id/complete')
  @HttpCode(202)
  complete(
    @Principal() p: AgentPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
  ): Promise<{ status: 'accepted'; commandId: string }> {
    return this.items.complete(p, id, parseOr400(CompleteBodySchema, body ?? {}));
  }

  /** `GET /v1/agent/queues` → the tenant's active queues (transfer targets). */
  @Get('queues')
  queues(@Principal() p: AgentPrincipal): Promise<QueueView[]> {
    return this.items.queues(p);
  }
}
