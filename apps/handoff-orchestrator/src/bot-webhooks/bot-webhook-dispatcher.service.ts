import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { OutboundUrlPolicy, PinnedHttpClient, WebhookSigningSecrets } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import { HandoffMetrics } from '../metrics/handoff-metrics';
import { BotWebhookRepository } from './bot-webhook.repository';
import { BOT_WEBHOOK_URL_POLICY } from './bot-webhook-tokens';
import {
  DurableWebhookSender,
  type LeasedWebhook,
  type WebhookResult,
  type WebhookSenderOptions,
} from './durable-webhook-sender';

/** Injection token of the callback dispatcher's options. */
export const BOT_WEBHOOK_OPTIONS = Symbol('BOT_WEBHOOK_OPTIONS');
/** Timing of the bot webhook deliveries (`CALLBACK_POLL_MS`, `CALLBACK_TIMEOUT_MS`, …). */
export type BotWebhookOptions = WebhookSenderOptions;

/**
 * Delivers handoff outcomes to the bot's callback URLs at least once, durably (rows of
 * `callback_deliveries`, written in the same transaction as the outcome), through the shared
 * {@link DurableWebhookSender}: each attempt is a JSON
 * POST of the outcome envelope with `Idempotency-Key` / `X-Hub-Event-Id` / `webhook-id` = event id
 * (receivers dedupe on it), signed per the Standard Webhooks spec (`webhook-timestamp`,
 * `webhook-signature`: one `v1,` HMAC per active tenant secret — two during a rotation; never unsigned: a
 * tenant without a secret gets one generated at its first callback, see `/v1/webhook-secret`), bounded by a cockatiel timeout and retried in-process (network errors, 408, 429,
 * 5xx; 3 tries, exponential backoff); a failed attempt is rescheduled durably
 * ({@link callbackRetryDelayMs}) until `maxAttempts`, then marked `failed`.
 *
 * SSRF: before each try the URL is checked again ({@link OutboundUrlPolicy.checkUrl}: config may have
 * changed since intake), its host resolved and every address vetted ({@link OutboundUrlPolicy.resolve});
 * the POST connects only to those addresses ({@link PinnedHttpClient}). A refused delivery is marked
 * `failed` at once with `last_error` = `refused (<reason>): …`, never retried, and counted
 * (`hub_handoff_callback_attempts_total{result="refused"}`, `hub_handoff_callbacks_refused_total{reason}`).
 * Redirects are not followed.
 */
@Injectable()
export class BotWebhookDispatcher extends DurableWebhookSender<LeasedWebhook> {
  constructor(
    repo: BotWebhookRepository,
    @Inject(BOT_WEBHOOK_OPTIONS) opts: BotWebhookOptions,
    @Inject(LOGGER) logger: Logger,
    private readonly metrics: HandoffMetrics,
    @Inject(BOT_WEBHOOK_URL_POLICY) urls: OutboundUrlPolicy,
    http: PinnedHttpClient,
    signing: WebhookSigningSecrets,
  ) {
    super(
      {
        // the webhook id of an outcome delivery is the outcome event's id
        leaseDue: async (limit, leaseMs) =>
          (await repo.leaseDue(limit, leaseMs)).map((d) => ({ ...d, webhookId: d.eventId })),
        markDelivered: (tenantId, id) => repo.markDelivered(tenantId, id),
        markFailed: (tenantId, id, error, retryAt) => repo.markFailed(tenantId, id, error, retryAt),
      },
      opts,
      logger,
      urls,
      http,
      signing,
      'callback',
    );
  }

  override onApplicationBootstrap(): void {
    if (this.urls.allowsPrivateNetworks) {
      this.logger.warn(
        'HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS=true: callbacks may reach internal addresses (development only)',
      );
    }
    super.onApplicationBootstrap();
  }

  protected onResult(result: WebhookResult, _d: LeasedWebhook, reason?: string): void {
    this.metrics.callbacks.inc({ result });
    if (result === 'refused' && reason) this.metrics.callbacksRefused.inc({ reason });
  }

  protected logFields(d: LeasedWebhook): Record<string, unknown> {
    return { deliveryId: d.id, url: d.url };
  }
}
