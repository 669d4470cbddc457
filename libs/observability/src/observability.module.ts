import { Controller, Get, Global, HttpCode, Inject, Module, Res, type DynamicModule } from '@nestjs/common';
import type { Response } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { createLogger } from './logger';
import { HealthRegistry } from './health';
import { createMetricsRegistry } from './metrics';

export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
/** The service's name (e.g. `work-item-router`): logs, metrics, PostgreSQL application_name, outbox producer. */
export const SERVICE_NAME = Symbol('SERVICE_NAME');

@Controller()
class HealthController {
  constructor(
    private readonly health: HealthRegistry,
    @Inject(METRICS) private readonly metrics: Registry,
  ) {}

  /** Liveness: the process serves HTTP. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: 200 only when every registered dependency (Kafka, PostgreSQL, Redis) is reachable, else 503. */
  @Get('readyz')
  async readyz(@Res() res: Response) {
    const r = await this.health.readiness();
    res.status(r.ok ? 200 : 503).json({ status: r.ok ? 'ready' : 'not_ready', checks: r.checks });
  }

  /** Prometheus text exposition format. */
  @Get('metrics')
  async metricsText(@Res() res: Response) {
    res.setHeader('Content-Type', this.metrics.contentType);
    res.send(await this.metrics.metrics());
  }
}

/**
 * Logging (pino, JSON), health (`/healthz`, `/readyz`) and Prometheus metrics (`/metrics`) for a service.
 * Exposes `LOGGER` (pino Logger), `METRICS` (prom-client Registry) and {@link HealthRegistry}.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(opts: { service: string; logLevel?: string; logger?: Logger }): DynamicModule {
    const logger = opts.logger ?? createLogger(opts.service, opts.logLevel);
    return {
      module: ObservabilityModule,
      controllers: [HealthController],
      providers: [
        { provide: LOGGER, useValue: logger },
        { provide: SERVICE_NAME, useValue: opts.service },
        { provide: METRICS, useValue: createMetricsRegistry(opts.service) },
        HealthRegistry,
      ],
      exports: [LOGGER, METRICS, SERVICE_NAME, HealthRegistry],
    };
  }
}
