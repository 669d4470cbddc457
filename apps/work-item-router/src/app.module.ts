import { AuthModule } from '@hub/auth';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessagingModule } from '@hub/messaging';
import { ObservabilityModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import { RealtimeModule } from '@hub/realtime';
import { AdminRepository } from './admin/admin.repository';
import {
  AgentsController,
  QueuesController,
  TenantsController,
  WorkItemsController,
} from './admin/admin.controllers';
import { AgentsService } from './admin/agents.service';
import { QueuesService } from './admin/queues.service';
import {
  QueueBusinessHoursController,
  WorkItemPositionController,
} from './business-hours/business-hours.controller';
import { BusinessHoursRepository } from './business-hours/business-hours.repository';
import { BusinessHoursService } from './business-hours/business-hours.service';
import type { RouterConfig } from './config';
import { CrashHook } from './routing/crash-hook';
import { Dispatcher } from './routing/dispatcher';
import { ItemLocks } from './routing/item-locks';
import { ItemRelease } from './routing/item-release';
import { OfferExpiryScheduler } from './routing/offer-expiry.scheduler';
import { OfferTimers } from './routing/offer-timers';
import { RoutingRepository } from './routing/routing.repository';
import { RoutingTransactions } from './routing/routing-transactions';
import { AcceptOfferUseCase } from './routing/usecases/accept-offer.usecase';
import { CompleteWorkItemUseCase } from './routing/usecases/complete-work-item.usecase';
import { CreateWorkItemUseCase } from './routing/usecases/create-work-item.usecase';
import { ReleaseOfferUseCase } from './routing/usecases/release-offer.usecase';
import { SetPresenceUseCase } from './routing/usecases/set-presence.usecase';
import { TargetFallbackUseCase } from './routing/usecases/target-fallback.usecase';
import { TransferWorkItemUseCase } from './routing/usecases/transfer-work-item.usecase';
import { WithdrawWorkItemUseCase } from './routing/usecases/withdraw-work-item.usecase';
import { WorkItemCommandsConsumer } from './routing/work-item-commands.consumer';
import { ROUTER_CONFIG } from './tokens';

export const SERVICE_NAME = 'work-item-router';

/** The work-item router: command consumer, offer-expiry scheduler, admin REST API, outbox relay. */
@Module({})
export class AppModule {
  /**
   * The router's module for a validated config: persistence (Prisma + `PG_POOL`, outbox relay),
   * Kafka (command consumer), Redis, observability, the admin REST API and the offer-expiry scheduler.
   * `logger` replaces the pino logger (tests).
   */
  static forRoot(config: RouterConfig, logger?: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AuthModule.forRoot({ service: SERVICE_NAME, config, adminApi: true }),
        ObservabilityModule.forRoot({ service: SERVICE_NAME, logLevel: config.LOG_LEVEL, logger }),
        PersistenceModule.forRoot({
          config,
          outboxRelay: true,
          // Routing transactions run on PG_POOL: bound the wait for a connection, each statement (a row
          // lock wait included) and an idle open transaction by ROUTER_TX_TIMEOUT_MS.
          pg: {
            connectionTimeoutMs: config.ROUTER_TX_TIMEOUT_MS,
            statementTimeoutMs: config.ROUTER_TX_TIMEOUT_MS,
            idleInTransactionTimeoutMs: config.ROUTER_TX_TIMEOUT_MS,
          },
        }),
        MessagingModule.forRoot({ clientId: SERVICE_NAME, config }),
        RealtimeModule.forRoot({ config }),
      ],
      controllers: [
        TenantsController,
        QueuesController,
        AgentsController,
        WorkItemsController,
        QueueBusinessHoursController,
        WorkItemPositionController,
      ],
      providers: [
        { provide: ROUTER_CONFIG, useValue: config },
        RoutingRepository,
        RoutingTransactions,
        CrashHook,
        OfferTimers,
        ItemLocks,
        ItemRelease,
        Dispatcher,
        CreateWorkItemUseCase,
        AcceptOfferUseCase,
        ReleaseOfferUseCase,
        TransferWorkItemUseCase,
        CompleteWorkItemUseCase,
        WithdrawWorkItemUseCase,
        SetPresenceUseCase,
        TargetFallbackUseCase,
        WorkItemCommandsConsumer,
        OfferExpiryScheduler,
        AdminRepository,
        QueuesService,
        AgentsService,
        BusinessHoursRepository,
        BusinessHoursService,
      ],
    };
  }
}
