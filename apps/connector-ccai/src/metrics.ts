import { Counter, type Registry } from 'prom-client';

/** Result of one push request. */
export type PushOutcome =
  | 'published'
  | 'duplicate'
  | 'ignored'
  | 'unauthorized'
  | 'forbidden'
  | 'bad_request'
  | 'unknown_subscription'
  | 'unavailable';

/** Prometheus metrics of connector-ccai (prefixed `connector_ccai_`). */
export class ConnectorCcaiMetrics {
  readonly pushes: Counter<'outcome'>;
  readonly events: Counter<'topic'>;

  constructor(registry: Registry) {
    this.pushes = new Counter({
      name: 'connector_ccai_push_requests_total',
      help: 'Pub/Sub push requests by outcome (2xx: published/duplicate/ignored; 4xx: dead-lettered by Pub/Sub; unavailable: 5xx, redelivered).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.events = new Counter({
      name: 'connector_ccai_events_published_total',
      help: 'Events published to Kafka, by topic.',
      labelNames: ['topic'],
      registers: [registry],
    });
  }
}
