import ical, { ICalCalendarMethod, ICalAttendeeRole, ICalAttendeeStatus } from 'ical-generator';
import type { CalendarEventInput, CalendarPerson } from './calendar-port';

/** Options of {@link buildICalendar}. */
export interface ICalendarOptions {
  /** RFC 5546 iTIP method: `REQUEST` for an e-mailed invite, `CANCEL` for a cancellation, none for CalDAV storage. */
  method?: 'REQUEST' | 'CANCEL';
  organizer?: CalendarPerson;
  /** RFC 5545 SEQUENCE: bump on every reschedule so clients replace the earlier version. */
  sequence?: number;
}

/**
 * Renders one event as an RFC 5545 iCalendar document (with `ical-generator`): a `VEVENT` with `UID` = the
 * booking id, UTC `DTSTART`/`DTEND`, attendees with `RSVP`, and the iTIP `METHOD` when given (RFC 5546; e-mail
 * invites are `REQUEST`, cancellations `CANCEL`).
 */
export function buildICalendar(event: CalendarEventInput, opts: ICalendarOptions = {}): string {
  const cal = ical({ prodId: { company: 'Engagement Hub', product: 'callbacks', language: 'EN' } });
  if (opts.method)
    cal.method(opts.method === 'REQUEST' ? ICalCalendarMethod.REQUEST : ICalCalendarMethod.CANCEL);
  const ev = cal.createEvent({
    id: event.uid,
    start: event.start,
    end: event.end,
    summary: event.summary,
    ...(event.description ? { description: event.description } : {}),
    sequence: opts.sequence ?? 0,
    stamp: new Date(),
    ...(opts.organizer
      ? { organizer: { email: opts.organizer.email, name: opts.organizer.name ?? opts.organizer.email } }
      : {}),
  });
  for (const a of event.attendees ?? []) {
    ev.createAttendee({
      email: a.email,
      ...(a.name ? { name: a.name } : {}),
      role: ICalAttendeeRole.REQ,
      status: opts.method === 'CANCEL' ? ICalAttendeeStatus.DECLINED : ICalAttendeeStatus.NEEDSACTION,
      rsvp: opts.method === 'REQUEST',
    });
  }
  return cal.toString();
}
