import { DateTime } from 'luxon';
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

/** A Microsoft 365 / Outlook calendar through Microsoft Graph v1.0. */
export interface MicrosoftGraphCalendarConfig {
  /** The mailbox whose calendar receives the events (user id or UPN), e.g. `support-team@contoso.com`. */
  user: string;
  /** The SMTP address whose schedule is read (default: `user`). */
  schedule?: string;
  /** API root; default `https://graph.microsoft.com/v1.0`. */
  baseUrl?: string;
}

/** Graph's `dateTimeTimeZone` resource. */
interface GraphDateTime {
  dateTime: string;
  timeZone: string;
}

interface ScheduleResponse {
  value?: {
    scheduleId: string;
    error?: { message?: string; responseCode?: string };
    scheduleItems?: { status: string; start: GraphDateTime; end: GraphDateTime }[];
  }[];
}

const BUSY_STATUSES = new Set(['busy', 'tentative', 'oof', 'workingElsewhere']);

/**
 * Microsoft Graph v1.0: busy time from `POST /users/{user}/calendar/getSchedule` (times asked and answered in
 * UTC; items with status busy / tentative / oof / workingElsewhere count as busy; a per-schedule `error` is
 * raised), events by `POST /users/{user}/calendar/events` (`transactionId` = booking id, so a retried create is
 * not duplicated) and `DELETE /users/{user}/events/{id}`. Every call carries `Authorization: Bearer <token>`; a 401
 * gets one retry with a refreshed token.
 */
export class MicrosoftGraphCalendar implements CalendarPort {
  private readonly base: string;

  constructor(
    private readonly config: MicrosoftGraphCalendarConfig,
    private readonly token: AccessTokenProvider,
    private readonly fetchImpl: CalendarFetch,
  ) {
    this.base = (config.baseUrl ?? 'https://graph.microsoft.com/v1.0').replace(/\/+$/, '');
  }

  private get userPath(): string {
    return `/users/${encodeURIComponent(this.config.user)}`;
  }

  private call(method: string, path: string, body?: unknown): Promise<Response> {
    return withBearerRetry(this.token, (bearer) =>
      this.fetchImpl(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          accept: 'application/json',
          prefer: 'outlook.timezone="UTC"',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  }

  private async fail(res: Response, what: string): Promise<never> {
    let reason = '';
    try {
      const j = (await res.json()) as { error?: { code?: string; message?: string } };
      reason = j.error ? `: ${j.error.code ?? ''} ${j.error.message ?? ''}`.trimEnd() : '';
    } catch {
      /* no JSON body */
    }
    throw new CalendarError('microsoft_graph', `${what} answered ${res.status}${reason}`, res.status);
  }

  /** @inheritdoc */
  async freeBusy(from: Date, to: Date): Promise<TimeRange[]> {
    const schedule = this.config.schedule ?? this.config.user;
    const res = await this.call('POST', `${this.userPath}/calendar/getSchedule`, {
      schedules: [schedule],
      startTime: toGraph(from),
      endTime: toGraph(to),
      availabilityViewInterval: 15,
    });
    if (!res.ok) return this.fail(res, 'getSchedule');
    const body = (await res.json()) as ScheduleResponse;
    const item = body.value?.find((v) => v.scheduleId.toLowerCase() === schedule.toLowerCase());
    if (!item) throw new CalendarError('microsoft_graph', 'getSchedule answered without the schedule');
    if (item.error) {
      throw new CalendarError(
        'microsoft_graph',
        `getSchedule: ${item.error.responseCode ?? ''} ${item.error.message ?? ''}`,
      );
    }
    return mergeRanges(
      (item.scheduleItems ?? [])
        .filter((i) => BUSY_STATUSES.has(i.status))
        .map((i) => ({ start: fromGraph(i.start), end: fromGraph(i.end) })),
    );
  }

  /** @inheritdoc */
  async createEvent(event: CalendarEventInput): Promise<CreatedCalendarEvent> {
    const res = await this.call('POST', `${this.userPath}/calendar/events`, {
      subject: event.summary,
      body: { contentType: 'text', content: event.description ?? '' },
      start: toGraph(event.start),
      end: toGraph(event.end),
      transactionId: event.uid,
      attendees: (event.attendees ?? []).map((a) => ({
        emailAddress: { address: a.email, ...(a.name ? { name: a.name } : {}) },
        type: 'required',
      })),
    });
    if (!res.ok) return this.fail(res, 'create event');
    const body = (await res.json()) as { id?: string };
    if (!body.id) throw new CalendarError('microsoft_graph', 'create event answered without an id');
    return { id: body.id };
  }

  /** @inheritdoc */
  async deleteEvent(id: string): Promise<void> {
    const res = await this.call('DELETE', `${this.userPath}/events/${encodeURIComponent(id)}`);
    if (!res.ok && res.status !== 404) return this.fail(res, 'delete event');
  }
}

/** A UTC instant as Graph's `dateTimeTimeZone` (local date-time without offset + zone name). */
function toGraph(d: Date): GraphDateTime {
  return {
    dateTime: DateTime.fromJSDate(d, { zone: 'UTC' }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS"),
    timeZone: 'UTC',
  };
}

/** Graph's `dateTimeTimeZone` (fractional seconds up to 7 digits, zone IANA or `UTC`) as an instant. */
function fromGraph(v: GraphDateTime): Date {
  const zone = v.timeZone === 'UTC' || !v.timeZone ? 'UTC' : v.timeZone;
  const dt = DateTime.fromISO(v.dateTime.replace(/(\.\d{3})\d+$/, '$1'), { zone });
  if (!dt.isValid)
    throw new CalendarError('microsoft_graph', `unreadable dateTime ${v.dateTime} ${v.timeZone}`);
  return dt.toJSDate();
}
