import { AuthenticatedBy } from '@hub/auth';
import {
  Controller,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  UnauthorizedException,
  type RawBodyRequest,
} from '@nestjs/common';
import { ApiExtension, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ConnectContactEventSchema, WebhookRejectedError } from '@hub/ccaas';
import { ApiJsonResponse, ApiProblem, jsonSchemaOf } from '@hub/http';
import { IntegrationStore, type IntegrationType } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import { ApplyTargetEventUseCase } from './apply-target-event.usecase';
import { CcaasTargets } from './ccaas-targets';

/**
 * What vendors POST (documentation only: the route reads the raw body, the type's receiver parses it): an Amazon
 * Connect contact event delivered by an EventBridge API destination, or a Genesys Open Messaging outbound
 * notification / 8x8 Chat Gateway event (docs/vendors/*.md).
 */
export const CcaasWebhookDeliverySchema = z.union([
  ConnectContactEventSchema.describe(
    'Amazon Connect contact event ("Amazon Connect Contact Event", source aws.connect) from an EventBridge API destination; auth header of its connection',
  ),
  z
    .looseObject({})
    .describe(
      'Genesys Cloud Open Messaging outbound notification (X-Hub-Signature-256) or 8x8 Chat Gateway event (x-8x8-signature)',
    ),
]);

export const WebhookAckSchema = z.object({
  accepted: z.number().int().describe('Normalized events taken from the delivery'),
});

/**
 * `POST /v1/ccaas/webhooks/{integrationId}`: the one signed-webhook endpoint of every contact-center
 * vendor that calls us (Genesys Open Messaging `X-Hub-Signature-256`, 8x8 `x-8x8-signature`, Amazon Connect contact
 * events through an EventBridge API destination with its connection's API-key / Basic header …). Public
 * route authenticated by the VENDOR'S signature: the integration (any tenant, system read) picks the
 * type's {@link WebhookReceiver}, which verifies the signature over the raw body and returns normalized
 * events; they go to the {@link ApplyTargetEventUseCase} (idempotent per vendor event id). An unknown
 * integration, a type without a receiver, or a bad/replayed signature → 401 and nothing changes.
 */
@ApiTags('ccaas')
@Controller('v1/ccaas/webhooks')
export class CcaasWebhooksController {
  constructor(
    private readonly store: IntegrationStore,
    private readonly targets: CcaasTargets,
    private readonly sink: ApplyTargetEventUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @AuthenticatedBy('vendor-webhook-signature')
  @Post(':integrationId')
  @HttpCode(200)
  @ApiOperation({ summary: "A contact-center vendor's signed webhook delivery (raw body, vendor signature)" })
  // Documented as an extension, not a request body: the raw body is the receiver's to parse, and a malformed one is
  // answered 401 like a bad signature (never 400).
  @ApiExtension('x-vendor-deliveries', jsonSchemaOf(CcaasWebhookDeliverySchema, 'input'))
  @ApiJsonResponse(200, WebhookAckSchema, { name: 'CcaasWebhookAck', description: 'Verified and applied' })
  @ApiProblem(401, 'Unknown integration, or the signature does not verify (nothing changed)')
  async receive(
    @Param('integrationId') integrationId: string,
    @Req() req: RawBodyRequest<Request>,
  ): Promise<{ accepted: number }> {
    const denied = () => new UnauthorizedException('webhook signature could not be verified');
    for (const t of this.targets.webhookTypes()) {
      const receiver = this.targets.receiver(t);
      const i = receiver ? await this.store.loadAnyTenant(integrationId, t as IntegrationType) : null;
      if (!i || !receiver) continue;
      let events;
      try {
        events = await receiver.verifyAndParse(req.rawBody ?? Buffer.alloc(0), req.headers, {
          id: i.id,
          tenantId: i.tenantId,
          config: i.config as Record<string, unknown>,
          secrets: i.secrets as Record<string, unknown>,
        });
      } catch (e) {
        if (e instanceof WebhookRejectedError) {
          this.logger.warn({ integrationId, reason: e.reason }, 'contact-center webhook rejected');
          throw denied();
        }
        throw e;
      }
      for (const ev of events) {
        await this.sink.report({ tenantId: i.tenantId, integrationId: i.id, ...ev });
      }
      return { accepted: events.length };
    }
    throw denied();
  }
}
