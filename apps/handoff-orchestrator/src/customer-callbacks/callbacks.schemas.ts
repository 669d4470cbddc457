import { IANAZone } from 'luxon';
import { z } from 'zod';
import { DateOverrideSchema, HolidayRuleSchema, WeeklyIntervalSchema } from '@hub/scheduling';

const Zone = z.string().refine((z) => IANAZone.isValidZone(z), {
  message: 'unknown time zone (IANA name expected, e.g. Europe/Berlin)',
});
export const ChannelSchema = z.enum(['voice', 'video', 'chat']);

/** `PUT /v1/callbacks/teams/{queueId}`: a team's callback set-up (docs/callbacks.md). */
export const CallbackTeamSchema = z.object({
  zone: Zone.describe('IANA time zone of the team, e.g. America/New_York'),
  weeklyHours: z
    .array(WeeklyIntervalSchema)
    .min(1)
    .describe(
      'When callbacks are taken (@hub/scheduling): ISO weekday, local start/end; end ≤ start runs past midnight, 00:00–24:00 = all day',
    ),
  overrides: z
    .array(DateOverrideSchema)
    .max(400)
    .default([])
    .describe('Date overrides (closed, or other intervals)'),
  holidays: HolidayRuleSchema.nullable()
    .default(null)
    .describe('Public holidays that close the team (date-holidays codes)'),
  slotIntervalMin: z.number().int().min(5).max(240).default(15),
  bufferMin: z.number().int().min(0).max(240).default(0),
  minNoticeMin: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(60),
  durations: z
    .object({
      voice: z.number().int().min(5).max(240).default(15),
      video: z.number().int().min(5).max(240).default(30),
      chat: z.number().int().min(5).max(240).default(30),
    })
    .default({ voice: 15, video: 30, chat: 30 }),
  calendarIntegrationId: z
    .uuid()
    .nullable()
    .default(null)
    .describe('calendar_caldav | calendar_google | calendar_microsoft integration; null = queue model'),
  queueSlaMin: z
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(60)
    .describe('Soft SLA of the queue model'),
  agentEmail: z
    .email()
    .nullable()
    .default(null)
    .describe('Where the team’s confirmations and reminders go (members without an e-mail of their own too)'),
  members: z
    .array(
      z.object({
        agentId: z.string().min(1).max(200).describe('Router agent id (a member of the queue)'),
        email: z.email().nullable().default(null).describe('The agent’s confirmations and reminders'),
      }),
    )
    .max(500)
    .default([])
    .refine((ms) => new Set(ms.map((m) => m.agentId)).size === ms.length, {
      message: 'agentId must be unique among members',
    })
    .describe(
      'Agents who take callbacks: each booking is assigned to one free member (fewest bookings that local day, ties by agentId); empty = team-level bookings, one at a time',
    ),
});
export type CallbackTeamInput = z.infer<typeof CallbackTeamSchema>;
export type WeeklyIntervalInput = CallbackTeamInput['weeklyHours'][number];
export type DateOverrideInput = CallbackTeamInput['overrides'][number];
export type HolidayRuleInput = NonNullable<CallbackTeamInput['holidays']>;

/** `POST /v1/callbacks/slots` — propose_callback_slots(customer_id, channel, duration). */
export const ProposeSlotsSchema = z.object({
  queueId: z.uuid(),
  customerId: z.string().min(1).max(200),
  channel: ChannelSchema,
  durationMin: z
    .number()
    .int()
    .min(5)
    .max(240)
    .optional()
    .describe('Default: the team’s duration of the channel'),
});
export type ProposeSlotsBody = z.infer<typeof ProposeSlotsSchema>;

const Contact = z.object({
  name: z.string().min(1).max(200).optional(),
  email: z.email().optional(),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'E.164 number expected, e.g. +14155550100')
    .optional(),
});

/** `POST /v1/callbacks` — schedule_callback. */
export const BookCallbackSchema = z.object({
  queueId: z.uuid(),
  customerId: z.string().min(1).max(200),
  channel: ChannelSchema,
  startsAt: z.iso.datetime({ offset: true }).describe('A proposed slot start (RFC 3339)'),
  durationMin: z.number().int().min(5).max(240).optional(),
  conversationId: z.string().min(1).max(200).optional(),
  decisionId: z.uuid().optional().describe('The escalation decision this callback follows (handoff report)'),
  integrationId: z
    .uuid()
    .optional()
    .describe(
      "The bot's integration (type internal): at the slot time the callback becomes a handoff (work item) on the team's queue",
    ),
  customer: Contact.default({}),
  context: z.record(z.string(), z.unknown()).default({}).describe('Conversation context handed to the agent'),
});
export type BookCallbackBody = z.infer<typeof BookCallbackSchema>;

/** `PATCH /v1/callbacks/{id}`: reschedule (`startsAt`), cancel, or record the outcome. */
export const UpdateCallbackSchema = z
  .object({
    action: z.enum(['reschedule', 'cancel', 'outcome']),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    outcome: z.enum(['completed', 'missed']).optional(),
  })
  .refine((b) => b.action !== 'reschedule' || b.startsAt, {
    message: 'required for reschedule',
    path: ['startsAt'],
  })
  .refine((b) => b.action !== 'outcome' || b.outcome, {
    message: 'required for action outcome',
    path: ['outcome'],
  });
export type UpdateCallbackBody = z.infer<typeof UpdateCallbackSchema>;

export const SlotSchema = z.object({ start: z.iso.datetime(), end: z.iso.datetime(), local: z.string() });
export const SlotsResponseSchema = z.object({
  mode: z.enum(['calendar', 'queue']),
  zone: z.string(),
  durationMin: z.number().int(),
  slots: z.array(SlotSchema),
  queue: z
    .object({ withinMinutes: z.number().int(), slaMin: z.number().int(), slaAtRisk: z.boolean() })
    .nullable()
    .describe('Queue model (no calendar): “we’ll call you within X minutes”'),
});
export const CallbackViewSchema = z.object({
  id: z.uuid(),
  queueId: z.uuid(),
  customerId: z.string(),
  conversationId: z.string().nullable(),
  decisionId: z.string().nullable(),
  channel: ChannelSchema,
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime(),
  local: z.string(),
  status: z.enum(['booked', 'completed', 'missed', 'rescheduled', 'canceled']),
  calendarEventId: z.string().nullable(),
  rescheduledFrom: z.string().nullable(),
  agentId: z.string().nullable().describe('The assigned agent (null for a team without members)'),
});
export type CallbackView = z.infer<typeof CallbackViewSchema>;

/** One confirmation / reminder / cancellation / work item of a booking, with its delivery state. */
export const CallbackNotificationViewSchema = z.object({
  kind: z.enum(['confirmation', 'reminder', 'cancellation', 'work_item']),
  recipient: z.enum(['customer', 'agent', 'queue']),
  medium: z.enum(['email', 'sms', 'handoff']),
  dueAt: z.iso.datetime(),
  sentAt: z.iso.datetime().nullable(),
  /** Set when it failed for good (never retried): the provider refused it, or no SMS provider is configured. */
  failedAt: z.iso.datetime().nullable(),
  /** The last failure, starting with the field to fix for a permanent one (e.g. `customer.phone: Twilio 400 …`). */
  error: z.string().nullable(),
  /** SMS: `twilio`, its message sid, the latest delivery status and error code from its status callbacks. */
  provider: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  deliveryStatus: z.string().nullable(),
  deliveryErrorCode: z.string().nullable(),
});
/** `GET /v1/callbacks/{id}`: the booking and its notifications. */
export const CallbackDetailSchema = CallbackViewSchema.extend({
  notifications: z.array(CallbackNotificationViewSchema),
});
export type CallbackDetail = z.infer<typeof CallbackDetailSchema>;
