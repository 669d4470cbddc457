import { Counter, Gauge, type Registry } from 'prom-client';

/** Outcome of one message read from the 8x8 stream. */
export type MessageOutcome =
  | 'published'
  /** Only the agent ↔ interaction correlation changed (InteractionDeassigned); nothing published. */
  | 'correlation'
  | 'ignored'
  | 'duplicate'
  | 'invalid_frame'
  | 'invalid_base64'
  | 'invalid_json'
  | 'invalid_event';

/** Prometheus metrics of connector-8x8 (names prefixed `connector_8x8_`). */
export class Connector8x8Metrics {
  readonly messages: Counter<'tenant' | 'outcome'>;
  readonly connectionFailures: Counter<'tenant' | 'reason'>;
  readonly connections: Counter<'tenant'>;
  readonly connected: Gauge<'tenant' | 'integration'>;

  constructor(registry: Registry) {
    this.messages = new Counter({
      name: 'connector_8x8_messages_total',
      help: 'Messages read from 8x8 Event Streaming, by outcome (correlation = agent correlation changed, nothing published; invalid_* = skipped, logged and acknowledged).',
      labelNames: ['tenant', 'outcome'],
      registers: [registry],
    });
    this.connectionFailures = new Counter({
      name: 'connector_8x8_connection_failures_total',
      help: 'Ended or failed reader connections, by reason (unauthorized, handshake_timeout, connect_error, dropped, handler_error).',
      labelNames: ['tenant', 'reason'],
      registers: [registry],
    });
    this.connections = new Counter({
      name: 'connector_8x8_connections_total',
      help: 'Successful reader connections (opening handshake completed).',
      labelNames: ['tenant'],
      registers: [registry],
    });
    this.connected = new Gauge({
      name: 'connector_8x8_reader_connected',
      help: '1 while the reader of an integration has an open connection.',
      labelNames: ['tenant', 'integration'],
      registers: [registry],
    });
  }
}
