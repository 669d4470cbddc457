import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  ExponentialBackoff,
  handleWhen,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
  type IPolicy,
} from 'cockatiel';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { callbackRetryDelayMs } from '../domain/retry-schedule';
import { HandoffMetrics } from '../metrics/handoff-metrics';
import { BotWebhookRepository, type LeasedDelivery } from './bot-webhook.repository';
import {
  OutboundUrlPolicy,
  OutboundUrlRefusedError,
  PinnedHttpClient,
  signWebhook,
  WebhookSigningSecrets,
} from '@hub/integrations';
import { BOT_WEBHOOK_URL_POLICY } from './bot-webhook-tokens';

/** Injection token of the callback dispatcher's options. */
export const BOT_WEBHOOK_OPTIONS = Symbol('BOT_WEBHOOK_OPTIONS');
export interface BotWebhookOptions {
  /** Scan interval, ms. */
  pollMs: number;
  /** Timeout of one POST, ms. */
  timeoutMs: number;
  /** Durable attempts before giving up. */
  maxAttempts: number;
  /** First durable retry delay, ms. */
  retryBaseMs: number;
}

/** A callback receiver answered with a non-2xx status. */
class BotWebhookHttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * Delivers handoff outcomes to callback URLs at least once, durably (rows of
 * `callback_deliveries`, written in the same transaction as the outcome): each attempt is a JSON
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
export class BotWebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private readonly policy: IPolicy;

  constructor(
    private readonly repo: BotWebhookRepository,
    @Inject(BOT_WEBHOOK_OPTIONS) private readonly opts: BotWebhookOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: HandoffMetrics,
    @Inject(BOT_WEBHOOK_URL_POLICY) private readonly urls: OutboundUrlPolicy,
    private readonly http: PinnedHttpClient,
    private readonly signing: WebhookSigningSecrets,
  ) {
    this.policy = wrap(
      retry(
        handleWhen(
          (e) =>
            !(e instanceof OutboundUrlRefusedError) &&
            (!(e instanceof BotWebhookHttpError) || e.status >= 500 || e.status === 408 || e.status === 429),
        ),
        {
          maxAttempts: 2 /* retries: 3 tries in all */,
          backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }),
        },
      ),
      timeout(opts.timeoutMs, TimeoutStrategy.Aggressive),
    );
  }

  onApplicationBootstrap(): void {
    if (this.urls.allowsPrivateNetworks) {
      this.logger.warn(
        'HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS=true: callbacks may reach internal addresses (development only)',
      );
    }
    this.stopped = false;
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Asks for a scan now (after a transaction that wrote a delivery committed). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.scan().finally(() => {
        this.running = undefined;
        this.schedule(this.again ? 0 : this.opts.pollMs);
        this.again = false;
      });
    }, ms);
  }

  private async scan(): Promise<void> {
    try {
      // Lease covers the in-process tries (2 × timeout + backoff) with margin.
      const leaseMs = this.opts.timeoutMs * 3 + 5000;
      for (;;) {
        const batch = await this.repo.leaseDue(20, leaseMs);
        if (!batch.length) return;
        await Promise.all(batch.map((d) => this.deliver(d)));
        if (this.stopped) return;
      }
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'callback scan failed');
    }
  }

  private async deliver(d: LeasedDelivery): Promise<void> {
    try {
      const body = JSON.stringify(d.payload);
      // never unsigned: a tenant without a secret gets one now (atomically; it rotates to learn a secret)
      const secrets = await this.signing.ensureActiveSecrets(d.tenantId);
      await this.policy.execute(async ({ signal }) => {
        const target = await this.urls.resolve(this.urls.checkUrl(d.url));
        const status = await this.http.post(target, {
          headers: {
            'content-type': 'application/json',
            'idempotency-key': d.eventId,
            'x-hub-event-id': d.eventId,
            'x-hub-tenant-id': d.tenantId,
            // a fresh timestamp per try (receivers reject stale ones); the id stays the event id
            ...signWebhook(d.eventId, body, secrets),
          },
          body,
          signal,
        });
        if (status < 200 || status >= 300) throw new BotWebhookHttpError(status);
      });
      await this.repo.markDelivered(d.tenantId, d.id);
      this.metrics.callbacks.inc({ result: 'delivered' });
    } catch (e) {
      if (e instanceof OutboundUrlRefusedError) {
        this.logger.warn(
          { deliveryId: d.id, tenantId: d.tenantId, reason: e.reason, err: e.message },
          'callback delivery refused (SSRF policy)',
        );
        this.metrics.callbacks.inc({ result: 'refused' });
        this.metrics.callbacksRefused.inc({ reason: e.reason });
        await this.repo
          .markFailed(d.tenantId, d.id, `refused (${e.reason}): ${e.message}`, null)
          .catch(() => undefined);
        return;
      }
      const err = (e as Error).message || String(e);
      const retryAt =
        d.attempts >= this.opts.maxAttempts
          ? null
          : new Date(Date.now() + callbackRetryDelayMs(d.attempts, this.opts.retryBaseMs));
      this.logger.warn(
        { deliveryId: d.id, url: d.url, attempt: d.attempts, err, giveUp: !retryAt },
        'callback delivery failed',
      );
      this.metrics.callbacks.inc({ result: retryAt ? 'retry' : 'failed' });
      await this.repo.markFailed(d.tenantId, d.id, err, retryAt).catch(() => undefined);
    }
  }
}
