import { z } from 'zod';
import { AgentIdSchema, PresenceSchema, TenantIdSchema, WorkItemStatusSchema } from '@hub/contracts';

/** `POST /v1/tenants`. */
export const CreateTenantBodySchema = z.object({
  id: TenantIdSchema,
  name: z.string().min(1).max(200),
});

export const PriorityHandlingSchema = z.enum(['priority', 'fifo']);

const queueFields = {
  name: z.string().min(1).max(200),
  /** Inactive queues receive no new work items. */
  active: z.boolean(),
  /** Make this the tenant's default queue (resolution level 4); the previous default is unset. */
  isDefault: z.boolean(),
  /** Seconds an offer stays open (1 s … 1 h). */
  offerTimeoutSeconds: z.number().int().min(1).max(3600),
  /** `priority`: higher work-item priority first, then oldest; `fifo`: oldest first. */
  priorityHandling: PriorityHandlingSchema,
};

/** `POST /v1/queues`. */
export const CreateQueueBodySchema = z.object({
  name: queueFields.name,
  active: queueFields.active.default(true),
  isDefault: queueFields.isDefault.default(false),
  offerTimeoutSeconds: queueFields.offerTimeoutSeconds.default(30),
  priorityHandling: queueFields.priorityHandling.default('priority'),
});
export type CreateQueueBody = z.infer<typeof CreateQueueBodySchema>;

/** `PATCH /v1/queues/:id` (any subset). */
export const UpdateQueueBodySchema = z.object(queueFields).partial().strict();
export type UpdateQueueBody = z.infer<typeof UpdateQueueBodySchema>;

/** Concurrent work items per type (0 = never receives that type). */
export const CapacitySchema = z.object({
  chat: z.number().int().min(0).max(100),
  call: z.number().int().min(0).max(100),
});

/** `POST /v1/agents`. */
export const CreateAgentBodySchema = z.object({
  id: AgentIdSchema,
  displayName: z.string().min(1).max(200),
  queueIds: z.array(z.uuid()).max(200).default([]),
  capacity: CapacitySchema.partial().default({}),
  autoAccept: z.boolean().default(false),
});
export type CreateAgentBody = z.infer<typeof CreateAgentBodySchema>;

/** `PATCH /v1/agents/:id` (any subset; `queueIds` replaces the memberships). */
export const UpdateAgentBodySchema = z
  .object({
    displayName: z.string().min(1).max(200),
    queueIds: z.array(z.uuid()).max(200),
    capacity: CapacitySchema.partial(),
    autoAccept: z.boolean(),
  })
  .partial()
  .strict();
export type UpdateAgentBody = z.infer<typeof UpdateAgentBodySchema>;

/** `PUT /v1/agents/:id/presence`. */
export const PresenceBodySchema = z.object({ presence: PresenceSchema });

/** `GET /v1/work-items` query. */
export const ListWorkItemsQuerySchema = z.object({
  status: WorkItemStatusSchema.optional(),
  queueId: z.uuid().optional(),
  agentId: AgentIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const UuidSchema = z.uuid();
export { AgentIdSchema };
