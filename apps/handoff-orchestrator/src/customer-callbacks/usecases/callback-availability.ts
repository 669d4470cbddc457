import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { BusinessHours } from '@hub/scheduling';
import {
  CalendarError,
  mergeRanges,
  proposeSlots,
  type CalendarPort,
  type ProposedSlot,
  type TimeRange,
} from '@hub/calendars';
import { ConflictProblem, NotFoundProblem, UnprocessableProblem } from '../../http/problems';
import { CustomerCallbackRepository, type CallbackTeam } from '../customer-callback.repository';
import { CalendarIntegrationMissingError, TeamCalendars } from '../team-calendars';

const MIN = 60_000;
/** How far ahead slots are looked for, days. */
export const SLOT_HORIZON_DAYS = 14;

/** 502-class failure of the team's calendar, reported as 422 naming the team's calendar integration. */
export class CalendarUnavailableProblem extends UnprocessableProblem {}

/** The team's open intervals in `[from, to)` from its @hub/scheduling business hours (weekly, overrides, holidays). */
export function openIntervals(team: CallbackTeam, from: Date, to: Date): TimeRange[] {
  const hours = BusinessHours.from({
    timeZone: team.zone,
    weekly: team.weeklyHours,
    overrides: team.overrides,
    ...(team.holidays ? { holidays: team.holidays } : {}),
  });
  return hours.openIntervals(from, to).map((i) => ({ start: new Date(i.start), end: new Date(i.end) }));
}

/**
 * A team's availability: its settings, open intervals (@hub/scheduling business hours in the team's zone), busy time (calendar free-busy ∪ booked callbacks) and the slot rules.
 */
@Injectable()
export class CallbackAvailability {
  constructor(
    private readonly repo: CustomerCallbackRepository,
    private readonly calendars: TeamCalendars,
  ) {}

  /**
   * @throws NotFoundProblem (`queueId`) when the team has no callback set-up
   */
  async team(tenantId: string, queueId: string): Promise<CallbackTeam> {
    const team = await this.repo.team(tenantId, queueId);
    if (!team)
      throw new NotFoundProblem(
        `queue ${queueId} has no callback set-up (PUT /v1/callbacks/teams/${queueId})`,
        'queueId',
      );
    return team;
  }

  /** @throws UnprocessableProblem (`calendarIntegrationId`) when the team's calendar integration is gone */
  async calendar(team: CallbackTeam): Promise<CalendarPort | null> {
    try {
      return await this.calendars.forTeam(team.tenantId, team.calendarIntegrationId);
    } catch (e) {
      if (e instanceof CalendarIntegrationMissingError)
        throw new UnprocessableProblem(e.message, 'calendarIntegrationId');
      throw e;
    }
  }

  /**
   * Busy time in `[from, to)` per assignee: for a team with members, each member's own booked callbacks (any team)
   * plus the team calendar's free-busy (shared: it blocks every member), keyed by agent id; for a team without
   * members one entry, key `null`: the team's booked callbacks plus its calendar.
   * @param excludeId a booking not to count (the one being rescheduled)
   * @throws CalendarUnavailableProblem (`calendarIntegrationId`) when the calendar fails
   */
  async busy(
    team: CallbackTeam,
    calendar: CalendarPort | null,
    from: Date,
    to: Date,
    excludeId?: string,
  ): Promise<Map<string | null, TimeRange[]>> {
    let shared: TimeRange[] = [];
    if (calendar) {
      try {
        shared = await calendar.freeBusy(from, to);
      } catch (e) {
        if (e instanceof CalendarError)
          throw new CalendarUnavailableProblem(
            `the team's calendar failed: ${e.message}`,
            'calendarIntegrationId',
          );
        throw e;
      }
    }
    if (!team.members.length) {
      const booked = await this.repo.bookedRanges(team.tenantId, team.queueId, from, to, excludeId);
      return new Map([[null, mergeRanges([...booked, ...shared])]]);
    }
    const byAgent = await this.repo.agentBookedRanges(
      team.tenantId,
      team.members.map((m) => m.agentId),
      from,
      to,
      excludeId,
    );
    return new Map([...byAgent].map(([a, booked]) => [a, mergeRanges([...booked, ...shared])]));
  }

  /**
   * Up to `max` slots from `now` over the horizon: times at which at least one assignee (a member, or the team
   * without members) is free — the union of each assignee's slots, earliest first.
   */
  async slots(
    team: CallbackTeam,
    calendar: CalendarPort | null,
    durationMin: number,
    now: Date,
    max = 3,
  ): Promise<ProposedSlot[]> {
    const to = new Date(now.getTime() + SLOT_HORIZON_DAYS * 24 * 60 * MIN);
    // from the team's local midnight a day back, so each interval starts at its real opening (or a local
    // midnight when rules touch): the slot grid counts from there, never from `now`
    const dayBack = DateTime.fromJSDate(now, { zone: team.zone })
      .startOf('day')
      .minus({ days: 1 })
      .toJSDate();
    const open = openIntervals(team, dayBack, to);
    const byStart = new Map<number, ProposedSlot>();
    for (const busy of (await this.busy(team, calendar, now, to)).values()) {
      // each assignee's first `max` slots hold the union's first `max`
      for (const s of proposeSlots({
        openIntervals: open,
        busy,
        durationMin,
        intervalMin: team.slotIntervalMin,
        bufferMin: team.bufferMin,
        minNoticeMin: team.minNoticeMin,
        now,
        zone: team.zone,
        max,
      }))
        byStart.set(new Date(s.start).getTime(), s);
    }
    return [...byStart.entries()]
      .sort(([a], [b]) => a - b)
      .slice(0, max)
      .map(([, s]) => s);
  }

  /**
   * Checks that `[start, start + duration)` is bookable: not in the past, with the minimum notice, inside the
   * team's hours, and free (calendar + buffers) for at least one assignee.
   * @param excludeId a booking not to count as busy (the one being rescheduled)
   * @returns the free assignees: member agent ids in the assignment order ({@link assignmentOrder}), or `[null]`
   *          for a team without members
   * @throws UnprocessableProblem (`startsAt`: in the past / too short notice / outside hours), ConflictProblem
   *         (`startsAt`: slot taken for every assignee)
   */
  async assertBookable(
    team: CallbackTeam,
    calendar: CalendarPort | null,
    start: Date,
    durationMin: number,
    now: Date,
    excludeId?: string,
  ): Promise<(string | null)[]> {
    const end = new Date(start.getTime() + durationMin * MIN);
    if (start.getTime() <= now.getTime())
      throw new UnprocessableProblem('the slot is in the past', 'startsAt');
    if (start.getTime() < now.getTime() + team.minNoticeMin * MIN) {
      throw new UnprocessableProblem(
        `the slot needs at least ${team.minNoticeMin} minutes notice`,
        'startsAt',
      );
    }
    const open = openIntervals(
      team,
      new Date(start.getTime() - 24 * 60 * MIN),
      new Date(end.getTime() + 24 * 60 * MIN),
    );
    if (!open.some((o) => o.start.getTime() <= start.getTime() && end.getTime() <= o.end.getTime())) {
      throw new UnprocessableProblem(`the slot is outside the team's hours (${team.zone})`, 'startsAt');
    }
    const buffer = team.bufferMin * MIN;
    const busy = await this.busy(
      team,
      calendar,
      new Date(start.getTime() - buffer),
      new Date(end.getTime() + buffer),
      excludeId,
    );
    const free = [...busy]
      .filter(
        ([, ranges]) =>
          !ranges.some(
            (b) => b.start.getTime() < end.getTime() + buffer && start.getTime() - buffer < b.end.getTime(),
          ),
      )
      .map(([a]) => a);
    if (!free.length) throw new ConflictProblem('the slot is taken', 'startsAt');
    if (free[0] === null) return [null];
    const day = DateTime.fromJSDate(start, { zone: team.zone }).startOf('day');
    const counts = await this.repo.agentBookingCounts(
      team.tenantId,
      free as string[],
      day.toJSDate(),
      day.plus({ days: 1 }).toJSDate(),
    );
    return assignmentOrder(free as string[], counts);
  }
}

/**
 * The assignment policy of a callback team with members: of the members free for the slot, the one with the
 * fewest booked callbacks starting that local day (team zone) goes first; ties by agent id (ascending). The
 * booking tries them in this order — the exclusion constraint refuses an agent a parallel booking took first.
 * @param counts booked callbacks per agent that day (absent = 0)
 */
export function assignmentOrder(free: readonly string[], counts: ReadonlyMap<string, number>): string[] {
  return [...free].sort(
    (a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0),
  );
}
