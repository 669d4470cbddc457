import { AuthModule } from '@hub/auth';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessagingModule } from '@hub/messaging';
import { ObservabilityModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import type { OpsConfig } from './config';
import { EventStore } from './domain/event-store';
import { ConsumerLagReader } from './health/consumer-lag.reader';
import { OpsController } from './http/ops.controller';
import { RedriveRepository } from './redrive/redrive.repository';
import { RedriveUseCase } from './redrive/redrive.usecase';
import { EventTapService } from './tap/event-tap.service';
import { EVENT_STORE, OPS_CONFIG } from './tokens';

export const SERVICE_NAME = 'ops-service';

/**
 * ops-service: the operations API of the admin console — service health, event inspector, dead
 * letters and their redrive — over a read model of every hub topic (EventTapService → EventStore)
 * and the `dead_letter_redrives` audit table it owns.
 */
@Module({})
export class AppModule {
  static forRoot(config: OpsConfig, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AuthModule.forRoot({ service: SERVICE_NAME, config }),
        ObservabilityModule.forRoot({
          service: SERVICE_NAME,
          logLevel: config.LOG_LEVEL,
          logger: opts.logger,
        }),
        PersistenceModule.forRoot({ config }),
        MessagingModule.forRoot({ clientId: SERVICE_NAME, config }),
      ],
      controllers: [OpsController],
      providers: [
        { provide: OPS_CONFIG, useValue: config },
        {
          provide: EVENT_STORE,
          useValue: new EventStore({
            perTopic: config.OPS_EVENTS_PER_TOPIC,
            perDlq: config.OPS_DEAD_LETTERS_PER_TOPIC,
            windowSeconds: config.OPS_HEALTH_WINDOW_S,
          }),
        },
        EventTapService,
        ConsumerLagReader,
        RedriveRepository,
        RedriveUseCase,
      ],
    };
  }
}
