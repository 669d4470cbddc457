import { Registry, collectDefaultMetrics } from 'prom-client';

/** Creates a Prometheus registry with Node.js default metrics and a `service` default label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
