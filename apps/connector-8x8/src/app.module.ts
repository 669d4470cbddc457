import { AuthModule } from '@hub/auth';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { MessagingModule } from '@hub/messaging';
import { METRICS, ObservabilityModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import { IntegrationsModule } from '@hub/integrations';
import { RealtimeModule } from '@hub/realtime';
import type { Connector8x8Config } from './config';
import { StatusController } from './http/status.controller';
import { Connector8x8Metrics } from './metrics';
import { AgentCorrelationRepository } from './stream/agent-correlation.repository';
import { IntegrationRepository } from './stream/integration.repository';
import { ReaderSupervisor } from './stream/reader-supervisor.service';
import { StreamRepository } from './stream/stream.repository';
import { ProcessMessageUseCase } from './stream/usecases/process-message.usecase';
import { CONNECTOR_CONFIG, CONNECTOR_METRICS } from './tokens';

/**
 * connector-8x8: 8x8 Event Streaming (Pulsar WebSocket reader) → `hub.conversation.events.v1`
 * (through the transactional outbox, relayed by this service) + agent ↔ interaction correlation in Redis.
 */
@Module({})
export class AppModule {
  static forRoot(config: Connector8x8Config, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AuthModule.forRoot({ service: 'connector-8x8', config }),
        ObservabilityModule.forRoot({
          service: 'connector-8x8',
          logLevel: config.LOG_LEVEL,
          logger: opts.logger,
        }),
        PersistenceModule.forRoot({ config, outboxRelay: true }),
        IntegrationsModule.forRoot({ config }),
        MessagingModule.forRoot({ clientId: 'connector-8x8', config }),
        RealtimeModule.forRoot({ config }),
      ],
      controllers: [StatusController],
      providers: [
        { provide: CONNECTOR_CONFIG, useValue: config },
        {
          provide: CONNECTOR_METRICS,
          inject: [METRICS],
          useFactory: (r: Registry) => new Connector8x8Metrics(r),
        },
        IntegrationRepository,
        StreamRepository,
        AgentCorrelationRepository,
        ProcessMessageUseCase,
        ReaderSupervisor,
      ],
    };
  }
}
