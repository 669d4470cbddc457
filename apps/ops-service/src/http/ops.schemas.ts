import { z } from 'zod';
import { responseSchemaOf } from '@hub/http';
import type { DeadLetter, ObservedEvent, SeriesHealth } from '../domain/event-store';
import type { ConsumerLag } from '../health/consumer-lag.reader';
import type { RedriveRecord } from '../redrive/redrive.repository';

const instant = z.string().describe('ISO 8601');

/** An event as the inspector shows it. */
export const ObservedEventSchema = responseSchemaOf<ObservedEvent>()(
  z.object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.string(),
    key: z.string().nullable(),
    eventId: z.string().nullable(),
    type: z.string().nullable(),
    tenantId: z.string().nullable(),
    source: z.string().nullable().describe('Producing service or connector'),
    correlationId: z.string().nullable(),
    occurredAt: instant,
    loggedAt: instant,
    data: z.unknown(),
  }),
);

/** A dead letter (without its raw value). */
export const DeadLetterViewSchema = ObservedEventSchema.extend({
  dlqTopic: z.string(),
  originalTopic: z.string(),
  originalPartition: z.number().int().nullable(),
  originalOffset: z.string().nullable(),
  reason: z.string().describe('`invalid_json`, `schema_invalid`, `handler_failed`, …'),
  error: z.string().nullable(),
  attempts: z.number().int().nullable(),
  consumerGroup: z.string().nullable(),
  failedAt: instant,
  redrive: z
    .object({ status: z.enum(['pending', 'done']), requestedBy: z.string(), redrivenAt: instant.nullable() })
    .nullable()
    .describe('Set once someone asked to redrive it'),
});
export type DeadLetterView = Omit<DeadLetter, 'rawValue'> & {
  redrive: Pick<RedriveRecord, 'status' | 'requestedBy' | 'redrivenAt'> | null;
};

export const SeriesHealthSchema = responseSchemaOf<SeriesHealth>()(
  z.object({
    tenantId: z.string(),
    source: z.string(),
    topic: z.string(),
    events: z.number().int(),
    ratePerMinute: z.number(),
    lastSeen: z.string().describe('ISO 8601; empty when only dead letters were seen'),
    errors: z.number().int(),
  }),
);
export const ConsumerLagSchema = responseSchemaOf<ConsumerLag>()(
  z.object({
    group: z.string(),
    topic: z.string(),
    lag: z.number().int(),
    partitions: z.array(
      z.object({
        partition: z.number().int(),
        committed: z.string(),
        end: z.string(),
        lag: z.number().int(),
      }),
    ),
  }),
);
export const HealthViewSchema = z.object({
  windowSeconds: z.number().int(),
  series: z.array(SeriesHealthSchema),
  consumerLag: z
    .array(ConsumerLagSchema)
    .nullable()
    .describe('Consumer groups are platform-wide: platform-admin credentials only, else null'),
  at: instant,
});

export const RedriveRecordSchema = responseSchemaOf<RedriveRecord>()(
  z.object({
    tenantId: z.string(),
    dlqTopic: z.string(),
    dlqPartition: z.number().int(),
    dlqOffset: z.string(),
    eventId: z.string().nullable(),
    originalTopic: z.string(),
    reason: z.string(),
    error: z.string().nullable(),
    status: z.enum(['pending', 'done']),
    requestedBy: z.string(),
    requestedAt: instant,
    redrivenAt: instant.nullable(),
  }),
);

/** Body of `POST /v1/ops/dead-letters/redrive`. */
export const RedriveBodySchema = z.strictObject({
  dlqTopic: z.string().regex(/^[a-z0-9.-]+\.dlq$/, 'must be a dead-letter topic (`<topic>.dlq`)'),
  partition: z.number().int().min(0),
  offset: z.string().regex(/^\d+$/, 'must be a Kafka offset (digits)'),
});

export const RedriveResultSchema = z.object({
  outcome: z.enum(['redriven', 'already_redriven']),
  redrive: RedriveRecordSchema,
});

/** `?limit=` of the list routes: 1–500, default 100. */
export const LimitSchema = z.coerce.number().int().min(1).max(500).default(100);
