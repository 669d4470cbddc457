import { z } from 'zod';
import { TENANT_SCOPES } from '../scopes';

/** A scope grantable to an API key. */
export const TenantScopeSchema = z.string().refine((s) => TENANT_SCOPES.includes(s), {
  message: `must be one of ${TENANT_SCOPES.join(', ')}`,
});

/** Body of `POST /v1/api-keys`. `expiresAt` optional (ISO 8601, in the future). */
export const CreateApiKeyBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(TenantScopeSchema).min(1).max(TENANT_SCOPES.length),
  expiresAt: z.iso
    .datetime({ offset: true })
    .refine((s) => Date.parse(s) > Date.now(), { message: 'must be in the future' })
    .optional(),
});

/** Body of `POST /v1/api-keys/{id}/rotate`: how long the old key stays valid, seconds (default 86 400, max 30 days). */
export const RotateApiKeyBodySchema = z.strictObject({
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(86_400),
});

/** An API key as listed (never the secret). */
export const ApiKeyViewSchema = z.object({
  id: z.uuid(),
  tenantId: z.string(),
  name: z.string(),
  prefix: z.string().describe('Public part of the key (`hub_live_<prefix>_…`)'),
  scopes: z.array(z.string()),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('Recorded at most once a minute per key'),
  revokedAt: z.string().nullable(),
  replacedBy: z.uuid().nullable().describe('The key that replaced this one on rotation'),
});

/** A newly created key: the view plus the full key, shown only in this response. */
export const CreatedApiKeySchema = ApiKeyViewSchema.extend({
  key: z.string().describe('The full API key. Shown once; store it now.'),
});

/** `POST /v1/api-keys/{id}/rotate` answer. */
export const RotatedApiKeySchema = z.object({
  key: CreatedApiKeySchema,
  previous: ApiKeyViewSchema.describe('The rotated key; valid until its `expiresAt` (the grace expiry)'),
});

/** `GET /v1/api-keys` answer. */
export const ApiKeyListSchema = z.object({ items: z.array(ApiKeyViewSchema) });

export type ApiKeyView = z.infer<typeof ApiKeyViewSchema>;
