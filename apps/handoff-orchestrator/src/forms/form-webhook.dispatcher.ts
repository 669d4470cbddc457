import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { OutboundUrlPolicy, PinnedHttpClient, WebhookSigningSecrets } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import { BOT_WEBHOOK_URL_POLICY } from '../bot-webhooks/bot-webhook-tokens';
import {
  DurableWebhookSender,
  type LeasedWebhook,
  type WebhookResult,
} from '../bot-webhooks/durable-webhook-sender';
import { FormMetrics } from './form-metrics';
import { FormsRepository } from './forms.repository';
import { FORMS_OPTIONS, type FormsOptions } from './forms.tokens';

/**
 * Delivers form submissions to the template's webhook URL at least once, durably (rows of
 * `form_submissions`, written in the submit's transaction), through the same
 * {@link DurableWebhookSender} as bot webhooks (src/bot-webhooks): JSON POST of {@link FormSubmittedPayload}, `webhook-id` = `Idempotency-Key` =
 * submission id, signed per the Standard Webhooks spec with the tenant's secret(s) (`/v1/webhook-secret`;
 * created at the first delivery when missing), cockatiel timeout + 3 in-process tries (network errors,
 * 408, 429, 5xx), then durable retries ({@link callbackRetryDelayMs}) up to `maxAttempts` → `failed`.
 * Outbound policy: the callbacks' {@link OutboundUrlPolicy}, checked and resolved before each try and
 * connected to the vetted addresses only; a refused URL fails at once. Logs carry ids and errors, never
 * the submitted values.
 */
@Injectable()
export class FormWebhookDispatcher extends DurableWebhookSender<LeasedWebhook> {
  constructor(
    repo: FormsRepository,
    @Inject(FORMS_OPTIONS) opts: FormsOptions,
    @Inject(LOGGER) logger: Logger,
    @Inject(BOT_WEBHOOK_URL_POLICY) urls: OutboundUrlPolicy,
    http: PinnedHttpClient,
    signing: WebhookSigningSecrets,
    private readonly metrics: FormMetrics,
  ) {
    super(
      {
        // the webhook id of a form delivery is the submission id
        leaseDue: async (limit, leaseMs) =>
          (await repo.leaseDue(limit, leaseMs)).map((d) => ({ ...d, webhookId: d.id })),
        markDelivered: (tenantId, id) => repo.markDelivered(tenantId, id),
        markFailed: (tenantId, id, error, retryAt) => repo.markFailed(tenantId, id, error, retryAt),
      },
      opts,
      logger,
      urls,
      http,
      signing,
      'form webhook',
    );
  }

  protected onResult(result: WebhookResult): void {
    this.metrics.webhooks.inc({ result });
  }

  protected logFields(d: LeasedWebhook): Record<string, unknown> {
    return { submissionId: d.id };
  }
}
