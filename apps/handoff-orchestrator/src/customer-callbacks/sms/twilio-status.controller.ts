import { AuthenticatedBy } from '@hub/auth';
import {
  Controller,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  UnauthorizedException,
  type RawBodyRequest,
} from '@nestjs/common';
import { ApiExtension, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { z } from 'zod';
import { ApiProblem, jsonSchemaOf } from '@hub/http';
import { IntegrationStore } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import { CustomerCallbackRepository } from '../customer-callback.repository';
import { TENANT_SMS_OPTIONS, twilioStatusCallbackUrl, type TenantSmsOptions } from './tenant-sms';

/**
 * What Twilio posts to a message's `StatusCallback` (form-encoded; documentation only, the route reads the raw body):
 * https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 */
export const TwilioStatusCallbackSchema = z.looseObject({
  AccountSid: z.string(),
  MessageSid: z.string(),
  MessageStatus: z.enum([
    'accepted',
    'scheduled',
    'queued',
    'sending',
    'sent',
    'delivered',
    'undelivered',
    'failed',
    'read',
    'canceled',
  ]),
  ErrorCode: z.string().optional(),
});

/**
 * `POST /v1/sms/twilio/{integrationId}/status?n={notificationId}`: Twilio's delivery-status callbacks of callback
 * SMS. Public route authenticated by Twilio's `X-Twilio-Signature` (HMAC-SHA1 with the account's Auth Token over the
 * full callback URL — rebuilt from `SMS_STATUS_CALLBACK_BASE_URL`, exactly as given to Twilio — plus the sorted POST
 * parameters, base64; verified with the `twilio` package's `validateRequest`). The integration (any tenant, system
 * read) gives the tenant and the token; the status is recorded on the notification row (`delivery_status`,
 * `delivery_error_code`) when its `MessageSid` matches. Unknown integration, missing or forged signature → 401 and
 * nothing changes.
 */
@ApiTags('callbacks')
@Controller('v1/sms/twilio')
export class TwilioStatusController {
  constructor(
    private readonly store: IntegrationStore,
    private readonly repo: CustomerCallbackRepository,
    @Inject(TENANT_SMS_OPTIONS) private readonly opts: TenantSmsOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @AuthenticatedBy('twilio-signature')
  @Post(':integrationId/status')
  @HttpCode(204)
  @ApiOperation({
    summary: "Twilio's signed SMS delivery-status callback (form-encoded, X-Twilio-Signature)",
  })
  @ApiExtension('x-vendor-deliveries', jsonSchemaOf(TwilioStatusCallbackSchema, 'input'))
  @ApiResponse({
    status: 204,
    description: 'Verified; the status is recorded (or ignored when stale / unknown)',
  })
  @ApiProblem(401, 'Unknown integration, or X-Twilio-Signature does not verify (nothing changed)')
  async status(
    @Param('integrationId') integrationId: string,
    @Query('n') notificationId: string | undefined,
    @Headers('x-twilio-signature') signature: string | undefined,
    @Req() req: RawBodyRequest<Request>,
  ): Promise<void> {
    const denied = (reason: string) => {
      this.logger.warn({ integrationId, reason }, 'Twilio status callback rejected');
      return new UnauthorizedException('X-Twilio-Signature could not be verified');
    };
    const base = this.opts.statusCallbackBaseUrl;
    if (!base) throw denied('SMS_STATUS_CALLBACK_BASE_URL is not set');
    if (!signature || typeof notificationId !== 'string') throw denied('signature or n missing');
    const i = z.uuid().safeParse(integrationId).success
      ? await this.store.loadAnyTenant(integrationId, 'sms_twilio')
      : null;
    if (!i) throw denied('unknown integration');
    const params = Object.fromEntries(new URLSearchParams((req.rawBody ?? Buffer.alloc(0)).toString('utf8')));
    const url = twilioStatusCallbackUrl(base, integrationId, notificationId);
    if (!validateRequest(i.secrets.authToken, signature, url, params)) throw denied('signature mismatch');
    const parsed = TwilioStatusCallbackSchema.safeParse(params);
    if (!parsed.success || parsed.data.AccountSid !== i.config.accountSid) {
      this.logger.warn({ integrationId }, 'Twilio status callback ignored: unexpected fields');
      return;
    }
    const changed = await this.repo.recordDeliveryStatus(i.tenantId, notificationId, {
      provider: 'twilio',
      providerMessageId: parsed.data.MessageSid,
      status: parsed.data.MessageStatus,
      errorCode: parsed.data.ErrorCode ?? null,
    });
    this.logger.info(
      { integrationId, notificationId, status: parsed.data.MessageStatus, changed },
      'Twilio status callback',
    );
  }
}
