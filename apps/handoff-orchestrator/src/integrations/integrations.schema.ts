import { z } from 'zod';
import { IntegrationTypeSchema } from '@hub/integrations';

/** Types managed through `/v1/integrations` (`webhook_signing` has its own API, `/v1/webhook-secret`). */
export const AdminIntegrationTypeSchema = IntegrationTypeSchema.exclude(['webhook_signing']);

/**
 * `POST /v1/integrations` body; `config`/`secrets` are then validated by the type's schema. Secrets are
 * write-only: stored encrypted, never returned (views list `secretFields`).
 */
export const CreateIntegrationBodySchema = z.object({
  type: AdminIntegrationTypeSchema,
  name: z.string().trim().min(1).max(200),
  config: z.record(z.string(), z.unknown()).default({}),
  secrets: z.record(z.string(), z.unknown()).default({}),
  enabled: z.boolean().default(true),
});
export type CreateIntegrationBody = z.infer<typeof CreateIntegrationBodySchema>;

/** `PATCH /v1/integrations/:id` body: `config` and `secrets` replace the stored ones when given. */
export const UpdateIntegrationBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    secrets: z.record(z.string(), z.unknown()).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type UpdateIntegrationBody = z.infer<typeof UpdateIntegrationBodySchema>;

export const ListIntegrationsQuerySchema = z.object({ type: AdminIntegrationTypeSchema.optional() });
