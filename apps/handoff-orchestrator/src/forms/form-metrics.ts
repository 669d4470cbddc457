import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS } from '@hub/observability';

/** Prometheus metrics of secure forms (served at `/metrics`; no tenant, template or value labels). */
@Injectable()
export class FormMetrics {
  /** Links issued (`send_secure_form`). */
  readonly linksIssued: Counter;
  /**
   * Form page requests by `method` (GET/POST) and `result`: `shown`, `invalid` (field errors), `submitted`,
   * `refused_401`, `refused_404`, `refused_410`, `rate_limited`.
   */
  readonly page: Counter<'method' | 'result'>;
  /** Webhook attempts by result (`delivered`, `retry`, `failed`, `refused` by the outbound policy). */
  readonly webhooks: Counter<'result'>;

  constructor(@Inject(METRICS) registry: Registry) {
    this.linksIssued = new Counter({
      name: 'hub_form_links_issued_total',
      help: 'Secure form links issued',
      registers: [registry],
    });
    this.page = new Counter({
      name: 'hub_form_page_requests_total',
      help: 'Secure form page requests by method and result',
      labelNames: ['method', 'result'],
      registers: [registry],
    });
    this.webhooks = new Counter({
      name: 'hub_form_webhook_attempts_total',
      help: 'Form submission webhook attempts by result',
      labelNames: ['result'],
      registers: [registry],
    });
  }
}
