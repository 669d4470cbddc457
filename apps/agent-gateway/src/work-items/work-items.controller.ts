import { AuthenticatedBy } from '@hub/auth';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ZodValidationPipe, parseOr400 } from '@hub/http';
import { AgentAuthGuard, Principal } from '../auth/agent-auth.guard';
import type { AgentPrincipal } from '../auth/agent-token.verifier';
import {
  AGENT_SECURITY,
  AgentPrincipalSchema,
  CommandAcceptedSchema,
  InboxSchema,
  AssistSessionSchema,
  QueueViewSchema,
  TimelineSchema,
  WorkItemDetailSchema,
} from '../openapi';
import { ChatService } from '../conversations/chat.service';
import { AssistSessionService, type AssistSession } from '../assist/assist-session.service';
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

/** `:id` of a work item: a UUID, else 400 naming `id`. */
export const workItemIdPipe = new ZodValidationPipe(z.uuid(), 'id');
const accepted = { description: 'Command durably in Kafka; the result arrives on the socket (`unassigned`)' };

/**
 * REST for the Agent Desktop, scoped to the calling agent (Bearer JWT). Work items the caller is
 * neither offered nor assigned — including other tenants' — answer 404.
 * Transfer and complete are commands to the router: they answer **202 Accepted** once the command
 * is durably in Kafka (acks=-1); the resulting state arrives on the agent's socket (`unassigned`).
 */
@ApiTags('agent')
@AuthenticatedBy('agent-jwt')
@ApiBearerAuth(AGENT_SECURITY)
@ApiProblem(401, 'Missing, expired or badly signed agent token (`message` says which)')
@Controller('v1/agent')
@UseGuards(AgentAuthGuard)
export class WorkItemsController {
  constructor(
    @Inject(AgentWorkItemsService) private readonly items: AgentWorkItemsService,
    @Inject(ChatService) private readonly chat: ChatService,
    @Inject(AssistSessionService) private readonly assist: AssistSessionService,
  ) {}

  /** `GET /v1/agent/me` → the verified principal. */
  @Get('me')
  @ApiOperation({ summary: 'The verified caller (tenant, agent id, name, token expiry)' })
  @ApiJsonResponse(200, AgentPrincipalSchema, { description: 'The principal' })
  me(@Principal() p: AgentPrincipal): AgentPrincipal {
    return p;
  }

  /** `GET /v1/agent/work-items` → live offers and assigned work items. */
  @Get('work-items')
  @ApiOperation({ summary: 'Inbox: live offers to the caller and work items assigned to the caller' })
  @ApiJsonResponse(200, InboxSchema, { description: 'Offers and assigned work items' })
  inbox(
    @Principal() p: AgentPrincipal,
  ): Promise<{ offers: AgentOfferView[]; assigned: AgentWorkItemView[] }> {
    return this.items.inbox(p);
  }

  /** `GET /v1/agent/work-items/:id` → context panel: transcript, summary, intent, sentiment, attributes, contact, channel, transfers. */
  @Get('work-items/:id')
  @ApiOperation({ summary: 'Context panel of a work item offered to or assigned to the caller' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(200, WorkItemDetailSchema, { name: 'WorkItemDetail', description: 'The work item' })
  @ApiProblem(400, '`id` is not a UUID (`errors[].field` = `id`)')
  @ApiProblem(404, 'Not offered to / assigned to the caller (or unknown, or another tenant’s)')
  detail(@Principal() p: AgentPrincipal, @Param('id', workItemIdPipe) id: string): Promise<WorkItemDetail> {
    return this.items.detail(p, id);
  }

  /** `GET /v1/agent/work-items/:id/messages` → bot transcript then live messages. */
  @Get('work-items/:id/messages')
  @ApiOperation({ summary: 'Conversation: the bot transcript, then live messages in order' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(200, TimelineSchema, { description: 'Timeline' })
  @ApiProblem(400, '`id` is not a UUID (`errors[].field` = `id`)')
  @ApiProblem(404, 'Not offered to / assigned to the caller (or unknown, or another tenant’s)')
  async messages(
    @Principal() p: AgentPrincipal,
    @Param('id', workItemIdPipe) id: string,
  ): Promise<{ timeline: TimelineEntry[] }> {
    return { timeline: await this.chat.timeline(p, id) };
  }

  /**
   * `POST /v1/agent/work-items/:id/assist-session` → 201 {@link AssistSession}: a widget token for
   * assist-gateway bound to the caller and the item's conversation (the Agent Assist panel).
   */
  @Post('work-items/:id/assist-session')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Agent Assist for an assigned work item: assist-gateway URL and a widget token (provider `hub`) bound to the caller, tenant and conversation',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(201, AssistSessionSchema, {
    name: 'AssistSession',
    description: 'Connect to `<gatewayUrl>/assist` with `auth: {token}`',
  })
  @ApiProblem(400, '`id` is not a UUID (`errors[].field` = `id`)')
  @ApiProblem(404, 'Not offered to / assigned to the caller (or unknown, or another tenant’s)')
  @ApiProblem(409, 'Only offered to the caller, not assigned')
  @ApiProblem(503, 'Agent Assist is not configured on this gateway (`error` = `assist_unavailable`)')
  assistSession(
    @Principal() p: AgentPrincipal,
    @Param('id', workItemIdPipe) id: string,
  ): Promise<AssistSession> {
    return this.assist.open(p, id);
  }

  /** `POST /v1/agent/work-items/:id/transfer` `{ toQueueId, reason? }` → 202. */
  @Post('work-items/:id/transfer')
  @HttpCode(202)
  @ApiOperation({ summary: 'Transfer an assigned work item to another active queue of the tenant' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonBody(TransferBodySchema, { name: 'TransferBody' })
  @ApiJsonResponse(202, CommandAcceptedSchema, accepted)
  @ApiProblem(400, 'Invalid body or `id`, or `toQueueId` is not an active queue (`errors[].field` names it)')
  @ApiProblem(404, 'Not assigned to the caller (or unknown, or another tenant’s)')
  @ApiProblem(409, 'No longer assigned to the caller')
  transfer(
    @Principal() p: AgentPrincipal,
    @Param('id', workItemIdPipe) id: string,
    @Body() body: unknown,
  ): Promise<{ status: 'accepted'; commandId: string }> {
    return this.items.transfer(p, id, parseOr400(TransferBodySchema, body));
  }

  /** `POST /v1/agent/work-items/:id/complete` `{ note?, disposition? }` (wrap-up) → 202. */
  @Post('work-items/:id/complete')
  @HttpCode(202)
  @ApiOperation({ summary: 'Complete (wrap up) an assigned work item with an optional note and disposition' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonBody(CompleteBodySchema, { name: 'CompleteBody', required: false })
  @ApiJsonResponse(202, CommandAcceptedSchema, accepted)
  @ApiProblem(400, 'Invalid body or `id` (`errors[].field` names it)')
  @ApiProblem(404, 'Not assigned to the caller (or unknown, or another tenant’s)')
  @ApiProblem(409, 'No longer assigned to the caller')
  complete(
    @Principal() p: AgentPrincipal,
    @Param('id', workItemIdPipe) id: string,
    @Body() body: unknown,
  ): Promise<{ status: 'accepted'; commandId: string }> {
    return this.items.complete(p, id, parseOr400(CompleteBodySchema, body ?? {}));
  }

  /** `GET /v1/agent/queues` → the tenant's active queues (transfer targets). */
  @Get('queues')
  @ApiOperation({ summary: "The tenant's active queues (transfer targets)" })
  @ApiJsonResponse(200, z.array(QueueViewSchema), { description: 'Queues' })
  queues(@Principal() p: AgentPrincipal): Promise<QueueView[]> {
    return this.items.queues(p);
  }
}
