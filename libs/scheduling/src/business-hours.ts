import { DateTime, Interval } from 'luxon';
import { HolidayCalendar, checkHolidayRule } from './holidays';
import { parseBusinessHours, type BusinessHoursSpec, type LocalInterval } from './schema';

/** An instant: a JS Date, epoch milliseconds, or a luxon DateTime (its zone is irrelevant). */
export type Instant = Date | number | DateTime;

/**
 * One open stretch as absolute instants: `start` inclusive, `end` exclusive, both epoch milliseconds (UTC),
 * `start < end`. `startIso` / `endIso` are the same instants as ISO 8601 with the schedule zone's offset
 * (e.g. `2027-03-15T09:00:00.000-04:00`), handy for display and for APIs.
 */
export interface OpenInterval {
  start: number;
  end: number;
  startIso: string;
  endIso: string;
}

/** Where a day's intervals came from (for explanations: "closed — Independence Day"). */
export type DaySource =
  { kind: 'weekly' } | { kind: 'override'; note?: string } | { kind: 'holiday'; name: string };

/** How far {@link BusinessHours.nextOpening} looks ahead by default: 366 days. */
export const DEFAULT_HORIZON_DAYS = 366;

const toMillis = (at: Instant): number =>
  typeof at === 'number' ? at : at instanceof Date ? at.getTime() : at.toMillis();

/**
 * Business hours in one IANA time zone: weekly intervals, date overrides and holidays.
 *
 * Semantics (all calendar arithmetic in the schedule's zone with luxon — never the process TZ):
 * - A local interval belongs to the local date it starts on. `end <= start` runs past midnight into the next
 *   local date; `24:00` is the next date's midnight. An overnight interval is governed by its start date:
 *   a holiday or override of the next date does not cut it.
 * - A date override replaces that date's weekly intervals and wins over a holiday; a holiday (date-holidays,
 *   default type `public`) closes the date.
 * - Clock changes: a local time that does not exist (spring forward, e.g. 02:30 on 2027-03-14 in New York)
 *   moves forward by the gap (03:30); an ambiguous one (fall back) is its first occurrence (the earlier
 *   offset). So a 09:00–17:00 day is 8 h of real time on a change day unless the change falls inside it.
 * - Overlapping / touching intervals are merged.
 */
export class BusinessHours {
  private readonly holidays: HolidayCalendar | null;
  private readonly overrides: Map<string, BusinessHoursSpec['overrides'][number]>;
  private readonly weeklyByDay: Map<number, LocalInterval[]>;

  private constructor(readonly spec: BusinessHoursSpec) {
    this.holidays = spec.holidays ? new HolidayCalendar(spec.holidays) : null;
    this.overrides = new Map(spec.overrides.map((o) => [o.date, o]));
    this.weeklyByDay = new Map();
    for (const w of spec.weekly) {
      const list = this.weeklyByDay.get(w.day) ?? [];
      list.push({ start: w.start, end: w.end });
      this.weeklyByDay.set(w.day, list);
    }
  }

  /**
   * Validates and builds a schedule.
   * @param input the spec (see BusinessHoursSpecSchema): `{ timeZone, weekly, overrides?, holidays? }`
   * @throws InvalidScheduleError naming each bad field, e.g. `timeZone: must be a valid IANA time zone`
   */
  static from(input: unknown): BusinessHours {
    return new BusinessHours(parseBusinessHours(input, checkHolidayRule));
  }

  /** The schedule's IANA zone. */
  get timeZone(): string {
    return this.spec.timeZone;
  }

  /**
   * The local intervals of one local date and why (weekly / override / holiday).
   * @param localDate `YYYY-MM-DD` in the schedule's zone
   */
  dayPlan(localDate: string): { intervals: LocalInterval[]; source: DaySource } {
    const override = this.overrides.get(localDate);
    if (override) {
      return {
        intervals: override.closed ? [] : (override.intervals ?? []),
        source: { kind: 'override', note: override.note },
      };
    }
    const holiday = this.holidays?.holidayOn(localDate);
    if (holiday) return { intervals: [], source: { kind: 'holiday', name: holiday } };
    const weekday = DateTime.fromISO(localDate, { zone: this.spec.timeZone }).weekday;
    return { intervals: this.weeklyByDay.get(weekday) ?? [], source: { kind: 'weekly' } };
  }

  /**
   * Every open stretch overlapping `[from, to)`, clipped to it, sorted, merged (no two touch or overlap).
   * This is the function slot generators consume (e.g. callback slots: walk each interval in steps).
   * @param from inclusive start; @param to exclusive end (`to <= from` → `[]`)
   * @returns epoch-ms intervals plus ISO renderings in the schedule's zone ({@link OpenInterval})
   */
  openIntervals(from: Instant, to: Instant): OpenInterval[] {
    const fromMs = toMillis(from);
    const toMs = toMillis(to);
    if (!(toMs > fromMs)) return [];
    const zone = this.spec.timeZone;
    // An interval starting the previous local day may run into `from`: start one day early.
    let day = DateTime.fromMillis(fromMs, { zone }).startOf('day').minus({ days: 1 });
    const lastDay = DateTime.fromMillis(toMs, { zone }).startOf('day');
    const raw: Array<[number, number]> = [];
    while (day <= lastDay) {
      const localDate = day.toISODate() as string;
      for (const li of this.dayPlan(localDate).intervals) {
        const [s, e] = this.resolve(day, li);
        if (e > fromMs && s < toMs) raw.push([Math.max(s, fromMs), Math.min(e, toMs)]);
      }
      day = day.plus({ days: 1 });
    }
    raw.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const [s, e] of raw) {
      const last = merged[merged.length - 1];
      if (last && s <= last[1]) last[1] = Math.max(last[1], e);
      else if (e > s) merged.push([s, e]);
    }
    return merged.map(([start, end]) => ({
      start,
      end,
      startIso: DateTime.fromMillis(start, { zone }).toISO() as string,
      endIso: DateTime.fromMillis(end, { zone }).toISO() as string,
    }));
  }

  /** Same as {@link openIntervals} as luxon Intervals (in the schedule's zone). */
  openLuxonIntervals(from: Instant, to: Instant): Interval[] {
    const zone = this.spec.timeZone;
    return this.openIntervals(from, to).map((i) =>
      Interval.fromDateTimes(DateTime.fromMillis(i.start, { zone }), DateTime.fromMillis(i.end, { zone })),
    );
  }

  /** Whether the schedule is open at the instant `at` (interval starts inclusive, ends exclusive). */
  isOpen(at: Instant): boolean {
    const ms = toMillis(at);
    return this.openIntervals(ms, ms + 1).length > 0;
  }

  /**
   * The earliest instant `>= at` at which the schedule is open: `at` itself when open at `at`, else the start
   * of the next open interval; null when there is none within `horizonDays` (default 366).
   * @returns epoch milliseconds or null
   */
  nextOpening(at: Instant, horizonDays = DEFAULT_HORIZON_DAYS): number | null {
    const start = toMillis(at);
    const limit = DateTime.fromMillis(start).plus({ days: horizonDays }).toMillis();
    const step = 14 * 24 * 3_600_000;
    for (let from = start; from < limit; from += step) {
      const found = this.openIntervals(from, Math.min(from + step, limit));
      if (found.length > 0) return found[0].start;
    }
    return null;
  }

  /**
   * When the open stretch containing `at` ends (epoch ms). Follows merged intervals across midnight.
   * @returns null when closed at `at`, or when the stretch is still open `horizonDays` (default 7) later
   *          (e.g. a 24/7 schedule)
   */
  closesAt(at: Instant, horizonDays = 7): number | null {
    const ms = toMillis(at);
    const limit = ms + horizonDays * 86_400_000;
    const found = this.openIntervals(ms, limit);
    if (found.length === 0 || found[0].start !== ms || found[0].end >= limit) return null;
    return found[0].end;
  }

  /** A local interval on `day` (start of a local date) → absolute [start, end) epoch ms. */
  private resolve(day: DateTime, li: LocalInterval): [number, number] {
    const at = (d: DateTime, hhmm: string): DateTime => {
      if (hhmm === '24:00') return d.plus({ days: 1 }).startOf('day');
      const [hour, minute] = hhmm.split(':').map(Number);
      // luxon: a nonexistent local time moves forward by the gap; an ambiguous one takes the earlier offset.
      return DateTime.fromObject(
        { year: d.year, month: d.month, day: d.day, hour, minute },
        { zone: d.zone },
      );
    };
    const start = at(day, li.start);
    let end = li.end !== '24:00' && li.end <= li.start ? at(day.plus({ days: 1 }), li.end) : at(day, li.end);
    if (end <= start) end = start; // degenerate after a clock change (e.g. 02:00–02:30 in a spring gap)
    return [start.toMillis(), end.toMillis()];
  }
}
