import Holidays from 'date-holidays';
import type { HolidayRule, ScheduleIssue } from './schema';

/**
 * Holiday calendar over the `date-holidays` library: which local dates (`YYYY-MM-DD`) are holidays of the
 * rule's types in its country/state/region. Results are cached per year. A holiday closes its whole local
 * date (half-day holidays such as some Christmas Eves count as the whole day; use a date override instead).
 */
export class HolidayCalendar {
  private readonly lib: Holidays;
  private readonly types: Set<string>;
  private readonly byYear = new Map<number, Map<string, string>>();

  constructor(readonly rule: HolidayRule) {
    this.lib = new Holidays(rule.country, rule.state ?? '', rule.region ?? '');
    this.types = new Set(rule.types ?? ['public']);
  }

  /** The holiday's name when `localDate` (`YYYY-MM-DD`) is a holiday of the configured types, else null. */
  holidayOn(localDate: string): string | null {
    const year = Number(localDate.slice(0, 4));
    let dates = this.byYear.get(year);
    if (!dates) {
      dates = new Map();
      for (const h of this.lib.getHolidays(year) ?? []) {
        if (!this.types.has(h.type)) continue;
        // `date` is the holiday's local calendar date ("2027-07-05 00:00:00", or "… 14:00:00" for a part
        // day); a multi-day holiday has start/end a day or more apart, covered by `date` of each entry.
        const day = h.date.slice(0, 10);
        if (!dates.has(day)) dates.set(day, h.name);
      }
      this.byYear.set(year, dates);
    }
    return dates.get(localDate) ?? null;
  }
}

/**
 * Checks that date-holidays knows the rule's country (and state / region when given).
 * @returns an issue naming `holidays.country` / `holidays.state` / `holidays.region`, or null
 */
export function checkHolidayRule(rule: HolidayRule): ScheduleIssue | null {
  const lib = new Holidays();
  const countries = lib.getCountries() ?? {};
  if (!countries[rule.country])
    return { field: 'holidays.country', message: `unknown country ${rule.country}` };
  if (rule.state) {
    const states = lib.getStates(rule.country) ?? {};
    if (!states[rule.state])
      return { field: 'holidays.state', message: `unknown state ${rule.state} of ${rule.country}` };
    if (rule.region) {
      const regions = lib.getRegions(rule.country, rule.state) ?? {};
      if (!regions[rule.region])
        return { field: 'holidays.region', message: `unknown region ${rule.region}` };
    }
  } else if (rule.region) {
    return { field: 'holidays.region', message: 'a region needs a state' };
  }
  return null;
}
