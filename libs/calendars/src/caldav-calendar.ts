import ICAL from 'ical.js';
import { createObject, deleteObject, freeBusyQuery } from 'tsdav';
import {
  CalendarError,
  mergeRanges,
  type CalendarEventInput,
  type CalendarFetch,
  type CalendarPort,
  type CreatedCalendarEvent,
  type TimeRange,
} from './calendar-port';
import { buildICalendar } from './invite';

/** Where and how to reach a CalDAV calendar collection (RFC 4791). */
export interface CalDavConfig {
  /** The calendar collection URL, e.g. `https://dav.example.com/user/calendars/calendar/` (trailing slash added). */
  calendarUrl: string;
  /** HTTP Basic credentials (RFC 7617), when the server asks for them. */
  username?: string;
  password?: string;
}

/**
 * A CalDAV calendar through `tsdav`: busy time by the `free-busy-query` REPORT (RFC 4791 §7.10, sent with
 * `Depth: 1` so the server looks at the collection's members; answered with a `VFREEBUSY`), events written as
 * `<uid>.ics` objects with `If-None-Match: *` (a second booking of the same uid is refused, never overwritten) and
 * deleted by URL.
 */
export class CalDavCalendar implements CalendarPort {
  private readonly url: string;

  constructor(
    private readonly config: CalDavConfig,
    private readonly fetchImpl: CalendarFetch,
  ) {
    this.url = config.calendarUrl.endsWith('/') ? config.calendarUrl : `${config.calendarUrl}/`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { ...extra };
    if (this.config.username !== undefined) {
      h.authorization = `Basic ${Buffer.from(`${this.config.username}:${this.config.password ?? ''}`).toString('base64')}`;
    }
    return h;
  }

  private get fetch(): typeof fetch {
    return this.fetchImpl as unknown as typeof fetch;
  }

  /** @inheritdoc */
  async freeBusy(from: Date, to: Date): Promise<TimeRange[]> {
    let res;
    try {
      res = await freeBusyQuery({
        url: this.url,
        timeRange: { start: from.toISOString(), end: to.toISOString() },
        depth: '1',
        headers: this.headers(),
        fetch: this.fetch,
      });
    } catch (e) {
      throw new CalendarError('caldav', `free-busy-query failed: ${(e as Error).message}`);
    }
    if (!res.ok) throw new CalendarError('caldav', `free-busy-query answered ${res.status}`, res.status);
    if (typeof res.raw !== 'string')
      throw new CalendarError('caldav', 'free-busy-query answered no VFREEBUSY');
    return parseFreeBusy(res.raw);
  }

  /** @inheritdoc */
  async createEvent(event: CalendarEventInput): Promise<CreatedCalendarEvent> {
    const objectUrl = `${this.url}${encodeURIComponent(event.uid)}.ics`;
    const res = await createObject({
      url: objectUrl,
      data: buildICalendar(event),
      headers: this.headers({ 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' }),
      fetch: this.fetch,
    });
    if (!res.ok) throw new CalendarError('caldav', `PUT event answered ${res.status}`, res.status);
    return { id: objectUrl };
  }

  /** @inheritdoc */
  async deleteEvent(id: string): Promise<void> {
    const res = await deleteObject({ url: id, headers: this.headers(), fetch: this.fetch });
    if (!res.ok && res.status !== 404 && res.status !== 410) {
      throw new CalendarError('caldav', `DELETE event answered ${res.status}`, res.status);
    }
  }
}

/**
 * Reads the busy periods of an iCalendar `VFREEBUSY` (RFC 5545 §3.6.4/§3.8.2.6) with ical.js: every `FREEBUSY`
 * value except `FBTYPE=FREE`, periods given as start/end or start/duration.
 * @throws CalendarError when the text is not iCalendar
 */
export function parseFreeBusy(text: string): TimeRange[] {
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text));
  } catch (e) {
    throw new CalendarError('caldav', `unreadable VFREEBUSY: ${(e as Error).message}`);
  }
  const out: TimeRange[] = [];
  for (const fb of root.getAllSubcomponents('vfreebusy')) {
    for (const prop of fb.getAllProperties('freebusy')) {
      const type = String(prop.getParameter('fbtype') ?? 'BUSY').toUpperCase();
      if (type === 'FREE') continue;
      for (const v of prop.getValues()) {
        const period = v as ICAL.Period;
        const start = period.start.toJSDate();
        const end = period.end ? period.end.toJSDate() : period.getEnd().toJSDate();
        out.push({ start, end });
      }
    }
  }
  return mergeRanges(out);
}
