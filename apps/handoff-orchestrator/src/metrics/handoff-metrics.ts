import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS } from '@hub/observability';

/** Prometheus metrics of the handoff orchestrator (served at `/metrics`). */
@Injectable()
export class HandoffMetrics {
  /** Intake requests by path (`rest`/`kafka`) and result (`created`, `replayed`, `rejected`). */
  readonly requests: Counter<'intake' | 'result'>;
  /** Announced outcomes by status and failure reason (`none` when not failed). */
  readonly outcomes: Counter<'status' | 'reason'>;
  /** Enrichment (summary + sentiment) time before the intake transaction, seconds, by summary source. */
  readonly enrichmentSeconds: Histogram<'summary_source'>;
  /** Handoff timers fired (withdraw commands sent). */
  readonly timeoutsFired: Counter;
  /** Callback attempts by result (`delivered`, `retry`, `failed`, `refused` by the SSRF policy). */
  readonly callbacks: Counter<'result'>;
  /**
   * Callback deliveries refused by the SSRF policy, by reason (`blocked_address`, `host_not_allowed`,
   * `scheme`, `userinfo`, `invalid_url`).
   */
  readonly callbacksRefused: Counter<'reason'>;
  /**
   * Contact-center reconciliations by integration type and outcome (`adopted`, `duplicate_closed`,
   * `uncertain_send`; see `TargetDeps.reconciliation` of `@hub/ccaas`).
   */
  readonly ccaasReconciliations: Counter<'type' | 'outcome'>;
  /** Wrap-up-note ("save summary") attempts by integration type and result (`saved`, `retry`, `failed`). */
  readonly ccaasSummarySaves: Counter<'type' | 'result'>;

  constructor(@Inject(METRICS) registry: Registry) {
    this.requests = new Counter({
      name: 'hub_handoff_requests_total',
      help: 'Handoff intake requests',
      labelNames: ['intake', 'result'],
      registers: [registry],
    });
    this.outcomes = new Counter({
      name: 'hub_handoff_outcomes_total',
      help: 'Handoff outcomes announced',
      labelNames: ['status', 'reason'],
      registers: [registry],
    });
    this.enrichmentSeconds = new Histogram({
      name: 'hub_handoff_enrichment_duration_seconds',
      help: 'Summary + sentiment derivation time',
      labelNames: ['summary_source'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.timeoutsFired = new Counter({
      name: 'hub_handoff_timeouts_fired_total',
      help: 'Handoff timers fired',
      registers: [registry],
    });
    this.callbacks = new Counter({
      name: 'hub_handoff_callback_attempts_total',
      help: 'Callback delivery attempts',
      labelNames: ['result'],
      registers: [registry],
    });
    this.ccaasSummarySaves = new Counter({
      name: 'hub_ccaas_summary_saves_total',
      help: 'Wrap-up-note (save summary) attempts at the contact center, by result',
      labelNames: ['type', 'result'],
      registers: [registry],
    });
    this.ccaasReconciliations = new Counter({
      name: 'hub_ccaas_reconciliations_total',
      help: 'Contact-center reconciliations (lost answers adopted, duplicates closed, uncertain re-sends)',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    });
    this.callbacksRefused = new Counter({
      name: 'hub_handoff_callbacks_refused_total',
      help: 'Callback deliveries refused by the SSRF policy (not attempted, marked failed)',
      labelNames: ['reason'],
      registers: [registry],
    });
  }
}
