import { IANAZone } from 'luxon';
import { z } from 'zod';

/** Local wall-clock time `HH:mm` (24 h). `24:00` is allowed as an interval end (= the next day's midnight). */
const LocalTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:mm (00:00–23:59, or 24:00 as an end)');

/** Local calendar date `YYYY-MM-DD` (ISO 8601). */
const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine(
    (s) =>
      !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      message: 'must be a real calendar date',
    },
  );

/**
 * One open stretch of a day, in local wall-clock time. `end <= start` (e.g. 22:00–02:00) means the interval
 * runs past midnight into the next day; `start == end` is refused (say 00:00–24:00 for a whole day).
 */
export const LocalIntervalSchema = z
  .object({ start: LocalTime, end: LocalTime })
  .strict()
  .refine((i) => i.start !== '24:00', { message: 'start cannot be 24:00', path: ['start'] })
  .refine((i) => i.start !== i.end, {
    message: 'end must differ from start (use 00:00–24:00 for a whole day)',
    path: ['end'],
  });

/** A weekly interval: ISO weekday (1 = Monday … 7 = Sunday) plus a local interval starting on that day. */
export const WeeklyIntervalSchema = z
  .object({ day: z.number().int().min(1).max(7), start: LocalTime, end: LocalTime })
  .strict()
  .refine((i) => i.start !== '24:00', { message: 'start cannot be 24:00', path: ['start'] })
  .refine((i) => i.start !== i.end, {
    message: 'end must differ from start (use 00:00–24:00 for a whole day)',
    path: ['end'],
  });

/**
 * A date override replaces the weekly intervals (and any holiday) of one local date: `closed: true` closes
 * the day; `intervals` gives special hours instead (an empty list also closes it).
 */
export const DateOverrideSchema = z
  .object({
    date: LocalDate,
    closed: z.boolean().optional(),
    intervals: z.array(LocalIntervalSchema).max(12).optional(),
    note: z.string().max(200).optional(),
  })
  .strict()
  .refine((o) => o.closed === true || o.intervals !== undefined, {
    message: 'give either closed: true or intervals',
    path: ['intervals'],
  })
  .refine((o) => !(o.closed === true && o.intervals && o.intervals.length > 0), {
    message: 'a closed day cannot have intervals',
    path: ['intervals'],
  });

/** Holiday types of the date-holidays library; `public` (statutory) is the default. */
export const HolidayTypeSchema = z.enum(['public', 'bank', 'school', 'optional', 'observance']);

/**
 * Holidays from the `date-holidays` library (https://github.com/commenthol/date-holidays): ISO 3166-1
 * country, optional state/region codes as that library names them. Every local date that is a holiday of
 * one of `types` is closed (unless a date override says otherwise).
 */
export const HolidayRuleSchema = z
  .object({
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. US'),
    state: z.string().min(1).max(10).optional(),
    region: z.string().min(1).max(10).optional(),
    types: z.array(HolidayTypeSchema).min(1).optional(),
  })
  .strict();

/** The wire/storage form of a business-hours schedule. Validated by {@link parseBusinessHours}. */
export const BusinessHoursSpecSchema = z
  .object({
    timeZone: z.string().refine((zone) => IANAZone.isValidZone(zone), {
      message: 'must be a valid IANA time zone, e.g. Europe/Berlin',
    }),
    weekly: z.array(WeeklyIntervalSchema).max(70),
    overrides: z.array(DateOverrideSchema).max(1000).default([]),
    holidays: HolidayRuleSchema.nullable().default(null),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const seen = new Map<string, number>();
    spec.overrides.forEach((o, i) => {
      if (seen.has(o.date)) {
        ctx.addIssue({
          code: 'custom',
          path: ['overrides', i, 'date'],
          message: `duplicate date (also at overrides.${seen.get(o.date)})`,
        });
      }
      seen.set(o.date, i);
    });
  });

/** Input form (defaults not yet applied). */
export type BusinessHoursSpecInput = z.input<typeof BusinessHoursSpecSchema>;
/** Validated form: `overrides` and `holidays` always present. */
export type BusinessHoursSpec = z.output<typeof BusinessHoursSpecSchema>;
export type WeeklyInterval = z.output<typeof WeeklyIntervalSchema>;
export type LocalInterval = z.output<typeof LocalIntervalSchema>;
export type DateOverride = z.output<typeof DateOverrideSchema>;
export type HolidayRule = z.output<typeof HolidayRuleSchema>;

/** One problem of a schedule: `field` is a dotted path into the spec (e.g. `weekly.2.end`, `timeZone`). */
export interface ScheduleIssue {
  field: string;
  message: string;
}

/** Thrown by {@link parseBusinessHours} / `BusinessHours.from` for an invalid schedule; lists every issue by field. */
export class InvalidScheduleError extends Error {
  constructor(readonly issues: ScheduleIssue[]) {
    super(`invalid business hours: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidScheduleError';
  }
}

/**
 * Validates a schedule (zod + IANA zone check via luxon + holiday country/state known to date-holidays).
 * @throws InvalidScheduleError naming each bad field (`timeZone`, `weekly.0.end`, `holidays.country`, …)
 */
export function parseBusinessHours(
  input: unknown,
  knownHolidayRegion?: (rule: HolidayRule) => ScheduleIssue | null,
): BusinessHoursSpec {
  const parsed = BusinessHoursSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidScheduleError(
      parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message })),
    );
  }
  if (parsed.data.holidays && knownHolidayRegion) {
    const issue = knownHolidayRegion(parsed.data.holidays);
    if (issue) throw new InvalidScheduleError([issue]);
  }
  return parsed.data;
}
