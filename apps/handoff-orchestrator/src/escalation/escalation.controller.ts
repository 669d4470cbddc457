import { RequireScopes } from '@hub/auth';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId, ZodValidationPipe } from '@hub/http';
import {
  ConversationTotalsSchema,
  DecisionFollowUpSchema,
  DecisionRequestSchema,
  DecisionViewSchema,
  StoredDecisionViewSchema,
  type ConversationTotals,
  type DecisionFollowUpBody,
  type DecisionRequest,
  type DecisionView,
  type StoredDecisionView,
} from './decision.schemas';
import { EscalationConfigService } from './escalation-config.service';
import { EscalationRepository, type StoredDecision } from './escalation.repository';
import { buildToolManifest, type ToolManifest } from './tool-manifest';
import { DecideEscalationUseCase } from './usecases/decide-escalation.usecase';

const ToolManifestSchema = z.object({
  tools: z.array(
    z.object({
      type: z.literal('function'),
      function: z.object({
        name: z.string(),
        description: z.string(),
        parameters: z.record(z.string(), z.unknown()),
        strict: z.boolean().optional(),
      }),
    }),
  ),
  guardrailPrompt: z.string(),
  bindings: z.array(
    z.object({
      tool: z.string(),
      status: z.enum(['hub', 'pending']),
      method: z.literal('POST').optional(),
      path: z.string().optional(),
      note: z.string(),
    }),
  ),
});

const ConversationTotalsViewSchema = z.object({ source: z.string(), days: z.number().int() });

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** A stored decision as the API shows it. */
export function presentDecision(d: StoredDecision): StoredDecisionView {
  return {
    id: d.id,
    conversationId: d.conversationId,
    escalate: d.escalate,
    decidedBy: d.decidedBy,
    intent: d.intent,
    reasons: d.reasons,
    primaryReason: d.primaryReason,
    pathsOffered: d.pathsOffered,
    pathPicked: d.pathPicked ?? (d.handoffId ? 'live_agent' : null),
    pickedAt: iso(d.pickedAt),
    handoffId: d.handoffId,
    handoffMessage: d.handoffMessage,
    context: d.context,
    callbackDueAt: iso(d.callbackDueAt),
    callbackOutcome: d.callbackOutcome,
    createdAt: iso(d.createdAt) as string,
  };
}

/**
 * `/v1/escalation`: the decision API for bot flows (issue 10, seed 003), its audit follow-up, the tool manifest
 * for LLM bots and the bots' conversation totals (the handoff rate's denominator). Thin: the use case decides.
 */
@ApiTags('escalation')
@ApiTenant()
@Controller('v1/escalation')
export class EscalationController {
  constructor(
    private readonly decideUseCase: DecideEscalationUseCase,
    private readonly repo: EscalationRepository,
    private readonly configs: EscalationConfigService,
  ) {}

  @RequireScopes('handoffs:write')
  @Post('decisions')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Should the bot step aside? Reasons, intent, the paths to offer and the AI handoff message',
    description:
      'Evaluates the three signals (retrieval confidence — the bot’s own result or the suggestion service’s ' +
      'search with this request’s credential —, intent detectors and scope, the tenant’s rules) on the last ' +
      'customer turn and stores the decision for the audit. Pass `decisionId` to `POST /v1/handoffs` when the ' +
      'customer picks the live agent (transfer_to_human).',
  })
  @ApiJsonBody(DecisionRequestSchema, { name: 'EscalationDecisionRequest' })
  @ApiJsonResponse(201, DecisionViewSchema, { name: 'EscalationDecision', description: 'The decision' })
  @ApiProblem(400, 'Malformed request; `errors[].field` names each bad field')
  decide(
    @TenantId() tenantId: string,
    @Headers('authorization') credential: string | undefined,
    @Body(new ZodValidationPipe(DecisionRequestSchema)) body: DecisionRequest,
  ): Promise<DecisionView> {
    return this.decideUseCase.execute({ tenantId, request: body, credential });
  }

  @RequireScopes('handoffs:read')
  @Get('decisions/:id')
  @ApiOperation({ summary: 'A stored decision with what followed (path picked, handoff, callback outcome)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(200, StoredDecisionViewSchema, {
    name: 'StoredEscalationDecision',
    description: 'The decision',
  })
  @ApiProblem(404, 'Unknown decision (or another tenant’s)')
  async get(@TenantId() tenantId: string, @Param('id') id: string): Promise<StoredDecisionView> {
    const d = z.uuid().safeParse(id).success ? await this.repo.getDecision(tenantId, id) : null;
    if (!d) throw new NotFoundException(`decision ${id} not found`);
    return presentDecision(d);
  }

  @RequireScopes('handoffs:write')
  @Patch('decisions/:id')
  @ApiOperation({
    summary:
      'Record what followed a decision: the path the customer picked, a callback’s due time and outcome',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonBody(DecisionFollowUpSchema, { name: 'EscalationDecisionFollowUp' })
  @ApiJsonResponse(200, StoredDecisionViewSchema, {
    name: 'StoredEscalationDecision',
    description: 'Updated',
  })
  @ApiProblem(400, 'Malformed request; `errors[].field` names each bad field')
  @ApiProblem(404, 'Unknown decision (or another tenant’s)')
  async followUp(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(DecisionFollowUpSchema)) body: DecisionFollowUpBody,
  ): Promise<StoredDecisionView> {
    const d = z.uuid().safeParse(id).success
      ? await this.repo.followUp(tenantId, id, {
          pathPicked: body.pathPicked,
          callbackDueAt: body.callbackDueAt ? new Date(body.callbackDueAt) : undefined,
          callbackOutcome: body.callbackOutcome,
        })
      : null;
    if (!d) throw new NotFoundException(`decision ${id} not found`);
    return presentDecision(d);
  }

  @RequireScopes('handoffs:read')
  @Get('tools')
  @ApiOperation({
    summary:
      'Tool manifest for LLM bots: OpenAI-compatible function definitions and the guardrail prompt block',
    description:
      '`tools` can be passed as is to an OpenAI-compatible chat completions request; only the paths the tenant ' +
      'enabled appear. `bindings` says how each tool call maps to the hub API.',
  })
  @ApiJsonResponse(200, ToolManifestSchema, { name: 'EscalationToolManifest', description: 'The manifest' })
  async tools(@TenantId() tenantId: string): Promise<ToolManifest> {
    return buildToolManifest((await this.configs.get(tenantId)).config);
  }

  @RequireScopes('handoffs:write')
  @Post('conversation-totals')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Report the bot’s conversations per day (UTC): the denominator of the handoff rate',
    description: 'A day reported again replaces its count (per `source`).',
  })
  @ApiJsonBody(ConversationTotalsSchema, { name: 'ConversationTotals' })
  @ApiJsonResponse(200, ConversationTotalsViewSchema, {
    name: 'ConversationTotalsStored',
    description: 'Stored',
  })
  @ApiProblem(400, 'Malformed request; `errors[].field` names each bad field')
  async totals(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(ConversationTotalsSchema)) body: ConversationTotals,
  ): Promise<{ source: string; days: number }> {
    await this.repo.putConversationTotals(tenantId, body.source, body.days);
    return { source: body.source, days: body.days.length };
  }
}
