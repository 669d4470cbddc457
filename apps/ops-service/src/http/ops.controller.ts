import { RequireScopes } from '@hub/auth';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import {
  ApiJsonBody,
  ApiJsonResponse,
  ApiProblem,
  ApiTenant,
  CurrentPrincipal,
  TenantId,
  parseOr400,
  type Principal,
} from '@hub/http';
import { topicByName } from '@hub/contracts';
import type { EventStore } from '../domain/event-store';
import { ConsumerLagReader } from '../health/consumer-lag.reader';
import { RedriveRepository } from '../redrive/redrive.repository';
import { RedriveUseCase, type RedriveResult } from '../redrive/redrive.usecase';
import { EVENT_STORE, OPS_CONFIG } from '../tokens';
import type { OpsConfig } from '../config';
import {
  DeadLetterViewSchema,
  HealthViewSchema,
  LimitSchema,
  ObservedEventSchema,
  RedriveBodySchema,
  RedriveRecordSchema,
  RedriveResultSchema,
  type DeadLetterView,
} from './ops.schemas';

const limitQuery = { name: 'limit', required: false, description: '1–500, default 100' };
const ConversationIdSchema = z.string().trim().min(1).max(200);

/** The credential as recorded in the audit trail. */
function actor(p: Principal | undefined): string {
  if (!p) return 'unknown';
  return p.kind === 'platform_admin'
    ? 'platform-admin'
    : `${p.kind === 'api_key' ? 'apikey' : 'oauth'}:${p.credentialId}`;
}

/**
 * Operations API for the admin console (issue 15: Service health, Event inspector), per the caller's
 * tenant (platform admins name it with `X-Tenant-Id`): arrivals per connector/source and topic with
 * rates, last seen and errors; consumer lag (platform admins); a conversation's recent events across
 * topics; dead letters with their reason; and the audited, idempotent redrive of one dead letter.
 */
@ApiTags('operations')
@ApiTenant()
@Controller('v1/ops')
export class OpsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ConsumerLagReader) private readonly lag: ConsumerLagReader,
    @Inject(RedriveUseCase) private readonly redriveUseCase: RedriveUseCase,
    @Inject(RedriveRepository) private readonly redrives: RedriveRepository,
    @Inject(OPS_CONFIG) private readonly config: OpsConfig,
  ) {}

  /** `GET /v1/ops/health` → per (source, topic) arrivals of the tenant, errors, and (platform admins) consumer lag. */
  @RequireScopes('operations:read')
  @Get('health')
  @ApiOperation({
    summary:
      'Service health: events arriving per connector/source and topic (count and rate in the window, last seen), dead letters (errors), consumer lag',
  })
  @ApiJsonResponse(200, HealthViewSchema, { name: 'HealthView', description: 'Health of the tenant' })
  async health(@TenantId() tenantId: string, @CurrentPrincipal() p: Principal | undefined) {
    const consumerLag = p?.kind === 'platform_admin' ? await this.lag.read() : null;
    return {
      windowSeconds: this.config.OPS_HEALTH_WINDOW_S,
      series: this.store.health(tenantId),
      consumerLag,
      at: new Date().toISOString(),
    };
  }

  /** `GET /v1/ops/conversations/:id/events` → the conversation's recent events across topics, newest first. */
  @RequireScopes('operations:read')
  @Get('conversations/:conversationId/events')
  @ApiOperation({
    summary:
      'Event inspector: recent events of a conversation across all topics (newest first) and its dead letters',
  })
  @ApiParam({
    name: 'conversationId',
    description: 'Conversation / interaction id (envelope `correlationId` or message key)',
  })
  @ApiQuery(limitQuery)
  @ApiJsonResponse(
    200,
    z.object({ events: z.array(ObservedEventSchema), deadLetters: z.array(DeadLetterViewSchema) }),
    { name: 'ConversationEvents', description: 'Events and dead letters' },
  )
  @ApiProblem(400, '`conversationId` or `limit` invalid (`errors[].field` names it)')
  async conversation(
    @TenantId() tenantId: string,
    @Param('conversationId') raw: string,
    @Query('limit') rawLimit: unknown,
  ) {
    const conversationId = parseOr400(ConversationIdSchema, raw, 'conversationId');
    const limit = parseOr400(LimitSchema, rawLimit, 'limit');
    return {
      events: this.store.conversation(conversationId, tenantId, limit),
      deadLetters: await this.withRedrives(
        tenantId,
        this.store.deadLetters({ tenantId, conversationId, limit }),
      ),
    };
  }

  /** `GET /v1/ops/dead-letters?topic&conversationId&limit` → the tenant's dead letters, newest first. */
  @RequireScopes('operations:read')
  @Get('dead-letters')
  @ApiOperation({ summary: 'Dead-lettered messages of the tenant with their reason (newest first)' })
  @ApiQuery({
    name: 'topic',
    required: false,
    description: 'Original topic, e.g. `hub.conversation.events.v1`',
  })
  @ApiQuery({ name: 'conversationId', required: false })
  @ApiQuery(limitQuery)
  @ApiJsonResponse(200, z.object({ items: z.array(DeadLetterViewSchema) }), {
    name: 'DeadLetters',
    description: 'Dead letters',
  })
  @ApiProblem(400, '`topic`, `conversationId` or `limit` invalid (`errors[].field` names it)')
  async deadLetters(
    @TenantId() tenantId: string,
    @Query('topic') rawTopic: unknown,
    @Query('conversationId') rawConversation: unknown,
    @Query('limit') rawLimit: unknown,
  ) {
    const topic = parseOr400(
      z
        .string()
        .refine((t) => !!topicByName(t), 'must be a catalogue topic (docs/asyncapi.yaml)')
        .optional(),
      rawTopic,
      'topic',
    );
    const conversationId = parseOr400(ConversationIdSchema.optional(), rawConversation, 'conversationId');
    const limit = parseOr400(LimitSchema, rawLimit, 'limit');
    return {
      items: await this.withRedrives(
        tenantId,
        this.store.deadLetters({ tenantId, topic, conversationId, limit }),
      ),
    };
  }

  /** `POST /v1/ops/dead-letters/redrive` `{dlqTopic, partition, offset}` → 201 redriven / 200 already redriven. */
  @RequireScopes('operations:write')
  @Post('dead-letters/redrive')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Redrive one dead letter back to its topic (unchanged key and value). Idempotent per DLQ position: 201 when produced now, 200 when an earlier request did. Audited.',
  })
  @ApiJsonBody(RedriveBodySchema, { name: 'RedriveBody' })
  @ApiJsonResponse(201, RedriveResultSchema, { name: 'RedriveResult', description: 'Produced (acks=-1)' })
  @ApiJsonResponse(200, RedriveResultSchema, { description: 'Already redriven: nothing produced' })
  @ApiProblem(400, 'Invalid body (`errors[].field` names it)')
  @ApiProblem(404, 'No dead letter of the tenant at that position')
  async redrive(
    @TenantId() tenantId: string,
    @CurrentPrincipal() p: Principal | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RedriveResult> {
    const at = parseOr400(RedriveBodySchema, body);
    const result = await this.redriveUseCase.execute(tenantId, actor(p), at);
    if (result.outcome === 'already_redriven') res.status(200);
    return result;
  }

  /** `GET /v1/ops/redrives` → the tenant's redrive audit trail, newest first. */
  @RequireScopes('operations:read')
  @Get('redrives')
  @ApiOperation({ summary: 'Audit trail of redrives (who, when, which dead letter), newest first' })
  @ApiQuery(limitQuery)
  @ApiJsonResponse(200, z.object({ items: z.array(RedriveRecordSchema) }), {
    name: 'Redrives',
    description: 'Redrives',
  })
  @ApiProblem(400, '`limit` invalid')
  async list(@TenantId() tenantId: string, @Query('limit') rawLimit: unknown) {
    return { items: await this.redrives.list(tenantId, parseOr400(LimitSchema, rawLimit, 'limit')) };
  }

  private async withRedrives(
    tenantId: string,
    list: ReturnType<EventStore['deadLetters']>,
  ): Promise<DeadLetterView[]> {
    if (!list.length) return [];
    const records = await this.redrives.list(tenantId, 500);
    const byPos = new Map(records.map((r) => [`${r.dlqTopic}/${r.dlqPartition}/${r.dlqOffset}`, r]));
    return list.map(({ rawValue: _raw, ...d }) => {
      const r = byPos.get(`${d.dlqTopic}/${d.partition}/${d.offset}`);
      return {
        ...d,
        redrive: r ? { status: r.status, requestedBy: r.requestedBy, redrivenAt: r.redrivenAt } : null,
      };
    });
  }
}
