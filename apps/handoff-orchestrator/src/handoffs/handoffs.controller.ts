import { RequireScopes } from '@hub/auth';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HandoffRequestSchema, type HandoffRequest } from '@hub/contracts';
import { HandoffViewSchema } from '../http/openapi';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId } from '@hub/http';
import { badRequest, ZodValidationPipe } from '@hub/http';
import { presentHandoff, type HandoffView } from './handoff.presenter';
import { GetHandoffUseCase } from './usecases/get-handoff.usecase';
import { RequestHandoffUseCase } from './usecases/request-handoff.usecase';
import { WithdrawHandoffUseCase } from './usecases/withdraw-handoff.usecase';

const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/**
 * `/v1/handoffs`: the REST intake of bot flows' Handoff nodes (same contract and use case as the
 * Kafka topic `hub.handoff.requested.v1`), the handoff's state, and the bot's cancel.
 */
@ApiTags('handoffs')
@ApiTenant()
@Controller('v1/handoffs')
export class HandoffsController {
  constructor(
    private readonly requestHandoff: RequestHandoffUseCase,
    private readonly getHandoff: GetHandoffUseCase,
    private readonly withdraw: WithdrawHandoffUseCase,
  ) {}

  @RequireScopes('handoffs:write')
  @Post()
  @ApiOperation({
    summary: 'Request a handoff to a human agent',
    description:
      'Creates a handoff and a work item in an agent queue. Repeating a request with the same ' +
      '`Idempotency-Key` (header, or `idempotencyKey` in the body) returns the same handoff (200) instead ' +
      'of creating a second work item. Outcomes follow on `hub.handoff.outcomes.v1`, on ' +
      '`GET /v1/handoffs/{id}` and on the optional `callbackUrl`.',
  })
  @ApiHeader({ name: IDEMPOTENCY_HEADER, required: false, description: 'Dedupe key (1–200 chars)' })
  @ApiJsonBody(HandoffRequestSchema, { name: 'HandoffRequest' })
  @ApiJsonResponse(201, HandoffViewSchema, { name: 'HandoffView', description: 'Handoff created' })
  @ApiJsonResponse(200, HandoffViewSchema, {
    name: 'HandoffView',
    description: 'Same idempotency key seen before: the existing handoff',
  })
  @ApiProblem(400, 'Malformed request; `errors[].field` names each bad field')
  @ApiProblem(404, 'Unknown integration (in this tenant)')
  @ApiProblem(
    422,
    'Integration disabled / not internal, unknown routing.queue_id, or key reused with another body',
  )
  async create(
    @TenantId() tenantId: string,
    @Headers('idempotency-key') headerKey: string | undefined,
    @Body(new ZodValidationPipe(HandoffRequestSchema)) body: HandoffRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<HandoffView> {
    if (headerKey !== undefined && (headerKey.length < 1 || headerKey.length > 200)) {
      throw badRequest([{ field: IDEMPOTENCY_HEADER, message: 'must be 1–200 characters' }]);
    }
    const idempotencyKey = headerKey ?? body.idempotencyKey ?? randomUUID();
    const { handoff, created } = await this.requestHandoff.execute({
      tenantId,
      request: body,
      idempotencyKey,
      intake: 'rest',
      cause: {},
    });
    res.status(created ? 201 : 200);
    res.setHeader('Location', `/v1/handoffs/${handoff.id}`);
    res.setHeader(IDEMPOTENCY_HEADER, idempotencyKey);
    return presentHandoff(handoff);
  }

  @RequireScopes('handoffs:read')
  @Get(':id')
  @ApiOperation({
    summary: 'A handoff: status, reason, timestamps, work item/queue/agent, summary, sentiment, transitions',
  })
  @ApiJsonResponse(200, HandoffViewSchema, {
    name: 'HandoffView',
    description: 'The handoff with its transitions',
  })
  @ApiProblem(404, 'Unknown id in this tenant')
  get(@TenantId() tenantId: string, @Param('id') id: string): Promise<HandoffView> {
    return this.getHandoff.execute(tenantId, id);
  }

  @RequireScopes('handoffs:write')
  @Post(':id/withdraw')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Cancel a handoff (the bot moved on)',
    description:
      'Asks the router to withdraw the work item; the outcome (failed/withdrawn, or accepted if an agent was faster) follows asynchronously. An external contact-center handoff fails with `withdrawn` at once and its platform contact is ended.',
  })
  @ApiJsonResponse(202, HandoffViewSchema, {
    name: 'HandoffView',
    description:
      'Withdrawal requested (status `withdrawing`; `failed` for an external contact-center handoff)',
  })
  @ApiProblem(404, 'Unknown id in this tenant')
  @ApiProblem(409, 'Already accepted or failed')
  async cancel(@TenantId() tenantId: string, @Param('id') id: string): Promise<HandoffView> {
    return presentHandoff(await this.withdraw.cancel(tenantId, id));
  }
}
