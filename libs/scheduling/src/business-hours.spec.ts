import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { BusinessHours, InvalidScheduleError } from './index';

// The process TZ must never matter. Jest's sandbox cannot change it, so the independence spec at the end runs
// the same cases in child processes started with TZ=UTC / America/New_York / Asia/Kolkata (src/testing/tz-probe.ts).
const PROCESS_ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata'];

const weekdays9to17 = (timeZone: string) => ({
  timeZone,
  weekly: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' })),
});
const ms = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const hours = (i: { start: number; end: number }) => (i.end - i.start) / 3_600_000;

describe('BusinessHours', () => {
  it('opens and closes on local wall-clock time of the schedule zone', () => {
    const bh = BusinessHours.from(weekdays9to17('Asia/Kolkata'));
    expect(bh.isOpen(ms('2027-01-15T09:00:00+05:30'))).toBe(true); // Friday
    expect(bh.isOpen(ms('2027-01-15T08:59:59+05:30'))).toBe(false);
    expect(bh.isOpen(ms('2027-01-15T17:00:00+05:30'))).toBe(false); // end is exclusive
    expect(bh.isOpen(ms('2027-01-16T10:00:00+05:30'))).toBe(false); // Saturday
    expect(bh.nextOpening(ms('2027-01-15T18:00:00+05:30'))).toBe(ms('2027-01-18T09:00:00+05:30')); // Monday
    expect(bh.nextOpening(ms('2027-01-15T10:00:00+05:30'))).toBe(ms('2027-01-15T10:00:00+05:30')); // open now
  });

  it('US spring forward (2027-03-14, New York): an 8 h day stays 8 h, a day across 02:00 loses an hour', () => {
    const bh = BusinessHours.from({
      timeZone: 'America/New_York',
      weekly: [
        { day: 7, start: '00:00', end: '12:00' }, // Sunday 2027-03-14, across the 02:00 → 03:00 jump
        { day: 1, start: '09:00', end: '17:00' },
      ],
    });
    const [sunday] = bh.openIntervals(ms('2027-03-14T00:00:00-05:00'), ms('2027-03-15T00:00:00-04:00'));
    expect(sunday.startIso).toBe('2027-03-14T00:00:00.000-05:00');
    expect(sunday.endIso).toBe('2027-03-14T12:00:00.000-04:00');
    expect(hours(sunday)).toBe(11);
    const [monday] = bh.openIntervals(ms('2027-03-15T00:00:00-04:00'), ms('2027-03-16T00:00:00-04:00'));
    expect(monday.startIso).toBe('2027-03-15T09:00:00.000-04:00');
    expect(hours(monday)).toBe(8);
    // Sunday noon EDT → Monday's opening is an EDT instant
    expect(bh.nextOpening(ms('2027-03-14T12:00:00-04:00'))).toBe(ms('2027-03-15T09:00:00-04:00'));
  });

  it('a nonexistent local start (02:30 on the US change day) moves forward by the gap', () => {
    const bh = BusinessHours.from({
      timeZone: 'America/New_York',
      weekly: [{ day: 7, start: '02:30', end: '05:00' }],
    });
    const [i] = bh.openIntervals(ms('2027-03-14T00:00:00-05:00'), ms('2027-03-15T00:00:00-04:00'));
    expect(i.startIso).toBe('2027-03-14T03:30:00.000-04:00');
    expect(hours(i)).toBe(1.5);
  });

  it('EU change (2027-03-28, Berlin): an overnight Saturday shift 22:00–06:00 is 7 h of real time', () => {
    const bh = BusinessHours.from({
      timeZone: 'Europe/Berlin',
      weekly: [{ day: 6, start: '22:00', end: '06:00' }],
    });
    const found = bh.openIntervals(ms('2027-03-27T00:00:00+01:00'), ms('2027-03-29T00:00:00+02:00'));
    expect(found).toHaveLength(1);
    expect(found[0].startIso).toBe('2027-03-27T22:00:00.000+01:00');
    expect(found[0].endIso).toBe('2027-03-28T06:00:00.000+02:00');
    expect(hours(found[0])).toBe(7);
    expect(bh.isOpen(ms('2027-03-28T03:30:00+02:00'))).toBe(true); // Sunday early morning, still Saturday's shift
    expect(bh.isOpen(ms('2027-03-28T06:00:00+02:00'))).toBe(false);
    // The same schedule is not open Sunday night (Sunday has no intervals of its own).
    expect(bh.isOpen(ms('2027-03-28T23:00:00+02:00'))).toBe(false);
  });

  it('merges an overnight interval with the next morning and clips to the window', () => {
    const bh = BusinessHours.from({
      timeZone: 'America/New_York',
      weekly: [
        { day: 1, start: '20:00', end: '24:00' },
        { day: 2, start: '00:00', end: '08:00' },
      ],
    });
    const found = bh.openIntervals(ms('2027-01-04T22:00:00-05:00'), ms('2027-01-05T12:00:00-05:00'));
    expect(found).toEqual([
      expect.objectContaining({
        startIso: '2027-01-04T22:00:00.000-05:00',
        endIso: '2027-01-05T08:00:00.000-05:00',
      }),
    ]);
    expect(bh.closesAt(ms('2027-01-04T21:00:00-05:00'))).toBe(ms('2027-01-05T08:00:00-05:00'));
  });

  it('holidays from date-holidays close the day; an override wins over the holiday', () => {
    const bh = BusinessHours.from({
      ...weekdays9to17('America/New_York'),
      holidays: { country: 'US' },
      overrides: [
        { date: '2027-11-26', intervals: [{ start: '10:00', end: '14:00' }], note: 'Black Friday' },
        { date: '2027-12-24', closed: true },
      ],
    });
    // 2027-07-04 is a Sunday: the observed holiday is Monday 2027-07-05 in date-holidays' US calendar.
    expect(bh.dayPlan('2027-11-25').source).toEqual({ kind: 'holiday', name: 'Thanksgiving Day' });
    expect(bh.isOpen(ms('2027-11-25T10:00:00-05:00'))).toBe(false);
    expect(bh.nextOpening(ms('2027-11-25T10:00:00-05:00'))).toBe(ms('2027-11-26T10:00:00-05:00'));
    expect(bh.isOpen(ms('2027-11-26T15:00:00-05:00'))).toBe(false);
    expect(bh.isOpen(ms('2027-12-24T10:00:00-05:00'))).toBe(false);
    expect(bh.nextOpening(ms('2027-12-23T18:00:00-05:00'))).toBe(ms('2027-12-27T09:00:00-05:00'));
  });

  it('Indian public holidays: Republic Day (26 January) closes the Kolkata desk', () => {
    const bh = BusinessHours.from({ ...weekdays9to17('Asia/Kolkata'), holidays: { country: 'IN' } });
    expect(bh.isOpen(ms('2027-01-26T10:00:00+05:30'))).toBe(false); // Tuesday
    expect(bh.isOpen(ms('2027-01-27T10:00:00+05:30'))).toBe(true);
  });

  it('closesAt: the end of the current stretch; null when closed or open past the horizon (24/7)', () => {
    const bh = BusinessHours.from(weekdays9to17('Europe/Berlin'));
    expect(bh.closesAt(ms('2027-03-26T10:00:00+01:00'))).toBe(ms('2027-03-26T17:00:00+01:00'));
    expect(bh.closesAt(ms('2027-03-27T10:00:00+01:00'))).toBeNull();
    const always = BusinessHours.from({
      timeZone: 'Europe/Berlin',
      weekly: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '24:00' })),
    });
    expect(always.isOpen(ms('2027-03-28T02:30:00+02:00'))).toBe(true);
    expect(always.closesAt(ms('2027-03-28T10:00:00+02:00'))).toBeNull();
  });

  it('a schedule with no intervals never opens', () => {
    const bh = BusinessHours.from({ timeZone: 'UTC', weekly: [] });
    expect(bh.nextOpening(0)).toBeNull();
    expect(bh.openIntervals(0, 10 * 86_400_000)).toEqual([]);
  });
});

describe('BusinessHours validation names the field', () => {
  const issuesOf = (input: unknown) => {
    try {
      BusinessHours.from(input);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidScheduleError);
      return (err as InvalidScheduleError).issues.map((i) => i.field);
    }
    throw new Error('expected InvalidScheduleError');
  };

  it('an invalid zone', () => {
    expect(issuesOf({ timeZone: 'Mars/Olympus', weekly: [] })).toEqual(['timeZone']);
    expect(() => BusinessHours.from({ timeZone: 'Mars/Olympus', weekly: [] })).toThrow(
      /timeZone: must be a valid IANA time zone/,
    );
  });
  it('bad times, days, dates, duplicates and unknown holiday regions', () => {
    expect(issuesOf({ timeZone: 'UTC', weekly: [{ day: 1, start: '9:00', end: '17:00' }] })).toEqual([
      'weekly.0.start',
    ]);
    expect(issuesOf({ timeZone: 'UTC', weekly: [{ day: 8, start: '09:00', end: '17:00' }] })).toEqual([
      'weekly.0.day',
    ]);
    expect(issuesOf({ timeZone: 'UTC', weekly: [{ day: 1, start: '09:00', end: '09:00' }] })).toEqual([
      'weekly.0.end',
    ]);
    expect(
      issuesOf({ timeZone: 'UTC', weekly: [], overrides: [{ date: '2027-02-30', closed: true }] }),
    ).toEqual(['overrides.0.date']);
    expect(
      issuesOf({
        timeZone: 'UTC',
        weekly: [],
        overrides: [
          { date: '2027-02-03', closed: true },
          { date: '2027-02-03', closed: true },
        ],
      }),
    ).toEqual(['overrides.1.date']);
    expect(issuesOf({ timeZone: 'UTC', weekly: [], holidays: { country: 'XX' } })).toEqual([
      'holidays.country',
    ]);
    expect(issuesOf({ timeZone: 'UTC', weekly: [], holidays: { country: 'US', state: 'ZZ' } })).toEqual([
      'holidays.state',
    ]);
  });
});

describe('BusinessHours properties (fast-check), across the 2027 US and EU clock changes', () => {
  const localTime = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const weekly = fc.array(
    fc
      .record({ day: fc.integer({ min: 1, max: 7 }), start: localTime, end: localTime })
      .filter((w) => w.start !== w.end),
    { maxLength: 8 },
  );
  const spec = fc.record({
    timeZone: fc.constantFrom('America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'UTC'),
    weekly,
  });
  // Instants from 2027-03-10 to 2027-04-02: both clock changes inside.
  const instant = fc.integer({ min: Date.UTC(2027, 2, 10), max: Date.UTC(2027, 3, 2) });

  it('isOpen(t) ⇔ t lies in openIntervals; intervals are sorted, disjoint, non-touching', () => {
    fc.assert(
      fc.property(spec, instant, (s, t) => {
        const bh = BusinessHours.from(s);
        const found = bh.openIntervals(t - 3 * 86_400_000, t + 3 * 86_400_000);
        for (let i = 1; i < found.length; i++) expect(found[i].start).toBeGreaterThan(found[i - 1].end);
        const inside = found.some((i) => i.start <= t && t < i.end);
        expect(bh.isOpen(t)).toBe(inside);
      }),
      { numRuns: 150 },
    );
  });

  it('nextOpening(t) is open, ≥ t, and nothing opens between t and it', () => {
    fc.assert(
      fc.property(spec, instant, (s, t) => {
        const bh = BusinessHours.from(s);
        const next = bh.nextOpening(t);
        if (s.weekly.length === 0) return expect(next).toBeNull();
        expect(next).not.toBeNull();
        expect(next!).toBeGreaterThanOrEqual(t);
        expect(bh.isOpen(next!)).toBe(true);
        expect(bh.openIntervals(t, next!)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('answers do not depend on the process TZ (child processes under TZ=UTC, America/New_York, Asia/Kolkata)', () => {
    const cases = fc.sample(fc.record({ spec, t: instant }), { numRuns: 80, seed: 20270314 });
    const here = cases.map(({ spec: s, t }) => {
      const bh = BusinessHours.from(s);
      return [bh.isOpen(t), bh.nextOpening(t), bh.openIntervals(t, t + 7 * 86_400_000)];
    });
    const expectedOffset: Record<string, number> = { UTC: 0, 'America/New_York': 300, 'Asia/Kolkata': -330 };
    for (const tz of PROCESS_ZONES) {
      const child = spawnSync(
        process.execPath,
        ['-r', '@swc-node/register', path.join(__dirname, 'testing/tz-probe.ts')],
        {
          input: JSON.stringify({ cases }),
          env: { ...process.env, TZ: tz },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      expect(child.stderr).toBe('');
      const out = JSON.parse(child.stdout) as { offset: number; answers: unknown[] };
      expect(out.offset).toBe(expectedOffset[tz]); // the child really runs in that zone
      expect(out.answers).toEqual(here);
    }
  }, 120_000);

  it('a weekly interval opens exactly once per matching local weekday', () => {
    fc.assert(
      fc.property(
        spec.filter((s) => s.weekly.length === 1),
        (s) => {
          const bh = BusinessHours.from(s);
          const from = DateTime.fromISO('2027-03-08T00:00:00', { zone: s.timeZone });
          const found = bh.openIntervals(from.toMillis(), from.plus({ weeks: 4 }).toMillis());
          const starts = found.filter((i) => i.start > from.toMillis());
          expect(starts.length).toBeGreaterThanOrEqual(3);
          expect(starts.length).toBeLessThanOrEqual(4);
          for (const i of starts)
            expect(DateTime.fromMillis(i.start, { zone: s.timeZone }).weekday).toBe(s.weekly[0].day);
        },
      ),
      { numRuns: 60 },
    );
  });
});
