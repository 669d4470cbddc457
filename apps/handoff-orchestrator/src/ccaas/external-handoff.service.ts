import { Inject, Injectable } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { TargetError, type ContextMessage, type HandoffContext, type TargetIntegration } from '@hub/ccaas';
import type { CcaasCommand, TranscriptEntry } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import type { HandoffModel as Handoff } from '@hub/persistence';
import { isFinal, type HandoffState } from '../domain/handoff-state-machine';
import { callbackRetryDelayMs } from '../domain/retry-schedule';
import { HandoffRepository } from '../handoffs/handoff.repository';
import { HandoffMetrics } from '../metrics/handoff-metrics';
import { ApplyTargetEventUseCase } from './apply-target-event.usecase';
import { CcaasBridges } from './ccaas-bridges.service';
import { CcaasContactRepository } from './ccaas-contact.repository';
import { CcaasTargets } from './ccaas-targets';

/** Injection token of {@link CcaasRetryOptions}. */
export const CCAAS_RETRY_OPTIONS = Symbol('CCAAS_RETRY_OPTIONS');
/** Failure policy of vendor calls (CCAAS_MAX_ATTEMPTS, CCAAS_RETRY_BASE_MS, CCAAS_RETRY_MAX_MS). */
export interface CcaasRetryOptions {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
  /** Durable attempts of the wrap-up note (default 8). */
  summaryMaxAttempts?: number;
  /** First delay between durable wrap-up-note attempts, ms (default 60 000; exponential, capped at 1 h). */
  summaryRetryBaseMs?: number;
}

/**
 * cockatiel retry policy for vendor calls: retries only retriable {@link TargetError}s (throttling —
 * `TooManyRequestsException`, `LimitExceededException`, 429 — and outages: 5xx, refused, timeouts) with
 * exponential backoff (decorrelated jitter) from `baseMs` capped at `maxMs`, `maxAttempts` in all.
 */
export function vendorRetryPolicy(o: CcaasRetryOptions): RetryPolicy {
  return retry(
    handleWhen((e) => e instanceof TargetError && e.retriable),
    {
      maxAttempts: Math.max(0, o.maxAttempts - 1),
      backoff: new ExponentialBackoff({ initialDelay: o.baseMs, maxDelay: o.maxMs }),
    },
  );
}

const ROLE: Record<TranscriptEntry['role'], ContextMessage['role']> = {
  user: 'customer',
  bot: 'bot',
  agent: 'agent',
  system: 'system',
};

/** The context a platform receives, from the handoff row. Pure. */
export function handoffContext(h: Handoff): HandoffContext {
  const attrs = (h.attributes ?? {}) as Record<string, string | number | boolean | null>;
  const routing = (h.routing ?? {}) as { queue?: string; queue_name?: string };
  const contact = (h.contact ?? {}) as { name?: string; email?: string; phone?: string };
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== null) attributes[k] = String(v);
  const category =
    typeof attrs['category'] === 'string' ? attrs['category'] : (routing.queue ?? routing.queue_name);
  return {
    tenantId: h.tenantId,
    handoffId: h.id,
    integrationId: h.integrationId,
    conversationId: h.conversationId,
    botSessionId: h.botSessionId,
    channel: h.channel,
    customer: contact,
    transcript: ((h.transcript ?? []) as TranscriptEntry[]).map((t) => ({
      role: ROLE[t.role] ?? 'system',
      text: t.text,
      at: t.timestamp,
    })),
    summary: h.summary ?? undefined,
    intent: h.intent ?? undefined,
    sentiment:
      h.sentiment == null
        ? undefined
        : {
            score: h.sentiment,
            label: h.sentiment > 0.2 ? 'positive' : h.sentiment < -0.2 ? 'negative' : 'neutral',
          },
    escalationReason: h.escalationReason ?? undefined,
    attributes,
    category: category ?? undefined,
    priority: h.priority,
    timeoutMs: h.timeoutSeconds ? h.timeoutSeconds * 1000 : undefined,
  };
}

/** `field: message` of a target error (the field names what to fix). */
export function describeTargetError(e: TargetError): string {
  return `${e.field ? `${e.field}: ` : ''}${e.message}`.slice(0, 1000);
}

/**
 * Executes the contact-center bridge commands (`hub.ccaas.commands.v1`) of external handoffs:
 * - `start`: the platform contact is created through the adapter of the handoff's target with the
 *   handoff's context (retried per {@link vendorRetryPolicy}; a redelivered command re-uses the stored
 *   contact or the vendor's idempotency token), stored encrypted, then the handoff goes `routed` (queued
 *   at the platform) and the vendor stream, if any, is opened ({@link CcaasBridges}). A non-retriable
 *   error or exhausted retries fail the handoff with `error` and the detail naming the field. A handoff
 *   that became final meanwhile (timeout) gets its new contact ended at once;
 * - `end`: the platform contact is ended (retried; an already ended contact is fine) and marked ended;
 * - `save_summary`: the hub's summary is written back as the wrap-up note where the adapter can
 *   (`saveSummary`; a failure is retried durably later, see {@link saveSummary}).
 * Database errors propagate (the consumer retries without limit: nothing is lost).
 */
@Injectable()
export class ExternalHandoffService {
  private readonly policy: RetryPolicy;

  constructor(
    private readonly handoffs: HandoffRepository,
    private readonly contacts: CcaasContactRepository,
    private readonly targets: CcaasTargets,
    private readonly events: ApplyTargetEventUseCase,
    private readonly bridges: CcaasBridges,
    private readonly metrics: HandoffMetrics,
    @Inject(CCAAS_RETRY_OPTIONS) private readonly opts: CcaasRetryOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.policy = vendorRetryPolicy(opts);
  }

  /** Runs one command of `tenantId`. */
  async execute(tenantId: string, cmd: CcaasCommand): Promise<void> {
    if (cmd.command === 'start') await this.start(tenantId, cmd.handoffId);
    else if (cmd.command === 'save_summary') await this.saveSummary(tenantId, cmd.handoffId);
    else await this.end(tenantId, cmd.handoffId, cmd.reason);
  }

  /**
   * Writes the handoff's summary (fixed at intake by the enrichment: the hub's final summary) back to the
   * platform as the wrap-up note of the agent's communication (`saveSummary`: Genesys Cloud). Retried in process
   * per the vendor policy; when that fails — retriable kinds and `auth` (credentials an admin can fix) — the next
   * durable attempt is scheduled (`ccaas_contacts.summary_retry_at`, {@link callbackRetryDelayMs} from
   * `summaryRetryBaseMs`, capped at 1 h), fired by the handoff timer loop ({@link CcaasSummaryRetries}) as a new
   * `save_summary` command through the outbox, until `summaryMaxAttempts`; then, and at once for `invalid` (e.g. no
   * `config.wrapUpCodeId`), it is given up (`summary_status = failed`). Counted in
   * `hub_ccaas_summary_saves_total{type,result}`. The handoff's outcome does not depend on it.
   */
  private async saveSummary(tenantId: string, handoffId: string): Promise<void> {
    const stored = await this.contacts.byHandoff(tenantId, handoffId);
    const adapter =
      stored && this.targets.isExternal(stored.target) ? this.targets.adapter(stored.target) : null;
    const save = adapter?.saveSummary?.bind(adapter);
    if (!stored || !save) return;
    const found = await this.handoffs.findWithTransitions(tenantId, handoffId);
    const summary = found?.handoff.summary;
    if (!summary) return;
    const attempts = (await this.contacts.summaryAttempts(tenantId, handoffId)) + 1;
    const count = (result: 'saved' | 'retry' | 'failed') =>
      this.metrics.ccaasSummarySaves.inc({ type: stored.target, result });
    let error: string;
    let retriable: boolean;
    try {
      const integration = await this.targets.load(tenantId, stored.integrationId, stored.target, {
        enabledOnly: false,
      });
      if (!integration)
        throw new TargetError(
          'invalid',
          `integration ${stored.integrationId} no longer exists`,
          'integrationId',
        );
      await this.policy.execute(() => save(stored.contact, summary, integration));
      await this.contacts.recordSummary(tenantId, handoffId, { status: 'saved', attempts });
      count('saved');
      this.logger.info({ handoffId, target: stored.target, attempts }, 'summary saved as the wrap-up note');
      return;
    } catch (e) {
      if (!(e instanceof TargetError)) throw e;
      error = describeTargetError(e);
      retriable = e.retriable || e.kind === 'auth';
    }
    const max = this.opts.summaryMaxAttempts ?? 8;
    if (retriable && attempts < max) {
      const retryAt = new Date(
        Date.now() +
          callbackRetryDelayMs(attempts, this.opts.summaryRetryBaseMs ?? 60_000, { capMs: 3_600_000 }),
      );
      await this.contacts.recordSummary(tenantId, handoffId, { status: 'pending', attempts, retryAt, error });
      count('retry');
      this.logger.warn(
        { handoffId, attempts, retryAt: retryAt.toISOString(), err: error },
        'summary could not be saved at the platform; retried later',
      );
      return;
    }
    await this.contacts.recordSummary(tenantId, handoffId, { status: 'failed', attempts, error });
    count('failed');
    this.logger.warn(
      { handoffId, attempts, err: error },
      'summary could not be saved at the platform; given up',
    );
  }

  private async start(tenantId: string, handoffId: string): Promise<void> {
    const found = await this.handoffs.findWithTransitions(tenantId, handoffId);
    if (!found) return;
    const h = found.handoff;
    let stored = await this.contacts.byHandoff(tenantId, handoffId);
    if (!stored) {
      if (isFinal(h.status as HandoffState)) return; // failed (timeout/cancel) before the contact existed
      let integration: TargetIntegration<Record<string, unknown>, Record<string, unknown>> | null;
      try {
        integration = await this.targets.load(tenantId, h.integrationId, h.target, { enabledOnly: false });
        if (!integration)
          throw new TargetError(
            'invalid',
            `integration ${h.integrationId} no longer exists`,
            'integrationId',
          );
        const adapter = this.targets.adapter(h.target);
        const ctx = handoffContext(h);
        const target = integration;
        const contact = await this.policy.execute(() => adapter.start(ctx, target));
        await this.contacts.insert({
          handoffId,
          tenantId,
          integrationId: h.integrationId,
          target: h.target,
          conversationId: h.conversationId,
          contact,
        });
      } catch (e) {
        if (!(e instanceof TargetError)) throw e;
        this.logger.warn(
          { handoffId, kind: e.kind, field: e.field, err: e.message },
          'external contact could not be started',
        );
        await this.events.apply(tenantId, handoffId, `start-failed:${handoffId}`, {
          kind: 'failed',
          at: new Date().toISOString(),
          reason: 'error',
          detail: describeTargetError(e),
        });
        return;
      }
      stored = await this.contacts.byHandoff(tenantId, handoffId);
      if (!stored) return;
    }
    const after = await this.events.apply(tenantId, handoffId, `start:${handoffId}`, {
      kind: 'queued',
      at: new Date().toISOString(),
    });
    const current = after ?? (await this.handoffs.findWithTransitions(tenantId, handoffId))?.handoff;
    if (current?.status === 'failed') {
      await this.end(tenantId, handoffId, current.reason === 'withdrawn' ? 'withdrawn' : 'timeout');
      return;
    }
    if (stored.status === 'open') await this.bridges.open(stored);
  }

  private async end(
    tenantId: string,
    handoffId: string,
    reason: 'timeout' | 'withdrawn' | 'customer_left',
  ): Promise<void> {
    const stored = await this.contacts.byHandoff(tenantId, handoffId);
    if (!stored || stored.status === 'ended') return;
    const integration = await this.targets.load(tenantId, stored.integrationId, stored.target, {
      enabledOnly: false,
    });
    if (integration) {
      try {
        await this.policy.execute(() =>
          this.targets.adapter(stored.target).end(stored.contact, reason, integration),
        );
      } catch (e) {
        if (!(e instanceof TargetError)) throw e;
        this.logger.warn(
          { handoffId, kind: e.kind, err: e.message },
          'external contact could not be ended; marked ended',
        );
      }
    }
    await this.contacts.markEnded(tenantId, handoffId);
    await this.bridges.close(handoffId);
  }
}
