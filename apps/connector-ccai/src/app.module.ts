import { AuthModule } from '@hub/auth';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { MessagingModule } from '@hub/messaging';
import { METRICS, ObservabilityModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import { IntegrationsModule } from '@hub/integrations';
import { AdminController } from './admin/admin.controller';
import { GooglePubSubAdmin } from './admin/pubsub-admin.repository';
import { CreateSubscriptionUseCase } from './admin/usecases/create-subscription.usecase';
import type { ConnectorCcaiConfig } from './config';
import { ConnectorCcaiMetrics } from './metrics';
import { CcaiIntegrationRepository } from './push/integration.repository';
import { OidcVerifier } from './push/oidc-verifier';
import { PushController } from './push/push.controller';
import { PushRepository } from './push/push.repository';
import { ReceivePushUseCase } from './push/usecases/receive-push.usecase';
import { CCAI_CONFIG, CCAI_METRICS, OIDC_VERIFIER, PUBSUB_ADMIN } from './tokens';

/**
 * connector-ccai: Google Pub/Sub push receiver for CCAI / Dialogflow / Agent Assist notifications →
 * `hub.conversation.events.v1` and `hub.assist.suggestions.v1` (published synchronously, acks=-1,
 * before the push is acknowledged).
 */
@Module({})
export class AppModule {
  static forRoot(config: ConnectorCcaiConfig, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AuthModule.forRoot({ service: 'connector-ccai', config }),
        ObservabilityModule.forRoot({
          service: 'connector-ccai',
          logLevel: config.LOG_LEVEL,
          logger: opts.logger,
        }),
        PersistenceModule.forRoot({ config }),
        IntegrationsModule.forRoot({ config }),
        MessagingModule.forRoot({ clientId: 'connector-ccai', config }),
      ],
      controllers: [PushController, AdminController],
      providers: [
        { provide: CCAI_CONFIG, useValue: config },
        {
          provide: CCAI_METRICS,
          inject: [METRICS],
          useFactory: (r: Registry) => new ConnectorCcaiMetrics(r),
        },
        { provide: OIDC_VERIFIER, useFactory: () => new OidcVerifier(config) },
        { provide: PUBSUB_ADMIN, useClass: GooglePubSubAdmin },
        CcaiIntegrationRepository,
        PushRepository,
        ReceivePushUseCase,
        CreateSubscriptionUseCase,
      ],
    };
  }
}
