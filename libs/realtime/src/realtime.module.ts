import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import type { RedisConfig } from '@hub/config';
import { HealthRegistry, LOGGER } from '@hub/observability';
import { OUTBOX_REDIS_SINK, type OutboxSink } from '@hub/persistence';
import { RealtimeBus } from './realtime-bus';

export const REALTIME_BUS = Symbol('REALTIME_BUS');

@Injectable()
class RealtimeLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
    health: HealthRegistry,
  ) {
    health.register({ name: 'redis', check: () => bus.ping() });
  }
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

/** Redis pub/sub for the service (`REALTIME_BUS`), a `redis` readiness check and the outbox's Redis sink. */
@Global()
@Module({})
export class RealtimeModule {
  static forRoot(opts: { config: RedisConfig }): DynamicModule {
    return {
      module: RealtimeModule,
      providers: [
        {
          provide: REALTIME_BUS,
          inject: [LOGGER],
          useFactory: (logger: Logger) =>
            new RealtimeBus(opts.config.REDIS_URL, opts.config.REDIS_NAMESPACE, logger),
        },
        {
          provide: OUTBOX_REDIS_SINK,
          inject: [REALTIME_BUS],
          useFactory:
            (bus: RealtimeBus): OutboxSink =>
            (rows) =>
              bus.publishRaw(rows.map((r) => ({ channel: r.target, payload: r.payload }))),
        },
        RealtimeLifecycle,
      ],
      exports: [REALTIME_BUS, OUTBOX_REDIS_SINK],
    };
  }
}
