import { z } from 'zod';

/**
 * Client-side copies of the router's / orchestrator's request schemas (apps/work-item-router
 * admin.schemas.ts, libs/scheduling, orchestrator callbacks.schemas.ts): forms validate before sending; the
 * API stays the authority and its field errors are shown the same way.
 */
const localTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:mm (00:00–23:59, or 24:00 as an end)');
export const WeeklyIntervalSchema = z
  .object({ day: z.number().int().min(1).max(7), start: localTime, end: localTime })
  .refine((i) => i.start !== '24:00', { message: 'start cannot be 24:00', path: ['start'] })
  .refine((i) => i.start !== i.end, { message: 'end must differ from start', path: ['end'] });

const zone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a valid IANA time zone, e.g. Europe/Berlin' },
);

export const QueueFormSchema = z.object({
  name: z.string().trim().min(1, 'Give the queue a name').max(200),
  active: z.boolean(),
  isDefault: z.boolean(),
  offerTimeoutSeconds: z.number({ message: 'Enter seconds' }).int().min(1).max(3600),
  priorityHandling: z.enum(['priority', 'fifo']),
});

export const AgentFormSchema = z.object({
  id: z.string().trim().min(1, 'Enter the agent id (their sign-in id)').max(128),
  displayName: z.string().trim().min(1, 'Enter the name agents see').max(200),
  queueIds: z.array(z.string()).max(200),
  capacity: z.object({
    chat: z.number({ message: 'Enter a number' }).int().min(0).max(100),
    call: z.number({ message: 'Enter a number' }).int().min(0).max(100),
  }),
  autoAccept: z.boolean(),
});

export const BusinessHoursFormSchema = z.object({
  timeZone: zone,
  weekly: z.array(WeeklyIntervalSchema).max(70),
  overrides: z.array(z.unknown()).default([]),
  holidays: z
    .object({ country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. US') })
    .nullable(),
});

export const CallbackTeamFormSchema = z.object({
  zone,
  weeklyHours: z.array(WeeklyIntervalSchema).min(1, 'Add at least one interval'),
  slotIntervalMin: z.number().int().min(5).max(240),
  minNoticeMin: z.number().int().min(0).max(10080),
  queueSlaMin: z.number().int().min(5).max(10080),
  agentEmail: z.email().nullable(),
  calendarIntegrationId: z.uuid().nullable(),
  members: z
    .array(z.object({ agentId: z.string().min(1), email: z.email('Not an e-mail address').nullable() }))
    .max(500),
});
