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
import {
  OutboundUrlPolicy,
  OutboundUrlRefusedError,
  PinnedHttpClient,
  signWebhook,
  WebhookSigningSecrets,
} from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import { BOT_WEBHOOK_URL_POLICY } from '../bot-webhooks/bot-webhook-tokens';
import { callbackRetryDelayMs } from '../domain/retry-schedule';
import { FormMetrics } from './form-metrics';
import { FormsRepository, type LeasedFormDelivery } from './forms.repository';
import { FORMS_OPTIONS, type FormsOptions } from './forms.tokens';

/** The tenant's backend answered with a non-2xx status. */
class FormWebhookHttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * Delivers form submissions to the template's webhook URL at least once, durably (rows of
 * `form_submissions`, written in the submit's transaction), the way bot webhooks are delivered
 * (src/bot-webhooks): JSON POST of {@link FormSubmittedPayload}, `webhook-id` = `Idempotency-Key` =
 * submission id, signed per the Standard Webhooks spec with the tenant's secret(s) (`/v1/webhook-secret`;
 * created at the first delivery when missing), cockatiel timeout + 3 in-process tries (network errors,
 * 408, 429, 5xx), then durable retries ({@link callbackRetryDelayMs}) up to `maxAttempts` → `failed`.
 * Outbound policy: the callbacks' {@link OutboundUrlPolicy}, checked and resolved before each try and
 * connected to the vetted addresses only; a refused URL fails at once. Logs carry ids and errors, never
 * the submitted values.
 */
@Injectable()
export class FormWebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private readonly policy: IPolicy;

  constructor(
    private readonly repo: FormsRepository,
    @Inject(FORMS_OPTIONS) private readonly opts: FormsOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(BOT_WEBHOOK_URL_POLICY) private readonly urls: OutboundUrlPolicy,
    private readonly http: PinnedHttpClient,
    private readonly signing: WebhookSigningSecrets,
    private readonly metrics: FormMetrics,
  ) {
    this.policy = wrap(
      retry(
        handleWhen(
          (e) =>
            !(e instanceof OutboundUrlRefusedError) &&
            (!(e instanceof FormWebhookHttpError) || e.status >= 500 || e.status === 408 || e.status === 429),
        ),
        { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) },
      ),
      timeout(opts.timeoutMs, TimeoutStrategy.Aggressive),
    );
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Asks for a scan now (after a submit committed). */
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
      const leaseMs = this.opts.timeoutMs * 3 + 5000;
      for (;;) {
        const batch = await this.repo.leaseDue(20, leaseMs);
        if (!batch.length) return;
        await Promise.all(batch.map((d) => this.deliver(d)));
        if (this.stopped) return;
      }
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'form webhook scan failed');
    }
  }

  private async deliver(d: LeasedFormDelivery): Promise<void> {
    try {
      const body = JSON.stringify(d.payload);
      const secrets = await this.signing.ensureActiveSecrets(d.tenantId);
      await this.policy.execute(async ({ signal }) => {
        const target = await this.urls.resolve(this.urls.checkUrl(d.url));
        const status = await this.http.post(target, {
          headers: {
            'content-type': 'application/json',
            'idempotency-key': d.id,
            'x-hub-event-id': d.id,
            'x-hub-tenant-id': d.tenantId,
            ...signWebhook(d.id, body, secrets),
          },
          body,
          signal,
        });
        if (status < 200 || status >= 300) throw new FormWebhookHttpError(status);
      });
      await this.repo.markDelivered(d.tenantId, d.id);
      this.metrics.webhooks.inc({ result: 'delivered' });
    } catch (e) {
      if (e instanceof OutboundUrlRefusedError) {
        this.logger.warn(
          { submissionId: d.id, tenantId: d.tenantId, reason: e.reason },
          'form webhook refused (outbound policy)',
        );
        this.metrics.webhooks.inc({ result: 'refused' });
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
        { submissionId: d.id, tenantId: d.tenantId, attempt: d.attempts, err, giveUp: !retryAt },
        'form webhook delivery failed',
      );
      this.metrics.webhooks.inc({ result: retryAt ? 'retry' : 'failed' });
      await this.repo.markFailed(d.tenantId, d.id, err, retryAt).catch(() => undefined);
    }
  }
}
