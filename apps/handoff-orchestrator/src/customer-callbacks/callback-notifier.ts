import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DateTime } from 'luxon';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { buildICalendar } from '@hub/calendars';
import { LOGGER } from '@hub/observability';
import type { ClaimedNotification, CustomerCallback, DeliveryReceipt } from './customer-callback.repository';
import { SMS_PORT, type SmsPort } from './sms/sms-port';

/** Injection token of {@link CallbackNotifierOptions}. */
export const CALLBACK_NOTIFIER_OPTIONS = Symbol('CALLBACK_NOTIFIER_OPTIONS');

/** Options of {@link CallbackNotifier} (from CUSTOMER_CALLBACK_* env). */
export interface CallbackNotifierOptions {
  /** `smtp://host:port` or `smtps://user:pass@host:port`; null = e-mail disabled (notifications fail and retry). */
  smtpUrl: string | null;
  from: string;
}

const TITLES = {
  confirmation: 'Your callback is booked',
  reminder: 'Reminder: your callback is coming up',
  cancellation: 'Your callback is canceled',
  work_item: 'Your callback is starting',
} as const;

/** Human wording of a booking's time in the team's zone, e.g. "Mon 15 Mar 2027, 10:00 (America/New_York)". */
export function describeSlot(cb: CustomerCallback, zone: string): string {
  return `${DateTime.fromJSDate(cb.startsAt, { zone }).toFormat('ccc d LLL yyyy, HH:mm')} (${zone})`;
}

/**
 * Sends one callback notification: e-mail through nodemailer (SMTP) with the booking as an iCalendar
 * attachment and `text/calendar` alternative (METHOD:REQUEST for confirmation/reminder, CANCEL for a
 * cancellation; UID = booking id, SEQUENCE = reschedule count), or SMS through the {@link SmsPort} (the tenant's
 * provider integration, e.g. Twilio).
 */
@Injectable()
export class CallbackNotifier implements OnApplicationShutdown {
  private readonly transport: Transporter | null;

  constructor(
    @Inject(CALLBACK_NOTIFIER_OPTIONS) private readonly opts: CallbackNotifierOptions,
    @Inject(SMS_PORT) private readonly sms: SmsPort,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.transport = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : null;
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  /**
   * @param to the recipient's address (e-mail or E.164)
   * @returns the SMS provider's receipt (message id, status); nothing for e-mail
   * @throws PermanentDeliveryError (never retried: no SMS provider, invalid number …); any other error when the
   *         medium is not configured or the server refuses (retried)
   */
  async send(n: ClaimedNotification, to: string, zone: string): Promise<DeliveryReceipt | void> {
    const cb = n.callback;
    const when = describeSlot(cb, zone);
    const text = `${TITLES[n.kind]}: ${cb.channel} callback ${n.kind === 'cancellation' ? 'that was planned for' : 'on'} ${when}. Reference ${cb.id}.`;
    if (n.medium === 'sms') {
      const r = await this.sms.send({ tenantId: cb.tenantId, to, text, notificationId: n.id });
      this.logger.debug({ callbackId: cb.id, kind: n.kind, messageId: r.messageId }, 'callback SMS accepted');
      return { provider: r.provider, providerMessageId: r.messageId, deliveryStatus: r.status };
    }
    if (!this.transport) throw new Error('e-mail is not configured (CUSTOMER_CALLBACK_SMTP_URL)');
    const method = n.kind === 'cancellation' ? 'CANCEL' : 'REQUEST';
    const ics = buildICalendar(
      {
        uid: cb.id,
        start: cb.startsAt,
        end: cb.endsAt,
        summary:
          n.recipient === 'agent'
            ? `Callback ${cb.channel}: ${cb.customerName ?? cb.customerId}`
            : `Callback from our team (${cb.channel})`,
        description: text,
        attendees: cb.customerEmail
          ? [{ email: cb.customerEmail, ...(cb.customerName ? { name: cb.customerName } : {}) }]
          : [],
      },
      { method, organizer: { email: this.opts.from }, sequence: cb.sequence },
    );
    await this.transport.sendMail({
      from: this.opts.from,
      to,
      subject: `${TITLES[n.kind]} — ${when}`,
      text,
      icalEvent: { method, filename: 'callback.ics', content: ics },
      headers: { 'X-Hub-Callback-Id': cb.id, 'X-Hub-Notification': n.kind },
    });
    this.logger.debug({ callbackId: cb.id, kind: n.kind }, 'callback e-mail sent');
  }
}
