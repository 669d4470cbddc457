import { z } from 'zod';
import { WorkItemContextSchema } from '@hub/contracts';
import { responseSchemaOf } from '@hub/http';
import type { presentAgent, presentQueue, presentWorkItem } from './presenters';

/**
 * Response schemas of the admin API (OpenAPI), each checked at compile time against the type its
 * presenter returns, so the documented shape cannot drift from what the API sends.
 */

const instant = z.iso.datetime();
const nullableInstant = instant.nullable();

/** A queue (`presentQueue`). */
export const QueueViewSchema = responseSchemaOf<ReturnType<typeof presentQueue>>()(
  z.object({
    id: z.uuid(),
    name: z.string(),
    active: z.boolean(),
    isDefault: z.boolean(),
    offerTimeoutSeconds: z.number().int().describe('Seconds an offer stays open'),
    priorityHandling: z.string().describe('`priority` or `fifo`'),
    createdAt: instant,
    updatedAt: instant,
  }),
);

/** `POST /v1/tenants` response: the tenant and its automatically created default queue. */
export const TenantViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: instant,
  defaultQueue: QueueViewSchema.nullable(),
});

const perType = z.object({ chat: z.number().int(), call: z.number().int() });

/** An agent (`presentAgent`): capacity and current load per work-item type. */
export const AgentViewSchema = responseSchemaOf<ReturnType<typeof presentAgent>>()(
  z.object({
    id: z.string(),
    displayName: z.string(),
    presence: z.string().describe('online | busy | away | offline'),
    presenceChangedAt: instant,
    idleSince: instant,
    autoAccept: z.boolean(),
    capacity: perType,
    load: perType,
    missedOffers: z
      .number()
      .int()
      .describe(
        'offers let expire in a row since the last accept, decline or presence change; at ROUTER_MISSED_OFFERS_BEFORE_AWAY the router sets the agent away',
      ),
    queueIds: z.array(z.uuid()),
    createdAt: instant,
    updatedAt: instant,
  }),
);

/** A work item with context, transfer history and offers (`presentWorkItem`). */
export const WorkItemViewSchema = responseSchemaOf<ReturnType<typeof presentWorkItem>>()(
  z.object({
    id: z.uuid(),
    handoffId: z.string().nullable(),
    conversationId: z.string(),
    integrationId: z.string().nullable(),
    type: z.string().describe('chat | call'),
    status: z.string().describe('waiting | offered | assigned | completed | withdrawn | failed'),
    priority: z.number().int(),
    queueId: z.uuid().nullable(),
    agentId: z.string().nullable(),
    queueResolution: z
      .number()
      .int()
      .nullable()
      .describe('Queue resolution level (1–5) that chose the queue'),
    routing: z.unknown(),
    endReason: z.string().nullable(),
    context: WorkItemContextSchema,
    wrapUp: z.object({ note: z.string().nullable(), disposition: z.string().nullable() }),
    createdAt: instant,
    enqueuedAt: instant,
    assignedAt: nullableInstant,
    completedAt: nullableInstant,
    endedAt: nullableInstant,
    transfers: z.array(
      z.object({
        id: z.uuid(),
        fromQueueId: z.uuid().nullable(),
        toQueueId: z.uuid(),
        byAgentId: z.string().nullable(),
        fromAgentId: z.string().nullable(),
        reason: z.string().nullable(),
        at: instant,
      }),
    ),
    offers: z.array(
      z.object({
        id: z.uuid(),
        agentId: z.string(),
        queueId: z.uuid().nullable(),
        status: z.string(),
        createdAt: instant,
        expiresAt: instant,
        resolvedAt: nullableInstant,
        reason: z.string().nullable(),
      }),
    ),
  }),
);
