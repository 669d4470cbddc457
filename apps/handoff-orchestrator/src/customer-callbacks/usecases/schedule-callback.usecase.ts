import { Inject, Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import { CalendarError, type CalendarPort } from '@hub/calendars';
import { LOGGER } from '@hub/observability';
import { EscalationRepository } from '../../escalation/escalation.repository';
import { ConflictProblem, NotFoundProblem, UnprocessableProblem } from '../../http/problems';
import type { BookCallbackBody, UpdateCallbackBody } from '../callbacks.schemas';
import {
  CustomerCallbackRepository,
  SlotTakenError,
  type CallbackTeam,
  type CustomerCallback,
  type NewNotification,
} from '../customer-callback.repository';
import { CallbackAvailability } from './callback-availability';

/** Injection token of {@link CallbackBookingOptions}. */
export const CALLBACK_BOOKING_OPTIONS = Symbol('CALLBACK_BOOKING_OPTIONS');
/** Options of the booking use cases. */
export interface CallbackBookingOptions {
  /** The reminder fires this long before the slot, minutes (seed 003: 15). */
  reminderLeadMin: number;
}

const MIN = 60_000;

/** Where the assigned agent's (else the team's) confirmations and reminders go: the member's e-mail, else the team's. */
export function agentEmailFor(
  team: Pick<CallbackTeam, 'agentEmail' | 'members'>,
  agentId: string | null,
): string | null {
  const member = agentId ? team.members.find((m) => m.agentId === agentId) : undefined;
  return member?.email ?? team.agentEmail;
}

/** The confirmation (now) and reminder (start − lead) rows of a booking, for every reachable side. */
export function notificationsFor(
  cb: Pick<CustomerCallback, 'customerEmail' | 'customerPhone' | 'startsAt' | 'integrationId'>,
  team: Pick<CallbackTeam, 'agentEmail'>,
  now: Date,
  reminderLeadMin: number,
  kinds: ('confirmation' | 'reminder' | 'cancellation' | 'work_item')[] = [
    'confirmation',
    'reminder',
    'work_item',
  ],
): NewNotification[] {
  const sides: Pick<NewNotification, 'recipient' | 'medium'>[] = [];
  if (cb.customerEmail) sides.push({ recipient: 'customer', medium: 'email' });
  if (cb.customerPhone) sides.push({ recipient: 'customer', medium: 'sms' });
  if (team.agentEmail) sides.push({ recipient: 'agent', medium: 'email' });
  const reminderAt = new Date(cb.startsAt.getTime() - reminderLeadMin * MIN);
  const out: NewNotification[] = [];
  for (const kind of kinds) {
    if (kind === 'work_item') {
      // at the slot time the callback becomes a handoff on the team's queue (needs the bot's integration)
      if (cb.integrationId) out.push({ kind, recipient: 'queue', medium: 'handoff', dueAt: cb.startsAt });
      continue;
    }
    if (kind === 'reminder' && reminderAt.getTime() <= now.getTime()) continue;
    for (const s of sides) out.push({ ...s, kind, dueAt: kind === 'reminder' ? reminderAt : now });
  }
  return out;
}

/**
 * `schedule_callback` and its follow-ups: book a slot, assigned to one free team member (`assignmentOrder`:
 * fewest bookings that local day, ties by agent id; teams without members book team-level) — no double booking
 * per agent: the exclusion constraint decides between parallel requests, write the event to the team's calendar inside the booking transaction, queue the
 * confirmations and the reminder; reschedule (close as `rescheduled`, book anew, move the calendar event and
 * the reminder), cancel, and record the outcome (completed / missed) that the handoff report reads.
 */
@Injectable()
export class ScheduleCallbackUseCase {
  constructor(
    private readonly availability: CallbackAvailability,
    private readonly repo: CustomerCallbackRepository,
    private readonly decisions: EscalationRepository,
    @Inject(CALLBACK_BOOKING_OPTIONS) private readonly opts: CallbackBookingOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Books the slot.
   * @throws NotFoundProblem (`queueId`), UnprocessableProblem (`startsAt`, `decisionId`, `calendarIntegrationId`),
   *         ConflictProblem (`startsAt`: taken)
   */
  async book(
    tenantId: string,
    body: BookCallbackBody,
    now = new Date(),
  ): Promise<{ callback: CustomerCallback; zone: string }> {
    const team = await this.availability.team(tenantId, body.queueId);
    if (body.decisionId && !(await this.decisions.getDecision(tenantId, body.decisionId))) {
      throw new UnprocessableProblem(`unknown escalation decision ${body.decisionId}`, 'decisionId');
    }
    const calendar = await this.availability.calendar(team);
    const durationMin = body.durationMin ?? team.durations[body.channel];
    const start = new Date(body.startsAt);
    const assignees = await this.availability.assertBookable(team, calendar, start, durationMin, now);
    const draft = {
      tenantId,
      queueId: team.queueId,
      customerId: body.customerId,
      conversationId: body.conversationId ?? null,
      decisionId: body.decisionId ?? null,
      integrationId: body.integrationId ?? null,
      channel: body.channel,
      startsAt: start,
      endsAt: new Date(start.getTime() + durationMin * MIN),
      customerName: body.customer.name ?? null,
      customerEmail: body.customer.email ?? null,
      customerPhone: body.customer.phone ?? null,
      context: body.context,
      rescheduledFrom: null,
    };
    const callback = await this.insertAssigned(team, calendar, draft, assignees, now);
    if (callback.decisionId) {
      await this.decisions.followUp(tenantId, callback.decisionId, {
        pathPicked: 'callback',
        callbackDueAt: callback.startsAt,
      });
    }
    return { callback, zone: team.zone };
  }

  /**
   * Books `draft` for the first of `assignees` (assignment order) the exclusion constraint accepts: a parallel
   * booking may have taken an agent since the availability check, then the next one is tried.
   * @throws ConflictProblem (`startsAt`) when every assignee is taken
   */
  private async insertAssigned(
    team: CallbackTeam,
    calendar: CalendarPort | null,
    draft: Omit<Parameters<CustomerCallbackRepository['book']>[0], 'agentId'>,
    assignees: (string | null)[],
    now: Date,
    replaces?: CustomerCallback,
  ): Promise<CustomerCallback> {
    for (const [i, agentId] of assignees.entries()) {
      try {
        return await this.insert(team, calendar, { ...draft, agentId }, now, replaces);
      } catch (e) {
        if (!(e instanceof ConflictProblem) || i === assignees.length - 1) throw e;
        this.logger.info(
          { agentId, startsAt: draft.startsAt },
          'agent taken by a parallel booking: next one',
        );
      }
    }
    throw new ConflictProblem('the slot is taken', 'startsAt');
  }

  private async insert(
    team: CallbackTeam,
    calendar: CalendarPort | null,
    draft: Parameters<CustomerCallbackRepository['book']>[0],
    now: Date,
    replaces?: CustomerCallback,
  ): Promise<CustomerCallback> {
    try {
      return await this.repo.book(
        draft,
        notificationsFor(
          draft,
          { agentEmail: agentEmailFor(team, draft.agentId) },
          now,
          this.opts.reminderLeadMin,
        ),
        async (row) => {
          if (!calendar) return null;
          if (replaces?.calendarEventId) await calendar.deleteEvent(replaces.calendarEventId);
          const ev = await calendar.createEvent({
            uid: row.id,
            start: row.startsAt,
            end: row.endsAt,
            summary: `Callback (${row.channel}): ${row.customerName ?? row.customerId}${row.agentId ? ` — agent ${row.agentId}` : ''}`,
            description: `Customer ${row.customerId}${row.conversationId ? `, conversation ${row.conversationId}` : ''}.${row.agentId ? ` Assigned agent: ${row.agentId}.` : ''} Local time ${DateTime.fromJSDate(row.startsAt, { zone: team.zone }).toISO()}.`,
            attendees: row.customerEmail
              ? [{ email: row.customerEmail, ...(row.customerName ? { name: row.customerName } : {}) }]
              : [],
          });
          return ev.id;
        },
        replaces?.id,
      );
    } catch (e) {
      if (e instanceof SlotTakenError) throw new ConflictProblem('the slot is taken', 'startsAt');
      if (e instanceof CalendarError) {
        throw new UnprocessableProblem(
          `the team's calendar refused the event: ${e.message}`,
          'calendarIntegrationId',
        );
      }
      throw e;
    }
  }

  /**
   * Reschedules, cancels or records the outcome of a `booked` callback.
   * @returns the resulting booking (the new one for a reschedule)
   * @throws NotFoundProblem (`id`), ConflictProblem (`action`: not booked any more; `startsAt`: taken),
   *         UnprocessableProblem (`startsAt`)
   */
  async update(
    tenantId: string,
    id: string,
    body: UpdateCallbackBody,
    now = new Date(),
  ): Promise<{ callback: CustomerCallback; zone: string }> {
    const current = await this.repo.get(tenantId, id);
    if (!current) throw new NotFoundProblem(`callback ${id} not found`, 'id');
    if (current.status !== 'booked')
      throw new ConflictProblem(`callback ${id} is ${current.status}, not booked`, 'action');
    const team = await this.availability.team(tenantId, current.queueId);
    const calendar = await this.availability.calendar(team);
    if (body.action === 'reschedule') {
      // the schema requires startsAt for a reschedule
      const start = new Date(body.startsAt ?? Number.NaN);
      if (Number.isNaN(start.getTime()))
        throw new UnprocessableProblem('required for reschedule', 'startsAt');
      const durationMin = Math.round((current.endsAt.getTime() - current.startsAt.getTime()) / MIN);
      // the booking being moved is not busy time for its own new slot; the new slot is assigned anew (the
      // current agent keeps it when the policy picks it again)
      const assignees = await this.availability.assertBookable(
        team,
        calendar,
        start,
        durationMin,
        now,
        current.id,
      );
      const callback = await this.insertAssigned(
        team,
        calendar,
        {
          ...current,
          id: undefined,
          startsAt: start,
          endsAt: new Date(start.getTime() + durationMin * MIN),
          rescheduledFrom: current.id,
          sequence: current.sequence + 1,
        },
        assignees,
        now,
        current,
      );
      if (callback.decisionId)
        await this.decisions.followUp(tenantId, callback.decisionId, { callbackDueAt: callback.startsAt });
      return { callback, zone: team.zone };
    }
    const status = body.action === 'cancel' ? 'canceled' : body.outcome;
    if (!status) throw new UnprocessableProblem('required for action outcome', 'outcome');
    const closed = await this.repo.close(
      tenantId,
      id,
      status,
      status === 'canceled'
        ? notificationsFor(
            current,
            { agentEmail: agentEmailFor(team, current.agentId) },
            now,
            this.opts.reminderLeadMin,
            ['cancellation'],
          )
        : [],
      async (row) => {
        if (status === 'canceled' && calendar && row.calendarEventId)
          await calendar.deleteEvent(row.calendarEventId);
      },
    );
    if (!closed) throw new ConflictProblem(`callback ${id} is no longer booked`, 'action');
    if (closed.decisionId) {
      await this.decisions.followUp(tenantId, closed.decisionId, {
        callbackOutcome: status === 'canceled' ? 'cancelled' : status,
      });
    }
    this.logger.info({ callbackId: id, status }, 'customer callback closed');
    return { callback: closed, zone: team.zone };
  }
}
