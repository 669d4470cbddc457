import { AuthModule } from '@hub/auth';
import { Module, type DynamicModule } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { MessagingModule } from '@hub/messaging';
import { ObservabilityModule } from '@hub/observability';
import { PRISMA, PersistenceModule, type PrismaClient } from '@hub/persistence';
import { RealtimeModule } from '@hub/realtime';
import { AgentGateway } from './agents/agent.gateway';
import { AgentSockets } from './agents/agent-sockets.service';
import { RealtimeRelay } from './agents/realtime-relay.service';
import { WorkItemCommandsPublisher } from './agents/work-item-commands.publisher';
import { AGENT_TOKEN_VERIFIER } from './auth/agent-auth.guard';
import { AgentTokenVerifier } from './auth/agent-token.verifier';
import { TenantClients } from './common/tenant-clients';
import type { GatewayConfig } from './config';
import { ChatService } from './conversations/chat.service';
import { ConversationMessageRepository } from './conversations/conversation-message.repository';
import { ConversationMessagesConsumer } from './conversations/conversation-messages.consumer';
import { DesktopController } from './desktop/desktop.controller';
import { FILE_LINK_SIGNER, FileLinkSigner } from './files/file-link.signer';
import { FILE_STORAGE, LocalDiskFileStorage, PostgresFileStorage } from './files/file-storage';
import { FilesController } from './files/files.controller';
import { FILE_POLICY, FilesService, PUBLIC_BASE_URL } from './files/files.service';
import { StoredFileRepository } from './files/stored-file.repository';
import { SingleFileUploadInterceptor } from './files/upload.interceptor';
import { AgentPresenceService } from './presence/agent-presence.service';
import { PRESENCE_REGISTRY, RedisPresenceRegistry } from './presence/presence-registry';
import { GATEWAY_CONFIG } from './tokens';
import { AgentWorkItemsService } from './work-items/agent-work-items.service';
import {
  ASSIST_GATEWAY_URL,
  ASSIST_TOKEN_ISSUER,
  AssistSessionService,
} from './assist/assist-session.service';
import { AssistTokenIssuer } from './assist/assist-token.issuer';
import { PrismaWorkItemReader } from './work-items/work-item.repository';
import { WORK_ITEM_READER } from './work-items/work-item.reader';
import { WorkItemsController } from './work-items/work-items.controller';

export const SERVICE_NAME = 'agent-gateway';

/** The agent gateway: Socket.IO for agents, desktop REST, live chat relay, files, the Agent Desktop page. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AuthModule.forRoot({ service: SERVICE_NAME, config }),
        ObservabilityModule.forRoot({
          service: SERVICE_NAME,
          logLevel: config.LOG_LEVEL,
          logger: opts.logger,
        }),
        PersistenceModule.forRoot({ config, outboxRelay: true }),
        MessagingModule.forRoot({ clientId: SERVICE_NAME, config }),
        RealtimeModule.forRoot({ config }),
      ],
      controllers: [WorkItemsController, FilesController, DesktopController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        {
          provide: ASSIST_TOKEN_ISSUER,
          useValue: config.ASSIST_EMBED_TOKEN_SECRET
            ? new AssistTokenIssuer({
                secret: config.ASSIST_EMBED_TOKEN_SECRET,
                issuer: config.ASSIST_EMBED_TOKEN_ISSUER,
                ttlSeconds: config.ASSIST_TOKEN_TTL_S,
              })
            : null,
        },
        { provide: ASSIST_GATEWAY_URL, useValue: config.ASSIST_GATEWAY_URL?.replace(/\/+$/, '') ?? null },
        AssistSessionService,
        {
          provide: AGENT_TOKEN_VERIFIER,
          useValue: new AgentTokenVerifier({
            secret: config.AGENT_JWT_SECRET,
            jwksUrl: config.AGENT_JWKS_URL,
            issuer: config.AGENT_JWT_ISSUER,
            audience: config.AGENT_JWT_AUDIENCE,
            maxLifetimeS: config.AGENT_JWT_MAX_LIFETIME_S,
          }),
        },
        {
          provide: FILE_STORAGE,
          inject: [PRISMA],
          useFactory: (prisma: PrismaClient) =>
            config.FILE_STORAGE_BACKEND === 'postgres'
              ? new PostgresFileStorage(prisma)
              : new LocalDiskFileStorage(config.FILE_STORAGE_DIR),
        },
        {
          provide: FILE_LINK_SIGNER,
          useValue: new FileLinkSigner(config.FILE_URL_SECRET, config.FILE_URL_TTL_SECONDS),
        },
        {
          provide: FILE_POLICY,
          useValue: { maxBytes: config.FILE_MAX_BYTES, allowedTypes: config.FILE_ALLOWED_TYPES },
        },
        { provide: PUBLIC_BASE_URL, useValue: (config.PUBLIC_BASE_URL ?? '').replace(/\/$/, '') },
        { provide: WORK_ITEM_READER, useClass: PrismaWorkItemReader },
        {
          provide: PRESENCE_REGISTRY,
          useFactory: () =>
            new RedisPresenceRegistry(
              new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, enableAutoPipelining: true }),
              config.REDIS_NAMESPACE,
            ),
        },
        AgentPresenceService,
        TenantClients,
        AgentSockets,
        AgentGateway,
        RealtimeRelay,
        WorkItemCommandsPublisher,
        AgentWorkItemsService,
        ChatService,
        ConversationMessageRepository,
        ConversationMessagesConsumer,
        StoredFileRepository,
        FilesService,
        SingleFileUploadInterceptor,
      ],
    };
  }
}
