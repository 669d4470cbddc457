/** One text message to send for a customer-callback notification. */
export interface SmsMessage {
  /** The tenant whose SMS provider integration sends it. */
  tenantId: string;
  /** E.164 recipient, e.g. `+14155550100`. */
  to: string;
  /** The message text (UTF-8; the provider splits it into segments). */
  text: string;
  /** `customer_callback_notifications.id`: correlates the provider's delivery-status callbacks. */
  notificationId: string;
}

/** What the provider answered when it accepted a message. */
export interface SmsReceipt {
  /** Provider name as stored in `customer_callback_notifications.provider`, e.g. `twilio`. */
  provider: string;
  /** The provider's message id (Twilio `sid`, `SM…`). */
  messageId: string;
  /** The provider's status at acceptance (Twilio: `queued` or `accepted`). */
  status: string;
}

/**
 * Sends text messages through the tenant's SMS provider ({@link TenantSmsGateway}: the tenant's `sms_twilio`
 * integration).
 */
export interface SmsPort {
  /**
   * @returns the provider's receipt
   * @throws PermanentDeliveryError (never retried: no provider configured, invalid number …); any other error is
   *         transient (the notification is retried with backoff)
   */
  send(msg: SmsMessage): Promise<SmsReceipt>;
}
/** Injection token of the {@link SmsPort}. */
export const SMS_PORT = Symbol('SMS_PORT');

/**
 * A notification that can never be delivered as it is (the provider refused it for good, or the medium is not
 * configured for the tenant): the dispatcher records it as failed (`failed_at`, `last_error`) and does not retry.
 */
export class PermanentDeliveryError extends Error {
  constructor(
    message: string,
    /** The field to fix, e.g. `customer.phone`, `config.from`, `secrets.authToken`, `type`. */
    readonly field: string,
    /** The provider's error code (Twilio `code`), when it gave one. */
    readonly providerCode?: string,
  ) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** The tenant has no enabled SMS provider integration (`sms_twilio`). */
export class SmsNotConfiguredError extends PermanentDeliveryError {
  constructor(tenantId: string) {
    super(
      `no SMS provider is configured for tenant ${tenantId} (create an enabled integration of type sms_twilio)`,
      'type',
    );
    this.name = 'SmsNotConfiguredError';
  }
}

/** The provider did not accept the message this time (HTTP 429 / 5xx, timeout, network): retried with backoff. */
export class TransientSmsError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TransientSmsError';
  }
}
