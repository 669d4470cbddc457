import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent` header value:
 * `version-traceid-parentid-flags`, lower-case hex, e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`.
 */
export const TraceparentSchema = z
  .string()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent');

/** Tenant identifier: a slug (lower-case letters, digits, dashes), 1–64 chars. */
export const TenantIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lower-case slug');

/** Fields every message carries, whatever its topic. */
export const EnvelopeBaseSchema = z.object({
  /** Event id (UUID); consumers dedupe on it. */
  id: z.uuid(),
  /** Dotted event type, e.g. `handoff.requested`. */
  type: z.string().min(1),
  /** Schema version of `data` (integer, matches the topic's `.vN`). */
  version: z.number().int().positive(),
  tenantId: TenantIdSchema,
  /** ISO 8601 instant with offset, when the fact happened at the source. */
  occurredAt: z.iso.datetime({ offset: true }),
  /** Producing service or connector, e.g. `handoff-orchestrator`. */
  source: z.string().min(1),
  /** Conversation / interaction id that ties a flow of events together. */
  correlationId: z.string().min(1),
  /** Id of the event or request that caused this one, if any. */
  causationId: z.string().min(1).optional(),
  /** W3C trace context. */
  traceparent: TraceparentSchema.optional(),
  tracestate: z.string().max(512).optional(),
});
export type EnvelopeBase = z.infer<typeof EnvelopeBaseSchema>;

/** Builds the full envelope schema for one event type: base fields + literal type/version + typed `data`. */
export function envelopeOf<T extends string, V extends number, D extends z.ZodTypeAny>(
  type: T,
  version: V,
  data: D,
) {
  return EnvelopeBaseSchema.extend({
    type: z.literal(type),
    version: z.literal(version),
    data,
  });
}

export type Envelope<T extends string = string, D = unknown> = Omit<EnvelopeBase, 'type'> & {
  type: T;
  data: D;
};

/** Input to {@link newEnvelope}: what the producer knows; id and occurredAt are filled in. */
export interface NewEnvelopeInput<T extends string, D> {
  type: T;
  version: number;
  tenantId: string;
  source: string;
  correlationId: string;
  causationId?: string;
  traceparent?: string;
  tracestate?: string;
  occurredAt?: Date | string;
  id?: string;
  data: D;
}

/**
 * Creates an envelope with a fresh UUID id and `occurredAt` = now (unless given).
 * Does not validate: producers validate against the topic schema before sending.
 */
export function newEnvelope<T extends string, D>(input: NewEnvelopeInput<T, D>): Envelope<T, D> {
  const occurredAt =
    input.occurredAt instanceof Date
      ? input.occurredAt.toISOString()
      : (input.occurredAt ?? new Date().toISOString());
  const env: Envelope<T, D> = {
    id: input.id ?? randomUUID(),
    type: input.type,
    version: input.version,
    tenantId: input.tenantId,
    occurredAt,
    source: input.source,
    correlationId: input.correlationId,
    data: input.data,
  };
  if (input.causationId) env.causationId = input.causationId;
  if (input.traceparent) env.traceparent = input.traceparent;
  if (input.tracestate) env.tracestate = input.tracestate;
  return env;
}
