import { ScanLoop } from '@hub/scheduling';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
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
import { callbackRetryDelayMs } from '../domain/retry-schedule';

/** One leased row of a durable webhook queue (bot webhooks: `callback_deliveries`; forms: `form_submissions`). */
export interface LeasedWebhook {
  /** Row id (what `markDelivered` / `markFailed` take). */
  id: string;
  tenantId: string;
  /** `webhook-id` = `Idempotency-Key` = `X-Hub-Event-Id`: stable across tries, receivers dedupe on it. */
  webhookId: string;
  url: string;
  /** JSON body. */
  payload: unknown;
  /** Attempts including this one. */
  attempts: number;
}

/** The table behind a {@link DurableWebhookSender}: leases due rows (`FOR UPDATE SKIP LOCKED`) and records results. */
export interface WebhookQueue<D extends LeasedWebhook> {
  /** Up to `limit` due rows, leased for `leaseMs` (a crash mid-attempt leaves them to be retried after it). */
  leaseDue(limit: number, leaseMs: number): Promise<D[]>;
  markDelivered(tenantId: string, id: string): Promise<void>;
  /** `retryAt` null = give up (`failed`). */
  markFailed(tenantId: string, id: string, error: string, retryAt: Date | null): Promise<void>;
}

/** Timing of a {@link DurableWebhookSender}. */
export interface WebhookSenderOptions {
  /** Scan interval, ms. */
  pollMs: number;
  /** Timeout of one POST, ms. */
  timeoutMs: number;
  /** Durable attempts before giving up. */
  maxAttempts: number;
  /** First durable retry delay, ms ({@link callbackRetryDelayMs}). */
  retryBaseMs: number;
}

/** What happened to one attempt (for metrics and logs). */
export type WebhookResult = 'delivered' | 'refused' | 'retry' | 'failed';

/** The receiver answered with a non-2xx status. */
class WebhookHttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * Durable, signed webhook delivery, at least once — the one mechanism behind the bot's webhooks
 * ({@link BotWebhookDispatcher}) and form submissions (`FormWebhookDispatcher`): rows written in the
 * producing transaction are leased in batches of 20 and POSTed as JSON with `Idempotency-Key` /
 * `X-Hub-Event-Id` / `webhook-id` = the row's webhook id, signed per the Standard Webhooks spec
 * (`webhook-timestamp` fresh per try, `webhook-signature`: one `v1,` HMAC per active tenant secret; never
 * unsigned: a tenant without a secret gets one at its first delivery), bounded by a cockatiel timeout and
 * retried in-process (network errors, 408, 429, 5xx; 3 tries, exponential backoff 100 ms → 1 s); a failed
 * attempt is rescheduled durably ({@link callbackRetryDelayMs}) until `maxAttempts`, then marked `failed`.
 *
 * SSRF: before each try the URL is checked again ({@link OutboundUrlPolicy.checkUrl}), its host resolved and
 * every address vetted ({@link OutboundUrlPolicy.resolve}); the POST connects only to those addresses
 * ({@link PinnedHttpClient}); redirects are not followed. A refused URL is marked `failed` at once, never
 * retried. Subclasses supply the queue, the log wording and the metrics ({@link onResult}).
 */
export abstract class DurableWebhookSender<D extends LeasedWebhook>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly loop: ScanLoop;
  private readonly policy: IPolicy;

  protected constructor(
    private readonly queue: WebhookQueue<D>,
    private readonly sender: WebhookSenderOptions,
    protected readonly logger: Logger,
    protected readonly urls: OutboundUrlPolicy,
    private readonly http: PinnedHttpClient,
    private readonly signing: WebhookSigningSecrets,
    /** Log wording: `what delivery failed`, e.g. "callback", "form webhook". */
    private readonly what: string,
  ) {
    this.loop = new ScanLoop(() => this.scan(), {
      pollMs: sender.pollMs,
      onError: (e) => logger.warn({ err: e.message }, `${what} scan failed`),
    });
    this.policy = wrap(
      retry(
        handleWhen(
          (e) =>
            !(e instanceof OutboundUrlRefusedError) &&
            (!(e instanceof WebhookHttpError) || e.status >= 500 || e.status === 408 || e.status === 429),
        ),
        {
          maxAttempts: 2 /* retries: 3 tries in all */,
          backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }),
        },
      ),
      timeout(sender.timeoutMs, TimeoutStrategy.Aggressive),
    );
  }

  /** Counts one attempt's result (`reason`: the outbound policy's reason of a refusal). */
  protected abstract onResult(result: WebhookResult, d: D, reason?: string): void;

  /** Log fields naming the row (ids only: never the payload). */
  protected abstract logFields(d: D): Record<string, unknown>;

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Asks for a scan now (after a transaction that wrote a delivery committed). */
  kick(): void {
    this.loop.kick();
  }

  private async scan(): Promise<void> {
    try {
      // the lease covers the in-process tries (2 × timeout + backoff) with margin
      const leaseMs = this.sender.timeoutMs * 3 + 5000;
      for (;;) {
        const batch = await this.queue.leaseDue(20, leaseMs);
        if (!batch.length) return;
        await Promise.all(batch.map((d) => this.deliver(d)));
        if (this.loop.stopped) return;
      }
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, `${this.what} scan failed`);
    }
  }

  private async deliver(d: D): Promise<void> {
    try {
      const body = JSON.stringify(d.payload);
      // never unsigned: a tenant without a secret gets one now (atomically; it rotates to learn a secret)
      const secrets = await this.signing.ensureActiveSecrets(d.tenantId);
      await this.policy.execute(async ({ signal }) => {
        const target = await this.urls.resolve(this.urls.checkUrl(d.url));
        const status = await this.http.post(target, {
          headers: {
            'content-type': 'application/json',
            'idempotency-key': d.webhookId,
            'x-hub-event-id': d.webhookId,
            'x-hub-tenant-id': d.tenantId,
            // a fresh timestamp per try (receivers reject stale ones); the id stays the same
            ...signWebhook(d.webhookId, body, secrets),
          },
          body,
          signal,
        });
        if (status < 200 || status >= 300) throw new WebhookHttpError(status);
      });
      await this.queue.markDelivered(d.tenantId, d.id);
      this.onResult('delivered', d);
    } catch (e) {
      if (e instanceof OutboundUrlRefusedError) {
        this.logger.warn(
          { ...this.logFields(d), tenantId: d.tenantId, reason: e.reason, err: e.message },
          `${this.what} delivery refused (outbound URL policy)`,
        );
        this.onResult('refused', d, e.reason);
        await this.queue
          .markFailed(d.tenantId, d.id, `refused (${e.reason}): ${e.message}`, null)
          .catch(() => undefined);
        return;
      }
      const err = (e as Error).message || String(e);
      const retryAt =
        d.attempts >= this.sender.maxAttempts
          ? null
          : new Date(Date.now() + callbackRetryDelayMs(d.attempts, this.sender.retryBaseMs));
      this.logger.warn(
        { ...this.logFields(d), tenantId: d.tenantId, attempt: d.attempts, err, giveUp: !retryAt },
        `${this.what} delivery failed`,
      );
      this.onResult(retryAt ? 'retry' : 'failed', d);
      await this.queue.markFailed(d.tenantId, d.id, err, retryAt).catch(() => undefined);
    }
  }
}
