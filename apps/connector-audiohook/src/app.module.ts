import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { MessagingModule } from '@hub/messaging';
import { HealthRegistry, METRICS, ObservabilityModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import { IntegrationsModule } from '@hub/integrations';
import { AudioHookServer } from './audiohook/audiohook.server';
import { NonceRepository } from './audiohook/nonce.repository';
import { AuthenticateConnectionUseCase } from './audiohook/usecases/authenticate-connection.usecase';
import type { AudioHookConfig } from './config';
import { ConversationEventsPublisher } from './events/conversation-events.publisher';
import { AudioHookMetrics } from './metrics';
import { SpeechToTextRegistry } from './stt/speech-to-text.registry';
import { AudioHookTenantRepository } from './tenants/audiohook-tenant.repository';
import { AUDIOHOOK_CONFIG, AUDIOHOOK_METRICS, NONCE_REDIS } from './tokens';

/** Owns the nonce store's Redis connection: `redis` readiness check, closed on shutdown. */
@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(NONCE_REDIS) private readonly redis: Redis,
    health: HealthRegistry,
  ) {
    health.register({
      name: 'redis',
      check: async () => {
        await this.redis.ping();
      },
    });
  }
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * connector-audiohook: Genesys Cloud AudioHook (protocol v2) WebSocket server → speech to text per
 * channel → `hub.conversation.events.v1` (utterances and lifecycle). Tenants and their settings come
 * from `genesys_audiohook` integrations (PostgreSQL); signature nonces live in Redis.
 */
@Module({})
export class AppModule {
  static forRoot(config: AudioHookConfig, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          service: 'connector-audiohook',
          logLevel: config.LOG_LEVEL,
          logger: opts.logger,
        }),
        PersistenceModule.forRoot({ config }),
        IntegrationsModule.forRoot({ config }),
        MessagingModule.forRoot({ clientId: 'connector-audiohook', config }),
      ],
      providers: [
        { provide: AUDIOHOOK_CONFIG, useValue: config },
        {
          provide: AUDIOHOOK_METRICS,
          inject: [METRICS],
          useFactory: (r: Registry) => new AudioHookMetrics(r),
        },
        {
          provide: NONCE_REDIS,
          useFactory: () =>
            new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, enableAutoPipelining: true }),
        },
        RedisLifecycle,
        AudioHookTenantRepository,
        NonceRepository,
        AuthenticateConnectionUseCase,
        ConversationEventsPublisher,
        SpeechToTextRegistry,
        AudioHookServer,
      ],
      exports: [AudioHookServer, AudioHookTenantRepository],
    };
  }
}
