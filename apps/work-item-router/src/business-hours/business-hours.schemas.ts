import { z } from 'zod';
import { BusinessHoursSpecSchema } from '@hub/scheduling';

/** `PUT /v1/queues/{id}/business-hours` body: a schedule of @hub/scheduling (validated; 400 names the field). */
export const PutBusinessHoursBodySchema = BusinessHoursSpecSchema;

/** A queue id, or `default` for the tenant's default queue (availability only). */
export const QueueRefSchema = z.union([z.uuid(), z.literal('default')]);

const instant = z.iso.datetime({ offset: true });
const perType = z.object({ chat: z.number().int(), call: z.number().int() });

/** `GET/PUT /v1/queues/{id}/business-hours` response. `schedule: null` = no business hours (always open). */
export const BusinessHoursViewSchema = z.object({
  queueId: z.uuid(),
  schedule: BusinessHoursSpecSchema.nullable(),
  revision: z.number().int().describe('0 when the queue has no schedule; +1 on every PUT'),
  updatedAt: instant.nullable(),
  openNow: z.boolean(),
  nextOpening: instant.nullable().describe('Earliest instant ≥ now when open (= now when open now)'),
});
export type BusinessHoursView = z.infer<typeof BusinessHoursViewSchema>;

/** `GET /v1/queues/{id}/availability` response (docs/business-hours.md). */
export const QueueAvailabilityViewSchema = z.object({
  queueId: z.uuid(),
  active: z.boolean(),
  hasBusinessHours: z.boolean(),
  timeZone: z.string().nullable(),
  openNow: z.boolean().describe('Always true without business hours'),
  nextOpening: instant
    .nullable()
    .describe('Start of the next opening when closed; now when open; null: none within a year'),
  closesAt: instant
    .nullable()
    .describe('End of the current opening (null when closed or without business hours)'),
  onlineAgents: z.number().int(),
  freeCapacity: perType.describe(
    'Sum of max(capacity − load, 0) over online member agents, per work-item type',
  ),
  waiting: z.number().int().describe('Work items waiting (not yet offered) in the queue'),
  waitingByType: perType,
  estimatedWaitMs: z
    .number()
    .int()
    .nullable()
    .describe(
      'Median time to pickup of the queue’s last 20 items assigned in the past 24 h; null without any',
    ),
  estimatedWaitSamples: z.number().int(),
  at: instant.describe('When this was computed'),
});
export type QueueAvailabilityView = z.infer<typeof QueueAvailabilityViewSchema>;

/** `GET /v1/work-items/{id}/position` response. */
export const WorkItemPositionViewSchema = z.object({
  workItemId: z.uuid(),
  queueId: z.uuid().nullable(),
  type: z.string(),
  status: z.string(),
  position: z
    .number()
    .int()
    .nullable()
    .describe('1-based place among waiting items of the same type in dispatch order; null unless waiting'),
  waiting: z.number().int().describe('Waiting items of the same type in the queue'),
  estimatedWaitMs: z.number().int().nullable().describe('The queue’s estimated wait (see availability)'),
});
export type WorkItemPositionView = z.infer<typeof WorkItemPositionViewSchema>;
