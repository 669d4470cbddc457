import { RequireScopes } from '@hub/auth';
import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId, ZodValidationPipe } from '@hub/http';
import { NotFoundProblem } from '../http/problems';
import {
  BookCallbackSchema,
  CallbackDetailSchema,
  type CallbackDetail,
  CallbackTeamSchema,
  CallbackViewSchema,
  ProposeSlotsSchema,
  SlotsResponseSchema,
  UpdateCallbackSchema,
  type BookCallbackBody,
  type CallbackTeamInput,
  type CallbackView,
  type ProposeSlotsBody,
  type UpdateCallbackBody,
} from './callbacks.schemas';
import {
  CustomerCallbackRepository,
  type CallbackTeam,
  type CustomerCallback,
} from './customer-callback.repository';
import { ProposeCallbackSlotsUseCase } from './usecases/propose-callback-slots.usecase';
import { CallbackClock } from './callback-clock';
import { ScheduleCallbackUseCase } from './usecases/schedule-callback.usecase';

const CallbackTeamViewSchema = CallbackTeamSchema.extend({ queueId: z.uuid() });
type CallbackTeamView = z.infer<typeof CallbackTeamViewSchema>;

const presentTeam = (t: CallbackTeam): CallbackTeamView => ({
  queueId: t.queueId,
  zone: t.zone,
  weeklyHours: t.weeklyHours,
  overrides: t.overrides,
  holidays: t.holidays,
  slotIntervalMin: t.slotIntervalMin,
  bufferMin: t.bufferMin,
  minNoticeMin: t.minNoticeMin,
  durations: t.durations,
  calendarIntegrationId: t.calendarIntegrationId,
  queueSlaMin: t.queueSlaMin,
  agentEmail: t.agentEmail,
  members: t.members,
});

/** A booking as the API shows it (`local` = start in the team's zone). */
export const presentCallback = (c: CustomerCallback, zone: string): CallbackView => ({
  id: c.id,
  queueId: c.queueId,
  customerId: c.customerId,
  conversationId: c.conversationId,
  decisionId: c.decisionId,
  channel: c.channel,
  startsAt: new Date(c.startsAt).toISOString(),
  endsAt: new Date(c.endsAt).toISOString(),
  local: DateTime.fromJSDate(new Date(c.startsAt), { zone }).toISO() ?? new Date(c.startsAt).toISOString(),
  status: c.status,
  calendarEventId: c.calendarEventId,
  rescheduledFrom: c.rescheduledFrom,
  agentId: c.agentId,
});

const uuidOr404 = (id: string, field: string) => {
  if (!z.uuid().safeParse(id).success) throw new NotFoundProblem(`${field} ${id} not found`, field);
};

/**
 * Scheduled customer callbacks (seed 003 "Scheduled callback", docs/callbacks.md): team set-up, slot proposal
 * (`propose_callback_slots`), booking (`schedule_callback`, 409 when the slot is taken), reschedule / cancel /
 * outcome. Thin: the use cases decide.
 */
@ApiTags('callbacks')
@ApiTenant()
@Controller('v1/callbacks')
export class CustomerCallbacksController {
  constructor(
    private readonly propose: ProposeCallbackSlotsUseCase,
    private readonly schedule: ScheduleCallbackUseCase,
    private readonly repo: CustomerCallbackRepository,
    private readonly clock: CallbackClock,
  ) {}

  @RequireScopes('integrations:admin')
  @Put('teams/:queueId')
  @ApiOperation({
    summary:
      'Set up callbacks for a team (router queue): zone, hours, grid, buffers, notice, durations, calendar',
  })
  @ApiParam({ name: 'queueId', format: 'uuid' })
  @ApiJsonBody(CallbackTeamSchema, { name: 'CallbackTeam' })
  @ApiJsonResponse(200, CallbackTeamViewSchema, { name: 'CallbackTeamView', description: 'Stored' })
  @ApiProblem(400, 'Invalid set-up; `errors[].field` names each bad field (e.g. `zone`)')
  @ApiProblem(404, 'Unknown queue')
  async putTeam(
    @TenantId() tenantId: string,
    @Param('queueId') queueId: string,
    @Body(new ZodValidationPipe(CallbackTeamSchema)) body: CallbackTeamInput,
  ): Promise<CallbackTeamView> {
    uuidOr404(queueId, 'queueId');
    if (!(await this.repo.queueExists(tenantId, queueId)))
      throw new NotFoundProblem(`queue ${queueId} not found`, 'queueId');
    return presentTeam(await this.repo.putTeam(tenantId, queueId, body));
  }

  @RequireScopes('callbacks:read')
  @Get('teams/:queueId')
  @ApiOperation({ summary: 'A team’s callback set-up' })
  @ApiParam({ name: 'queueId', format: 'uuid' })
  @ApiJsonResponse(200, CallbackTeamViewSchema, { name: 'CallbackTeamView', description: 'The set-up' })
  @ApiProblem(404, 'No set-up for this queue')
  async getTeam(@TenantId() tenantId: string, @Param('queueId') queueId: string): Promise<CallbackTeamView> {
    uuidOr404(queueId, 'queueId');
    const t = await this.repo.team(tenantId, queueId);
    if (!t) throw new NotFoundProblem(`queue ${queueId} has no callback set-up`, 'queueId');
    return presentTeam(t);
  }

  @RequireScopes('callbacks:write')
  @Post('slots')
  @HttpCode(200)
  @ApiOperation({
    summary: 'propose_callback_slots: up to 3 slots (or the queue model without a calendar)',
    description:
      'Team hours, slot interval, buffers and minimum notice, minus the calendar’s busy time and booked callbacks.',
  })
  @ApiJsonBody(ProposeSlotsSchema, { name: 'ProposeCallbackSlots' })
  @ApiJsonResponse(200, SlotsResponseSchema, { name: 'CallbackSlots', description: 'The proposal' })
  @ApiProblem(400, 'Invalid request; `errors[].field` names the field')
  @ApiProblem(404, 'The queue has no callback set-up (`queueId`)')
  @ApiProblem(422, 'The team’s calendar integration is missing or failed (`calendarIntegrationId`)')
  async slots(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(ProposeSlotsSchema)) body: ProposeSlotsBody,
    @Headers('authorization') credential: string | undefined,
  ): Promise<z.infer<typeof SlotsResponseSchema>> {
    const p = await this.propose.execute(tenantId, body, credential, this.clock.now());
    return {
      ...p,
      slots: p.slots.map((s) => ({ start: s.start.toISOString(), end: s.end.toISOString(), local: s.local })),
    };
  }

  @RequireScopes('callbacks:write')
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'schedule_callback: book a slot, write it to the team calendar, send confirmations',
    description: 'No double booking: parallel bookings of one slot → one 201, the others 409 (`startsAt`).',
  })
  @ApiJsonBody(BookCallbackSchema, { name: 'ScheduleCallback' })
  @ApiJsonResponse(201, CallbackViewSchema, { name: 'CustomerCallback', description: 'Booked' })
  @ApiProblem(400, 'Invalid request; `errors[].field` names the field')
  @ApiProblem(404, 'The queue has no callback set-up (`queueId`)')
  @ApiProblem(409, 'The slot is taken (`startsAt`)')
  @ApiProblem(422, 'In the past, too short notice or outside hours (`startsAt`); unknown `decisionId`')
  async book(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(BookCallbackSchema)) body: BookCallbackBody,
  ): Promise<CallbackView> {
    const { callback, zone } = await this.schedule.book(tenantId, body, this.clock.now());
    return presentCallback(callback, zone);
  }

  @RequireScopes('callbacks:read')
  @Get(':id')
  @ApiOperation({ summary: 'A callback booking' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonResponse(200, CallbackDetailSchema, {
    name: 'CustomerCallbackDetail',
    description: 'The booking and its notifications (sent, failed, SMS delivery status)',
  })
  @ApiProblem(404, 'Unknown callback (or another tenant’s)')
  async get(@TenantId() tenantId: string, @Param('id') id: string): Promise<CallbackDetail> {
    uuidOr404(id, 'id');
    const c = await this.repo.get(tenantId, id);
    if (!c) throw new NotFoundProblem(`callback ${id} not found`, 'id');
    const team = await this.repo.team(tenantId, c.queueId);
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    const notifications = (await this.repo.notificationsOf(tenantId, id)).map((n) => ({
      kind: n.kind as CallbackDetail['notifications'][number]['kind'],
      recipient: n.recipient as CallbackDetail['notifications'][number]['recipient'],
      medium: n.medium as CallbackDetail['notifications'][number]['medium'],
      dueAt: new Date(n.dueAt).toISOString(),
      sentAt: iso(n.sentAt),
      failedAt: iso(n.failedAt),
      error: n.lastError,
      provider: n.provider,
      providerMessageId: n.providerMessageId,
      deliveryStatus: n.deliveryStatus,
      deliveryErrorCode: n.deliveryErrorCode,
    }));
    return { ...presentCallback(c, team?.zone ?? 'UTC'), notifications };
  }

  @RequireScopes('callbacks:write')
  @Patch(':id')
  @ApiOperation({
    summary: 'Reschedule, cancel, or record the outcome (completed / missed) of a booked callback',
    description:
      'A reschedule closes this booking as `rescheduled` and answers the new one (`rescheduledFrom`).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonBody(UpdateCallbackSchema, { name: 'UpdateCallback' })
  @ApiJsonResponse(200, CallbackViewSchema, {
    name: 'CustomerCallback',
    description: 'The resulting booking',
  })
  @ApiProblem(400, 'Invalid request; `errors[].field` names the field')
  @ApiProblem(404, 'Unknown callback')
  @ApiProblem(409, 'Not booked any more (`action`), or the new slot is taken (`startsAt`)')
  @ApiProblem(422, 'The new slot is in the past, too short notice or outside hours (`startsAt`)')
  async update(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(UpdateCallbackSchema)) body: UpdateCallbackBody,
  ): Promise<CallbackView> {
    uuidOr404(id, 'id');
    const { callback, zone } = await this.schedule.update(tenantId, id, body, this.clock.now());
    return presentCallback(callback, zone);
  }
}
