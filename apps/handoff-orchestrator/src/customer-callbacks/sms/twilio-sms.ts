import type { IntegrationConfig, IntegrationSecrets } from '@hub/integrations';
import { redactVendorText } from '@hub/integrations';
import { PermanentDeliveryError, TransientSmsError, type SmsReceipt } from './sms-port';

/** A `fetch`-shaped transport (the service's `OutboundHttp.fetch`: outbound URL policy, pinned, no redirects). */
export type SmsFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<Response>;

/** Twilio's JSON error body (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions). */
interface TwilioErrorBody {
  code?: number;
  message?: string;
  more_info?: string;
  status?: number;
}

/**
 * Twilio error codes (https://www.twilio.com/docs/api/errors) that name the field to fix. Any other 4xx is
 * permanent too, attributed to `customer.phone` when Twilio's message mentions the `To` number, else to the
 * integration (`config`).
 */
const TWILIO_ERROR_FIELDS: Record<number, string> = {
  20003: 'secrets.authToken', // authentication failed
  20404: 'config.accountSid', // resource not found (unknown account)
  21211: 'customer.phone', // invalid 'To' phone number
  21214: 'customer.phone', // 'To' cannot be reached
  21408: 'customer.phone', // permission to send to this region not enabled
  21610: 'customer.phone', // the recipient unsubscribed (STOP)
  21612: 'customer.phone', // 'To' not reachable from this 'From'
  21614: 'customer.phone', // 'To' is not a mobile number
  21212: 'config.from', // invalid 'From' number
  21606: 'config.from', // 'From' is not a valid, SMS-capable number of this account
  21659: 'config.from', // 'From' is not a Twilio number
  21703: 'config.messagingServiceSid', // Messaging Service has no phone numbers
  21705: 'config.messagingServiceSid', // invalid Messaging Service
  21617: 'text', // body exceeds 1600 characters
};

/**
 * Twilio Programmable Messaging adapter of one tenant's `sms_twilio` integration: `POST
 * {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`, `From` or `MessagingServiceSid`,
 * `Body` and (when given) `StatusCallback`; HTTP Basic with `apiKeySid:apiKeySecret` when an API key is set, else
 * `accountSid:authToken`. Answers: 201 → {@link SmsReceipt} (`sid`, `status`); 429 / 5xx / network / timeout →
 * {@link TransientSmsError} (the dispatcher retries with backoff); any other 4xx → {@link PermanentDeliveryError}
 * naming the field (Twilio `code`, e.g. 21211 → `customer.phone`), with Twilio's `message` redacted.
 */
export class TwilioSms {
  constructor(
    private readonly config: IntegrationConfig<'sms_twilio'>,
    private readonly secrets: IntegrationSecrets<'sms_twilio'>,
    private readonly fetch: SmsFetch,
  ) {}

  /**
   * @param to E.164 recipient
   * @param statusCallback absolute URL Twilio posts delivery statuses to (signed with `X-Twilio-Signature`)
   * @throws TransientSmsError, PermanentDeliveryError
   */
  async send(to: string, text: string, statusCallback?: string): Promise<SmsReceipt> {
    const c = this.config;
    const url = new URL(
      `2010-04-01/Accounts/${encodeURIComponent(c.accountSid)}/Messages.json`,
      c.baseUrl.endsWith('/') ? c.baseUrl : `${c.baseUrl}/`,
    ).toString();
    const form = new URLSearchParams({ To: to, Body: text });
    if (c.messagingServiceSid) form.set('MessagingServiceSid', c.messagingServiceSid);
    else if (c.from) form.set('From', c.from);
    if (statusCallback) form.set('StatusCallback', statusCallback);
    const [user, pass] = this.secrets.apiKeySid
      ? [this.secrets.apiKeySid, this.secrets.apiKeySecret as string]
      : [c.accountSid, this.secrets.authToken];
    let res: Response;
    try {
      res = await this.fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        signal: AbortSignal.timeout(c.requestTimeoutMs),
      });
    } catch (e) {
      throw new TransientSmsError(`Twilio did not answer: ${this.redact((e as Error).message)}`);
    }
    const body = (await res.json().catch(() => ({}))) as TwilioErrorBody & { sid?: string; status?: string };
    if (res.status === 201 || res.status === 200) {
      if (typeof body.sid !== 'string')
        throw new TransientSmsError(`Twilio answered ${res.status} without a message sid`, res.status);
      return { provider: 'twilio', messageId: body.sid, status: String(body.status ?? 'queued') };
    }
    const detail = `Twilio ${res.status}${body.code ? ` (code ${body.code})` : ''}: ${this.redact(body.message ?? res.statusText)}`;
    if (res.status === 429 || res.status >= 500) throw new TransientSmsError(detail, res.status);
    const field =
      (body.code !== undefined ? TWILIO_ERROR_FIELDS[body.code] : undefined) ??
      (/\bTo\b/.test(body.message ?? '') ? 'customer.phone' : 'config');
    throw new PermanentDeliveryError(detail, field, body.code !== undefined ? String(body.code) : undefined);
  }

  private redact(text: string): string {
    return redactVendorText(text, {
      secrets: [this.secrets.authToken, this.secrets.apiKeySecret].filter((s): s is string => !!s),
      maxLength: 300,
    });
  }
}
