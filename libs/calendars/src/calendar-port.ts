/**
 * The one seam between the hub and a team's calendar (CalDAV, Google Calendar, Microsoft Graph). Times are
 * absolute instants (`Date`, UTC inside); ranges are half-open `[start, end)`. Zone arithmetic belongs to the
 * caller (luxon, in the team's zone), never to an adapter.
 */
export interface TimeRange {
  start: Date;
  end: Date;
}

/** A person on an event (organizer or attendee). */
export interface CalendarPerson {
  email: string;
  name?: string;
}

/** What the hub writes to a calendar when a callback is booked. */
export interface CalendarEventInput {
  /** Stable unique id (the hub's booking id): the iCalendar UID, Google `iCalUID`, Graph `transactionId`. */
  uid: string;
  start: Date;
  end: Date;
  summary: string;
  description?: string;
  attendees?: CalendarPerson[];
}

/** The provider's handle on a created event, needed to delete it (CalDAV object URL, Google/Graph event id). */
export interface CreatedCalendarEvent {
  id: string;
}

/**
 * A team calendar. Adapters: {@link CalDavCalendar} (tsdav), {@link GoogleCalendar} (Calendar API v3),
 * {@link MicrosoftGraphCalendar} (Graph v1.0).
 */
export interface CalendarPort {
  /**
   * Busy time between `from` and `to` (only busy/tentative/out-of-office; free time is not returned), sorted by
   * start, possibly overlapping.
   * @throws CalendarError when the provider refuses or answers something unreadable
   */
  freeBusy(from: Date, to: Date): Promise<TimeRange[]>;
  /**
   * Writes the event. Creating the same `uid` twice is refused by CalDAV (`If-None-Match: *`) and deduplicated by
   * Graph (`transactionId`).
   * @throws CalendarError
   */
  createEvent(event: CalendarEventInput): Promise<CreatedCalendarEvent>;
  /**
   * Removes the event; an event that is already gone (404/410) counts as deleted.
   * @throws CalendarError
   */
  deleteEvent(id: string): Promise<void>;
}

/** Which provider failed. */
export type CalendarProvider = 'caldav' | 'google' | 'microsoft_graph';

/**
 * A calendar provider refused a call or answered something unreadable. `status` is the HTTP status when there
 * was one; the message never carries credentials.
 */
export class CalendarError extends Error {
  constructor(
    readonly provider: CalendarProvider,
    message: string,
    readonly status?: number,
  ) {
    super(`${provider}: ${message}`);
    this.name = 'CalendarError';
  }
}

/**
 * The WHATWG-fetch subset the adapters use. Pass `OutboundHttp.fetch` (@hub/integrations) for tenant-configured
 * hosts so every call is vetted by the outbound URL policy and pinned; plain `fetch` only in tests.
 */
export type CalendarFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<Response>;

/**
 * Supplies a current OAuth 2.0 access token (RFC 6750 bearer) for Google / Microsoft Graph. The adapters call it
 * with `forceRefresh: true` once after a 401 and retry with the new token (when it differs). A stored static token
 * may ignore the argument; {@link OAuthTokenSource} refreshes.
 */
export type AccessTokenProvider = (opts?: { forceRefresh?: boolean }) => Promise<string>;

/**
 * Sends `request(token)` with the provider's token; on a 401 asks once for a fresh token and, when it differs,
 * sends again (RFC 6750 §3.1 `invalid_token`: the token expired or was revoked early).
 */
export async function withBearerRetry(
  token: AccessTokenProvider,
  request: (bearer: string) => Promise<Response>,
): Promise<Response> {
  const first = await token();
  const res = await request(first);
  if (res.status !== 401) return res;
  const fresh = await token({ forceRefresh: true });
  if (fresh === first) return res;
  await res.body?.cancel().catch(() => undefined);
  return request(fresh);
}

/** Merges overlapping or touching ranges; input in any order, output sorted by start. */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = [...ranges]
    .filter((r) => r.end.getTime() > r.start.getTime())
    .sort((a, b) => a.start.getTime() - b.start.getTime());
  const out: TimeRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start.getTime() <= last.end.getTime()) {
      if (r.end.getTime() > last.end.getTime()) last.end = r.end;
    } else out.push({ start: r.start, end: r.end });
  }
  return out;
}
