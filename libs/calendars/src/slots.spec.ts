import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  DEFAULT_CALLBACK_DURATION_MIN,
  proposeSlots,
  queueCallbackPromise,
  UnknownTimeZoneError,
} from './slots';
import { BusinessHours } from '@hub/scheduling';

/** Open hours the way the orchestrator computes them (@hub/scheduling), as TimeRanges. */
interface WeeklyHours {
  day: number;
  from: string;
  to: string;
}
function weeklyOpenIntervals(rules: WeeklyHours[], zone: string, from: Date, to: Date) {
  return BusinessHours.from({
    timeZone: zone,
    weekly: rules.map((r) => ({ day: r.day, start: r.from, end: r.to })),
  })
    .openIntervals(from, to)
    .map((i) => ({ start: new Date(i.start), end: new Date(i.end) }));
}

const MIN = 60_000;
// The process zone is set from outside (project.json runs this spec under TZ=UTC, America/New_York and
// Asia/Kolkata): none of the results may depend on it.
const PROCESS_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const TEAM_ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'UTC', 'America/Los_Angeles'];
// windows around the US (2027-03-14) and EU (2027-03-28) clock changes
const ANCHORS = [Date.UTC(2027, 2, 12), Date.UTC(2027, 2, 26)];

/**
 * Independent of weeklyOpenIntervals: is every minute of [s, e) on the team's wall clock inside a weekly rule
 * (same weekday, from ≤ minute-of-day < to; a rule past midnight covers the next morning)?
 */
function insideWeekly(rules: WeeklyHours[], zone: string, s: number, e: number): boolean {
  const toMin = (v: string) => Number(v.slice(0, 2)) * 60 + Number(v.slice(3));
  for (let t = s; t < e; t += MIN) {
    const l = DateTime.fromMillis(t, { zone });
    const m = l.hour * 60 + l.minute;
    const prevDay = l.minus({ days: 1 }).weekday;
    const ok = rules.some((r) => {
      const f = toMin(r.from);
      const to = toMin(r.to);
      if (to > f) return r.day === l.weekday && f <= m && m < to;
      return (r.day === l.weekday && m >= f) || (r.day === prevDay && m < to);
    });
    if (!ok) return false;
  }
  return true;
}

/**
 * Does a rule open or close at a wall-clock time that does not exist (a spring-forward gap) on a day of the
 * window? @hub/scheduling resolves such a time as RFC 5545 does (with the offset before the gap: 02:30 → 03:30,
 * pinned by its own spec), which the minute-by-minute wall-clock model of {@link insideWeekly} cannot express;
 * those scenarios are left to that spec.
 */
function boundaryInGap(rules: WeeklyHours[], zone: string, from: number, days: number): boolean {
  const start = DateTime.fromMillis(from, { zone }).startOf('day');
  for (let i = -1; i <= days; i++) {
    const d = start.plus({ days: i });
    for (const r of rules) {
      for (const [day, v] of [
        [r.day, r.from],
        [r.day, r.to],
        [(r.day % 7) + 1, r.to], // a rule past midnight closes the next morning
      ] as const) {
        if (d.weekday !== day) continue;
        const [hour, minute] = v.split(':').map(Number);
        const t = DateTime.fromObject({ year: d.year, month: d.month, day: d.day, hour, minute }, { zone });
        if (t.hour !== hour || t.minute !== minute) return true;
      }
    }
  }
  return false;
}

const hhmm = fc
  .integer({ min: 0, max: 47 })
  .map((h) => `${String(Math.floor(h / 2)).padStart(2, '0')}:${h % 2 ? '30' : '00'}`);
const rule = fc
  .record({ day: fc.integer({ min: 1, max: 7 }), from: hhmm, to: hhmm })
  .filter((r) => r.from !== r.to);
// rules that do not overlap each other on the wall clock would be a stricter model; overlapping ones are merged
const scenario = fc.record({
  zone: fc.constantFrom(...TEAM_ZONES),
  rules: fc.array(rule, { minLength: 1, maxLength: 6 }),
  anchor: fc.constantFrom(...ANCHORS),
  nowOffsetMin: fc.integer({ min: 0, max: 5 * 24 * 60 }),
  busy: fc.array(
    fc.record({ offMin: fc.integer({ min: 0, max: 7 * 24 * 60 }), lenMin: fc.integer({ min: 5, max: 240 }) }),
    { maxLength: 12 },
  ),
  durationMin: fc.constantFrom(15, 30, 45),
  intervalMin: fc.constantFrom(15, 30, 60),
  bufferMin: fc.constantFrom(0, 5, 10, 15),
  minNoticeMin: fc.constantFrom(0, 30, 120, 24 * 60),
});

describe(`proposeSlots with the process in TZ=${PROCESS_ZONE}`, () => {
  it('the process runs in the zone TZ names', () => {
    const expected: Record<string, number> = {
      UTC: 0,
      'Etc/UTC': 0,
      'America/New_York': 300,
      'Asia/Kolkata': -330,
    };
    if (process.env.TZ)
      expect(new Date(Date.UTC(2027, 0, 1)).getTimezoneOffset()).toBe(expected[process.env.TZ]);
  });

  it('property: no slot outside hours, none overlapping busy + buffers, none before now + notice, at most 3', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        fc.pre(!boundaryInGap(sc.rules, sc.zone, sc.anchor, 9));
        const now = new Date(sc.anchor + sc.nowOffsetMin * MIN);
        const horizonEnd = new Date(sc.anchor + 8 * 24 * 60 * MIN);
        const open = weeklyOpenIntervals(sc.rules, sc.zone, now, horizonEnd);
        const busy = sc.busy.map((b) => ({
          start: new Date(sc.anchor + b.offMin * MIN),
          end: new Date(sc.anchor + (b.offMin + b.lenMin) * MIN),
        }));
        const slots = proposeSlots({
          openIntervals: open,
          busy,
          durationMin: sc.durationMin,
          intervalMin: sc.intervalMin,
          bufferMin: sc.bufferMin,
          minNoticeMin: sc.minNoticeMin,
          now,
          zone: sc.zone,
        });
        expect(slots.length).toBeLessThanOrEqual(3);
        for (const [i, sl] of slots.entries()) {
          const s = sl.start.getTime();
          const e = sl.end.getTime();
          expect(e - s).toBe(sc.durationMin * MIN);
          expect(s).toBeGreaterThanOrEqual(now.getTime() + sc.minNoticeMin * MIN);
          expect(open.some((o) => o.start.getTime() <= s && e <= o.end.getTime())).toBe(true);
          expect(insideWeekly(sc.rules, sc.zone, s, e)).toBe(true);
          for (const b of busy) {
            const clash =
              s < b.end.getTime() + sc.bufferMin * MIN && b.start.getTime() - sc.bufferMin * MIN < e;
            expect(clash).toBe(false);
          }
          if (i > 0)
            expect(s).toBeGreaterThanOrEqual(
              slots[i - 1].end.getTime() - sc.durationMin * MIN + sc.intervalMin * MIN,
            );
          expect(DateTime.fromISO(sl.local, { setZone: true }).toMillis()).toBe(s);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: with no busy time and no notice, the first slot is the first opening after now on the grid', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEAM_ZONES), fc.constantFrom(...ANCHORS), (zone, anchor) => {
        const now = new Date(anchor);
        const open = weeklyOpenIntervals(
          [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, from: '09:00', to: '17:00' })),
          zone,
          now,
          new Date(anchor + 7 * 24 * 60 * MIN),
        );
        const [first] = proposeSlots({
          openIntervals: open,
          busy: [],
          durationMin: 15,
          intervalMin: 15,
          bufferMin: 0,
          minNoticeMin: 0,
          now,
          zone,
        });
        const local = DateTime.fromJSDate(first.start, { zone });
        expect(local.toFormat('HH:mm')).toMatch(/^(09:00|1\d:\d\d|09:\d\d)$/);
        expect(first.start.getTime()).toBe(
          open[0].start.getTime() +
            Math.max(0, Math.ceil((now.getTime() - open[0].start.getTime()) / (15 * MIN))) * 15 * MIN,
        );
      }),
    );
  });

  it('09:00–17:00 New York stays 09:00 local across the 2027-03-14 change (13:00Z after, 14:00Z before)', () => {
    const rules = [6, 7, 1].map((day) => ({ day, from: '09:00', to: '17:00' }));
    const open = weeklyOpenIntervals(
      rules,
      'America/New_York',
      new Date('2027-03-13T00:00:00Z'),
      new Date('2027-03-16T00:00:00Z'),
    );
    expect(open.map((o) => o.start.toISOString())).toEqual([
      '2027-03-13T14:00:00.000Z',
      '2027-03-14T13:00:00.000Z',
      '2027-03-15T13:00:00.000Z',
    ]);
    const slots = proposeSlots({
      openIntervals: open,
      busy: [{ start: new Date('2027-03-14T13:00:00Z'), end: new Date('2027-03-14T13:40:00Z') }],
      durationMin: 15,
      intervalMin: 15,
      bufferMin: 10,
      minNoticeMin: 60,
      now: new Date('2027-03-14T06:00:00Z'),
      zone: 'America/New_York',
    });
    // busy 09:00–09:40 local + 10 min buffer → first free grid start 09:50 isn't on the grid → 10:00
    expect(slots.map((s) => s.local)).toEqual([
      '2027-03-14T10:00:00.000-04:00',
      '2027-03-14T10:15:00.000-04:00',
      '2027-03-14T10:30:00.000-04:00',
    ]);
  });

  it('a Berlin night shift 22:00–02:00 runs past midnight over the 2027-03-28 change (02:00 CET is 03:00 CEST)', () => {
    const open = weeklyOpenIntervals(
      [{ day: 6, from: '22:00', to: '02:00' }],
      'Europe/Berlin',
      new Date('2027-03-27T00:00:00Z'),
      new Date('2027-03-29T00:00:00Z'),
    );
    expect(open).toEqual([
      { start: new Date('2027-03-27T21:00:00Z'), end: new Date('2027-03-28T01:00:00Z') },
    ]);
  });

  it('Kolkata (+05:30) slots sit on the half-hour local grid', () => {
    const open = weeklyOpenIntervals(
      [{ day: 1, from: '10:00', to: '12:00' }],
      'Asia/Kolkata',
      new Date('2027-03-15T00:00:00Z'),
      new Date('2027-03-16T00:00:00Z'),
    );
    const slots = proposeSlots({
      openIntervals: open,
      busy: [],
      durationMin: DEFAULT_CALLBACK_DURATION_MIN.chat,
      intervalMin: 30,
      bufferMin: 0,
      minNoticeMin: 0,
      now: new Date('2027-03-15T00:00:00Z'),
      zone: 'Asia/Kolkata',
    });
    expect(slots.map((s) => s.local)).toEqual([
      '2027-03-15T10:00:00.000+05:30',
      '2027-03-15T10:30:00.000+05:30',
      '2027-03-15T11:00:00.000+05:30',
    ]);
    expect(slots[0].start.toISOString()).toBe('2027-03-15T04:30:00.000Z');
  });
});

describe('inputs', () => {
  it('an unknown zone is refused naming it', () => {
    expect(() =>
      proposeSlots({
        openIntervals: [],
        busy: [],
        durationMin: 15,
        intervalMin: 15,
        bufferMin: 0,
        minNoticeMin: 0,
        now: new Date(),
        zone: 'Mars/Olympus',
      }),
    ).toThrow(UnknownTimeZoneError);
  });

  it('default durations: voice 15, video 30, chat 30', () => {
    expect(DEFAULT_CALLBACK_DURATION_MIN).toEqual({ voice: 15, video: 30, chat: 30 });
  });

  it('queue model: the SLA when agents keep up, the estimate when it is at risk, the SLA when nobody is online', () => {
    expect(queueCallbackPromise({ waiting: 1, agentsOnline: 4, avgHandleMin: 10, slaMin: 30 })).toEqual({
      withinMinutes: 30,
      slaMin: 30,
      slaAtRisk: false,
    });
    expect(queueCallbackPromise({ waiting: 11, agentsOnline: 2, avgHandleMin: 10, slaMin: 30 })).toEqual({
      withinMinutes: 60,
      slaMin: 30,
      slaAtRisk: true,
    });
    expect(queueCallbackPromise({ waiting: 5, agentsOnline: 0, avgHandleMin: 10, slaMin: 45 })).toEqual({
      withinMinutes: 45,
      slaMin: 45,
      slaAtRisk: false,
    });
  });
});
