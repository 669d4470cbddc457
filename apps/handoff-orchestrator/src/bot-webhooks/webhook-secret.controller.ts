import { RequireScopes } from '@hub/auth';
import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { WebhookSigningSecrets, type WebhookSecretStatus } from '@hub/integrations';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId, ZodValidationPipe } from '@hub/http';
import { WEBHOOK_SIGNING_OPTIONS, type WebhookSigningOptions } from './bot-webhook-tokens';

const instant = z.iso.datetime();

/** `POST /v1/webhook-secret` body. */
export const RotateWebhookSecretBodySchema = z
  .object({
    /** Stop signing with the previous secret at once (default: it keeps signing for the overlap window). */
    revokePrevious: z.boolean().default(false),
  })
  .strict()
  .default({ revokePrevious: false });
type RotateWebhookSecretBody = z.infer<typeof RotateWebhookSecretBodySchema>;

export const WebhookSecretStatusSchema = z.object({
  configured: z.boolean(),
  createdAt: instant.nullable(),
  previousExpiresAt: instant
    .nullable()
    .describe('While a rotation overlaps: until when the old secret signs too'),
});
export const NewWebhookSecretSchema = z.object({
  secret: z
    .string()
    .describe('`whsec_…` — shown once; verify `webhook-signature` with it (Standard Webhooks)'),
  previousExpiresAt: instant.nullable(),
});

/**
 * `/v1/webhook-secret`: the tenant's signing secret for the callbacks we send (Standard Webhooks). The
 * secret is returned once, when created or rotated; stored encrypted; never readable afterwards.
 */
@ApiTags('webhooks')
@ApiTenant()
@Controller('v1/webhook-secret')
export class WebhookSecretController {
  constructor(
    private readonly secrets: WebhookSigningSecrets,
    @Inject(WEBHOOK_SIGNING_OPTIONS) private readonly opts: WebhookSigningOptions,
  ) {}

  @RequireScopes('integrations:admin')
  @Get()
  @ApiOperation({
    summary: 'Whether a webhook signing secret is set, and a running rotation (no secret values)',
  })
  @ApiJsonResponse(200, WebhookSecretStatusSchema, { name: 'WebhookSecretStatus', description: 'Status' })
  status(@TenantId() tenantId: string): Promise<WebhookSecretStatus> {
    return this.secrets.status(tenantId);
  }

  @RequireScopes('integrations:admin')
  @Post()
  @ApiOperation({
    summary:
      'Create or rotate the webhook signing secret; the new secret is shown once. During the overlap both ' +
      'the new and the previous secret sign (two space-separated signatures).',
  })
  @ApiJsonBody(RotateWebhookSecretBodySchema, { name: 'RotateWebhookSecretBody', required: false })
  @ApiJsonResponse(201, NewWebhookSecretSchema, {
    name: 'NewWebhookSecret',
    description: 'The new secret (once)',
  })
  @ApiProblem(400, 'Invalid field (named in `errors[].field`)')
  rotate(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(RotateWebhookSecretBodySchema)) body: RotateWebhookSecretBody,
  ): Promise<{ secret: string; previousExpiresAt: string | null }> {
    return this.secrets.rotate(tenantId, body.revokePrevious ? 0 : this.opts.rotationOverlapMs);
  }
}
