import { Inject, Injectable } from '@nestjs/common';
import { IntegrationStore, OutboundHttp } from '@hub/integrations';
import { TwilioSms, type SmsFetch } from './twilio-sms';
import { SmsNotConfiguredError, type SmsMessage, type SmsPort, type SmsReceipt } from './sms-port';

/** Injection token of {@link TenantSmsOptions}. */
export const TENANT_SMS_OPTIONS = Symbol('TENANT_SMS_OPTIONS');
/** Options of {@link TenantSmsGateway} (from env). */
export interface TenantSmsOptions {
  /**
   * Public origin of this service as the SMS provider reaches it (`SMS_STATUS_CALLBACK_BASE_URL`), e.g.
   * `https://hub.example.com`; the status callback URL is `{base}/v1/sms/twilio/{integrationId}/status?n={notificationId}`.
   * Undefined: no `StatusCallback` is requested (the delivery status stays the provider's answer at acceptance).
   */
  statusCallbackBaseUrl?: string;
}

/** The status-callback URL Twilio is given for one notification (and that its `X-Twilio-Signature` covers). */
export function twilioStatusCallbackUrl(base: string, integrationId: string, notificationId: string): string {
  const u = new URL(
    `v1/sms/twilio/${encodeURIComponent(integrationId)}/status`,
    base.endsWith('/') ? base : `${base}/`,
  );
  u.searchParams.set('n', notificationId);
  return u.toString();
}

/**
 * The {@link SmsPort} of the service: picks the tenant's SMS provider at send time — its oldest enabled `sms_twilio`
 * integration (secrets decrypted by @hub/integrations) → {@link TwilioSms} over the service's {@link OutboundHttp}
 * (the configured `baseUrl` vetted by the outbound URL policy on every call). No provider →
 * {@link SmsNotConfiguredError} (a permanent failure of the notification, never a silent "sent").
 */
@Injectable()
export class TenantSmsGateway implements SmsPort {
  constructor(
    private readonly store: IntegrationStore,
    private readonly outbound: OutboundHttp,
    @Inject(TENANT_SMS_OPTIONS) private readonly opts: TenantSmsOptions,
  ) {}

  private readonly fetch: SmsFetch = (url, init) => this.outbound.fetch(url, init);

  /** @throws SmsNotConfiguredError, PermanentDeliveryError, TransientSmsError, OutboundUrlRefusedError */
  async send(msg: SmsMessage): Promise<SmsReceipt> {
    const twilio = await this.store.loadFirstEnabled(msg.tenantId, 'sms_twilio');
    if (!twilio) throw new SmsNotConfiguredError(msg.tenantId);
    const statusCallback = this.opts.statusCallbackBaseUrl
      ? twilioStatusCallbackUrl(this.opts.statusCallbackBaseUrl, twilio.id, msg.notificationId)
      : undefined;
    return new TwilioSms(twilio.config, twilio.secrets, this.fetch).send(msg.to, msg.text, statusCallback);
  }
}
