import {
  CalendarError,
  mergeRanges,
  type AccessTokenProvider,
  type CalendarEventInput,
  type CalendarFetch,
  type CalendarPort,
  type CreatedCalendarEvent,
  type TimeRange,
  withBearerRetry,
} from './calendar-port';

/** A Google calendar (Calendar API v3). */
export interface GoogleCalendarConfig {
  /** Calendar id, e.g. `team-support@group.calendar.google.com` or `primary`. */
  calendarId: string;
  /** API root; default `https://www.googleapis.com/calendar/v3` (tests point it at a local server). */
  baseUrl?: string;
}

interface FreeBusyResponse {
  calendars?: Record<string, { busy?: { start: string; end: string }[]; errors?: { reason: string }[] }>;
}

/**
 * Google Calendar API v3: busy time from `POST /freeBusy` (`timeMin`/`timeMax` RFC 3339, `items: [{id}]`,
 * answer `calendars[id].busy[]`, per-calendar `errors[]` raised), events by `POST /calendars/{id}/events`
 * (`iCalUID` = booking id, `sendUpdates=none`: the hub sends its own invites) and
 * `DELETE /calendars/{id}/events/{eventId}` (410 Gone = already deleted). Every call carries
 * `Authorization: Bearer <token>` (RFC 6750) from the token provider; a 401 gets one retry with a refreshed token.
 */
export class GoogleCalendar implements CalendarPort {
  private readonly base: string;

  constructor(
    private readonly config: GoogleCalendarConfig,
    private readonly token: AccessTokenProvider,
    private readonly fetchImpl: CalendarFetch,
  ) {
    this.base = (config.baseUrl ?? 'https://www.googleapis.com/calendar/v3').replace(/\/+$/, '');
  }

  private call(method: string, path: string, body?: unknown): Promise<Response> {
    return withBearerRetry(this.token, (bearer) =>
      this.fetchImpl(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  }

  private async fail(res: Response, what: string): Promise<never> {
    let reason = '';
    try {
      const j = (await res.json()) as { error?: { message?: string } };
      reason = j.error?.message ? `: ${j.error.message}` : '';
    } catch {
      /* no JSON body */
    }
    throw new CalendarError('google', `${what} answered ${res.status}${reason}`, res.status);
  }

  /** @inheritdoc */
  async freeBusy(from: Date, to: Date): Promise<TimeRange[]> {
    const res = await this.call('POST', '/freeBusy', {
      timeMin: from.toISOString(),
      timeMax: to.toISOString(),
      items: [{ id: this.config.calendarId }],
    });
    if (!res.ok) return this.fail(res, 'freeBusy');
    const body = (await res.json()) as FreeBusyResponse;
    const cal = body.calendars?.[this.config.calendarId];
    if (!cal) throw new CalendarError('google', 'freeBusy answered without the calendar');
    if (cal.errors?.length) {
      throw new CalendarError('google', `freeBusy: ${cal.errors.map((e) => e.reason).join(', ')}`);
    }
    return mergeRanges((cal.busy ?? []).map((b) => ({ start: new Date(b.start), end: new Date(b.end) })));
  }

  /** @inheritdoc */
  async createEvent(event: CalendarEventInput): Promise<CreatedCalendarEvent> {
    const res = await this.call(
      'POST',
      `/calendars/${encodeURIComponent(this.config.calendarId)}/events?sendUpdates=none`,
      {
        iCalUID: event.uid,
        summary: event.summary,
        ...(event.description ? { description: event.description } : {}),
        start: { dateTime: event.start.toISOString() },
        end: { dateTime: event.end.toISOString() },
        attendees: (event.attendees ?? []).map((a) => ({
          email: a.email,
          ...(a.name ? { displayName: a.name } : {}),
        })),
      },
    );
    if (!res.ok) return this.fail(res, 'events.insert');
    const body = (await res.json()) as { id?: string };
    if (!body.id) throw new CalendarError('google', 'events.insert answered without an id');
    return { id: body.id };
  }

  /** @inheritdoc */
  async deleteEvent(id: string): Promise<void> {
    const res = await this.call(
      'DELETE',
      `/calendars/${encodeURIComponent(this.config.calendarId)}/events/${encodeURIComponent(id)}?sendUpdates=none`,
    );
    if (!res.ok && res.status !== 404 && res.status !== 410) return this.fail(res, 'events.delete');
  }
}
