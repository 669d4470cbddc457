import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

/** An event stored by a fake calendar API. */
export interface FakeEvent {
  id: string;
  uid: string;
  start: Date;
  end: Date;
  summary: string;
  attendees: string[];
}

/** Common shape of the local Google Calendar / Microsoft Graph servers. */
export interface FakeCalendarApi {
  baseUrl: string;
  /** The only bearer token accepted (RFC 6750); anything else → 401 with `WWW-Authenticate: Bearer`. */
  token: string;
  events: FakeEvent[];
  /** Requests seen, for asserting the wire format. */
  requests: { method: string; path: string; body: unknown }[];
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...headers,
  });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const overlaps = (e: FakeEvent, from: Date, to: Date) => e.start < to && e.end > from;

/**
 * A local Google Calendar API v3 speaking the documented wire format: `POST /freeBusy`
 * (`{timeMin,timeMax,items:[{id}]}` → `{kind:'calendar#freeBusy',calendars:{id:{busy:[{start,end}]}}}`, unknown
 * calendar → `errors:[{domain:'global',reason:'notFound'}]`), `POST /calendars/{id}/events` (→ the event resource,
 * 409 `duplicate` for a repeated `iCalUID`), `DELETE /calendars/{id}/events/{eventId}` (204, 410 when gone).
 * Google's error body: `{error:{code,message,errors:[…]}}`.
 */
export async function startFakeGoogleCalendar(calendarId: string): Promise<FakeCalendarApi> {
  const api: Omit<FakeCalendarApi, 'baseUrl' | 'close'> = {
    token: `ya29.${randomUUID()}`,
    events: [],
    requests: [],
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await readJson(req);
    api.requests.push({ method: req.method ?? '', path: url.pathname + url.search, body });
    if (req.headers.authorization !== `Bearer ${api.token}`) {
      return send(
        res,
        401,
        {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials.',
            status: 'UNAUTHENTICATED',
          },
        },
        { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
      );
    }
    if (req.method === 'POST' && url.pathname === '/freeBusy') {
      const b = body as { timeMin: string; timeMax: string; items: { id: string }[] };
      const from = new Date(b.timeMin);
      const to = new Date(b.timeMax);
      const calendars: Record<string, unknown> = {};
      for (const { id } of b.items) {
        calendars[id] =
          id === calendarId
            ? {
                busy: api.events
                  .filter((e) => overlaps(e, from, to))
                  .map((e) => ({ start: e.start.toISOString(), end: e.end.toISOString() })),
              }
            : { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
      }
      return send(res, 200, { kind: 'calendar#freeBusy', timeMin: b.timeMin, timeMax: b.timeMax, calendars });
    }
    const m = /^\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(url.pathname);
    if (m && decodeURIComponent(m[1]) === calendarId) {
      if (req.method === 'POST' && !m[2]) {
        const b = body as {
          iCalUID: string;
          summary: string;
          start: { dateTime: string };
          end: { dateTime: string };
          attendees?: { email: string }[];
        };
        if (api.events.some((e) => e.uid === b.iCalUID)) {
          return send(res, 409, {
            error: {
              code: 409,
              message: 'The requested identifier already exists.',
              errors: [{ domain: 'global', reason: 'duplicate' }],
            },
          });
        }
        const ev: FakeEvent = {
          id: randomUUID().replace(/-/g, ''),
          uid: b.iCalUID,
          start: new Date(b.start.dateTime),
          end: new Date(b.end.dateTime),
          summary: b.summary,
          attendees: (b.attendees ?? []).map((a) => a.email),
        };
        api.events.push(ev);
        return send(res, 200, {
          kind: 'calendar#event',
          id: ev.id,
          iCalUID: ev.uid,
          status: 'confirmed',
          summary: ev.summary,
          start: b.start,
          end: b.end,
        });
      }
      if (req.method === 'DELETE' && m[2]) {
        const i = api.events.findIndex((e) => e.id === decodeURIComponent(m[2]));
        if (i < 0)
          return send(res, 410, {
            error: {
              code: 410,
              message: 'Resource has been deleted',
              errors: [{ domain: 'global', reason: 'deleted' }],
            },
          });
        api.events.splice(i, 1);
        return send(res, 204);
      }
    }
    return send(res, 404, {
      error: { code: 404, message: 'Not Found', errors: [{ domain: 'global', reason: 'notFound' }] },
    });
  });
  const baseUrl = await listen(server);
  return Object.assign(api, { baseUrl, close: () => new Promise<void>((r) => server.close(() => r())) });
}

/**
 * A local Microsoft Graph v1.0 speaking the documented wire format: `POST /users/{u}/calendar/getSchedule`
 * (`{schedules,startTime,endTime,availabilityViewInterval}` → `{value:[{scheduleId,availabilityView,
 * scheduleItems:[{status:'busy',start:{dateTime,timeZone:'UTC'},end}]}]}`; an unknown mailbox → an item with
 * `error`), `POST /users/{u}/calendar/events` (201 + the event; the same `transactionId` twice returns the first
 * event), `DELETE /users/{u}/events/{id}` (204, 404 `ErrorItemNotFound`). Errors: `{error:{code,message}}`.
 */
export async function startFakeMicrosoftGraph(user: string): Promise<FakeCalendarApi> {
  const api: Omit<FakeCalendarApi, 'baseUrl' | 'close'> = {
    token: `eyJ0eXAi.${randomUUID()}`,
    events: [],
    requests: [],
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await readJson(req);
    api.requests.push({ method: req.method ?? '', path: url.pathname, body });
    if (req.headers.authorization !== `Bearer ${api.token}`) {
      return send(
        res,
        401,
        { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } },
        { 'www-authenticate': 'Bearer realm=""' },
      );
    }
    const prefix = `/users/${encodeURIComponent(user)}`;
    const utc = (d: Date) => ({ dateTime: d.toISOString().replace('Z', '0000'), timeZone: 'UTC' });
    if (req.method === 'POST' && url.pathname === `${prefix}/calendar/getSchedule`) {
      const b = body as {
        schedules: string[];
        startTime: { dateTime: string; timeZone: string };
        endTime: { dateTime: string; timeZone: string };
      };
      if (b.startTime.timeZone !== 'UTC' || b.endTime.timeZone !== 'UTC')
        return send(res, 400, { error: { code: 'ErrorInvalidTimeZone', message: 'fake supports UTC only' } });
      const from = new Date(`${b.startTime.dateTime}Z`);
      const to = new Date(`${b.endTime.dateTime}Z`);
      return send(res, 200, {
        '@odata.context':
          'https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)',
        value: b.schedules.map((s) =>
          s.toLowerCase() === user.toLowerCase()
            ? {
                scheduleId: s,
                availabilityView: '',
                scheduleItems: api.events
                  .filter((e) => overlaps(e, from, to))
                  .map((e) => ({
                    isPrivate: false,
                    status: 'busy',
                    subject: e.summary,
                    start: utc(e.start),
                    end: utc(e.end),
                  })),
                workingHours: {},
              }
            : {
                scheduleId: s,
                error: { message: 'The requested user is invalid.', responseCode: 'UnknownError' },
              },
        ),
      });
    }
    if (req.method === 'POST' && url.pathname === `${prefix}/calendar/events`) {
      const b = body as {
        subject: string;
        transactionId?: string;
        start: { dateTime: string; timeZone: string };
        end: { dateTime: string; timeZone: string };
        attendees?: { emailAddress: { address: string } }[];
      };
      const existing = b.transactionId ? api.events.find((e) => e.uid === b.transactionId) : undefined;
      if (existing) return send(res, 201, { id: existing.id, subject: existing.summary });
      const ev: FakeEvent = {
        id: `AAMk${randomUUID()}`,
        uid: b.transactionId ?? randomUUID(),
        start: new Date(`${b.start.dateTime}Z`),
        end: new Date(`${b.end.dateTime}Z`),
        summary: b.subject,
        attendees: (b.attendees ?? []).map((a) => a.emailAddress.address),
      };
      api.events.push(ev);
      return send(res, 201, {
        id: ev.id,
        subject: ev.summary,
        start: b.start,
        end: b.end,
        transactionId: ev.uid,
      });
    }
    const d = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/events/([^/]+)$`).exec(
      url.pathname,
    );
    if (req.method === 'DELETE' && d) {
      const i = api.events.findIndex((e) => e.id === decodeURIComponent(d[1]));
      if (i < 0)
        return send(res, 404, {
          error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' },
        });
      api.events.splice(i, 1);
      return send(res, 204);
    }
    return send(res, 404, { error: { code: 'ResourceNotFound', message: 'Not found' } });
  });
  const baseUrl = await listen(server);
  return Object.assign(api, { baseUrl, close: () => new Promise<void>((r) => server.close(() => r())) });
}
