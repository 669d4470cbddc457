import { z } from 'zod';
import { IntegrationTypeSchema } from '@hub/contracts';

/** `POST /v1/integrations` body; `config`/`secrets` are then validated by the type's schema. */
export const CreateIntegrationBodySchema = z.object({
  type: IntegrationTypeSchema,
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

export const ListIntegrationsQuerySchema = z.object({ type: IntegrationTypeSchema.optional() });
