import { OutboundHttp, OutboundUrlPolicy, OutboundUrlRefusedError } from '@hub/integrations';
import {
  CalDavCalendar,
  CalendarError,
  GoogleCalendar,
  MicrosoftGraphCalendar,
  type CalendarFetch,
  type CalendarPort,
} from '../src';
import {
  startFakeGoogleCalendar,
  startFakeMicrosoftGraph,
  startXandikos,
  type FakeCalendarApi,
  type XandikosServer,
} from './support';

// Local servers listen on 127.0.0.1 over http: a policy that allows that, as a test-only setting.
const testHttp = new OutboundHttp(
  new OutboundUrlPolicy({ allowHttp: true, allowPrivateNetworks: true, allowedHostSuffixes: [] }),
);
const viaPolicy: CalendarFetch = (url, init) => testHttp.fetch(url, init);

const at = (iso: string) => new Date(iso);

interface Subject {
  name: string;
  make(): CalendarPort;
  makeUnauthorized?(): CalendarPort;
}

let xandikos: XandikosServer;
let google: FakeCalendarApi;
let graph: FakeCalendarApi;

beforeAll(async () => {
  [xandikos, google, graph] = await Promise.all([
    startXandikos(),
    startFakeGoogleCalendar('support@group.calendar.google.com'),
    startFakeMicrosoftGraph('support-team@contoso.com'),
  ]);
});
afterAll(async () => {
  await Promise.all([xandikos?.stop(), google?.close(), graph?.close()]);
});

const subjects: Subject[] = [
  {
    name: 'CalDAV (xandikos)',
    make: () => new CalDavCalendar({ calendarUrl: xandikos.calendarUrl }, viaPolicy),
  },
  {
    name: 'Google Calendar',
    make: () =>
      new GoogleCalendar(
        { calendarId: 'support@group.calendar.google.com', baseUrl: google.baseUrl },
        async () => google.token,
        viaPolicy,
      ),
    makeUnauthorized: () =>
      new GoogleCalendar(
        { calendarId: 'support@group.calendar.google.com', baseUrl: google.baseUrl },
        async () => 'stale',
        viaPolicy,
      ),
  },
  {
    name: 'Microsoft Graph',
    make: () =>
      new MicrosoftGraphCalendar(
        { user: 'support-team@contoso.com', baseUrl: graph.baseUrl },
        async () => graph.token,
        viaPolicy,
      ),
    makeUnauthorized: () =>
      new MicrosoftGraphCalendar(
        { user: 'support-team@contoso.com', baseUrl: graph.baseUrl },
        async () => 'stale',
        viaPolicy,
      ),
  },
];

describe.each(subjects)('$name adapter', (s) => {
  it('reports an event it created as busy, and no longer after deleting it', async () => {
    const cal = s.make();
    const uid = `cb-${s.name.length}-${Date.now()}`;
    // across the US clock change (2027-03-14 02:00 America/New_York)
    const start = at('2027-03-14T14:00:00Z');
    const end = at('2027-03-14T14:15:00Z');
    const before = await cal.freeBusy(at('2027-03-14T00:00:00Z'), at('2027-03-15T00:00:00Z'));
    expect(before).toEqual([]);
    const created = await cal.createEvent({
      uid,
      start,
      end,
      summary: 'Callback: Ada',
      attendees: [{ email: 'ada@example.com', name: 'Ada' }],
    });
    expect(created.id).toBeTruthy();
    const busy = await cal.freeBusy(at('2027-03-14T00:00:00Z'), at('2027-03-15T00:00:00Z'));
    expect(busy).toEqual([{ start, end }]);
    // a window that does not contain the event
    expect(await cal.freeBusy(at('2027-03-14T15:00:00Z'), at('2027-03-14T18:00:00Z'))).toEqual([]);
    await cal.deleteEvent(created.id);
    expect(await cal.freeBusy(at('2027-03-14T00:00:00Z'), at('2027-03-15T00:00:00Z'))).toEqual([]);
    await expect(cal.deleteEvent(created.id)).resolves.toBeUndefined(); // already gone counts as deleted
  });

  if (s.makeUnauthorized) {
    it('sends the bearer token; a wrong one is a CalendarError with status 401', async () => {
      const cal = s.makeUnauthorized!();
      await expect(
        cal.freeBusy(at('2027-03-14T00:00:00Z'), at('2027-03-15T00:00:00Z')),
      ).rejects.toMatchObject({
        name: 'CalendarError',
        status: 401,
      });
    });
  }
});

describe('wire format details', () => {
  it('CalDAV: the free-busy REPORT goes out with Depth 1, and a second PUT of one uid is refused', async () => {
    const seen: { method: string; depth?: string }[] = [];
    const spyFetch: CalendarFetch = async (url, init) => {
      seen.push({ method: init.method, depth: init.headers.depth ?? init.headers.Depth });
      return viaPolicy(url, init);
    };
    const cal = new CalDavCalendar({ calendarUrl: xandikos.calendarUrl }, spyFetch);
    const ev = {
      uid: `dup-${Date.now()}`,
      start: at('2027-03-28T08:00:00Z'),
      end: at('2027-03-28T08:30:00Z'),
      summary: 'x',
    };
    const created = await cal.createEvent(ev);
    await expect(cal.createEvent(ev)).rejects.toMatchObject({ status: 412 });
    await cal.freeBusy(at('2027-03-28T00:00:00Z'), at('2027-03-29T00:00:00Z'));
    expect(seen.find((r) => r.method === 'REPORT')?.depth).toBe('1');
    await cal.deleteEvent(created.id);
  });

  it('Google: freeBusy asks for the configured calendar with RFC 3339 bounds; events.insert carries iCalUID', async () => {
    const cal = subjects[1].make();
    const created = await cal.createEvent({
      uid: 'uid-g-1',
      start: at('2027-03-28T09:00:00Z'),
      end: at('2027-03-28T09:30:00Z'),
      summary: 'cb',
    });
    await cal.freeBusy(at('2027-03-28T00:00:00Z'), at('2027-03-29T00:00:00Z'));
    const fb = google.requests.filter((r) => r.path === '/freeBusy').pop();
    expect(fb?.body).toEqual({
      timeMin: '2027-03-28T00:00:00.000Z',
      timeMax: '2027-03-29T00:00:00.000Z',
      items: [{ id: 'support@group.calendar.google.com' }],
    });
    const ins = google.requests.filter((r) => r.method === 'POST' && r.path.includes('/events')).pop();
    expect(ins?.path).toBe('/calendars/support%40group.calendar.google.com/events?sendUpdates=none');
    expect(ins?.body).toMatchObject({ iCalUID: 'uid-g-1', start: { dateTime: '2027-03-28T09:00:00.000Z' } });
    await cal.deleteEvent(created.id);
  });

  it('Google: a per-calendar error (unknown calendar) is raised, not read as free', async () => {
    const cal = new GoogleCalendar(
      { calendarId: 'nobody@example.com', baseUrl: google.baseUrl },
      async () => google.token,
      viaPolicy,
    );
    await expect(cal.freeBusy(at('2027-03-28T00:00:00Z'), at('2027-03-29T00:00:00Z'))).rejects.toThrow(
      /notFound/,
    );
  });

  it('Graph: getSchedule in UTC with the schedule; an unknown mailbox is raised; transactionId dedupes', async () => {
    const cal = new MicrosoftGraphCalendar(
      { user: 'support-team@contoso.com', baseUrl: graph.baseUrl },
      async () => graph.token,
      viaPolicy,
    );
    const a = await cal.createEvent({
      uid: 'tx-1',
      start: at('2027-03-28T10:00:00Z'),
      end: at('2027-03-28T10:15:00Z'),
      summary: 'cb',
    });
    const b = await cal.createEvent({
      uid: 'tx-1',
      start: at('2027-03-28T10:00:00Z'),
      end: at('2027-03-28T10:15:00Z'),
      summary: 'cb',
    });
    expect(b.id).toBe(a.id);
    await cal.freeBusy(at('2027-03-28T00:00:00Z'), at('2027-03-29T00:00:00Z'));
    const gs = graph.requests.filter((r) => r.path.endsWith('/getSchedule')).pop();
    expect(gs?.body).toMatchObject({
      schedules: ['support-team@contoso.com'],
      startTime: { dateTime: '2027-03-28T00:00:00.000', timeZone: 'UTC' },
    });
    const other = new MicrosoftGraphCalendar(
      { user: 'support-team@contoso.com', schedule: 'ghost@contoso.com', baseUrl: graph.baseUrl },
      async () => graph.token,
      viaPolicy,
    );
    await expect(
      other.freeBusy(at('2027-03-28T00:00:00Z'), at('2027-03-29T00:00:00Z')),
    ).rejects.toBeInstanceOf(CalendarError);
    await cal.deleteEvent(a.id);
  });

  it('the production outbound policy refuses a calendar on a private address before any request', async () => {
    const strict = new OutboundHttp(
      new OutboundUrlPolicy({ allowHttp: false, allowPrivateNetworks: false, allowedHostSuffixes: [] }),
    );
    const cal = new CalDavCalendar({ calendarUrl: xandikos.calendarUrl }, (u, i) => strict.fetch(u, i));
    await expect(cal.freeBusy(at('2027-03-28T00:00:00Z'), at('2027-03-29T00:00:00Z'))).rejects.toThrow(
      /https/,
    );
    await expect(strict.fetch('https://127.0.0.1/x')).rejects.toBeInstanceOf(OutboundUrlRefusedError);
  });
});
