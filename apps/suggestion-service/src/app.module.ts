import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessagingModule } from '@hub/messaging';
import { ObservabilityModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import {
  ConversationEventsConsumer,
  CONSUMER_GROUP,
  CONSUMER_MEMBERS,
} from './assist/conversation-events.consumer';
import { InteractionContextRepository } from './assist/interaction-context.repository';
import { SuggestUseCase, SUGGEST_OPTIONS } from './assist/usecases/suggest.usecase';
import type { SuggestionConfig } from './config';
import { UtteranceController } from './ingest/utterance.controller';
import { KnowledgeBaseController } from './knowledge/knowledge-base.controller';
import { KnowledgeRepository } from './knowledge/knowledge.repository';
import { IngestDocumentsUseCase, INGEST_LIMITS } from './knowledge/usecases/ingest-documents.usecase';
import { LlmRepository } from './llm/llm.repository';
import { AssistSettingsController } from './mapping/assist-settings.controller';
import { AssistSettingsRepository } from './mapping/assist-settings.repository';
import { RetrievalRepository } from './retrieval/retrieval.repository';
import { RetrieveUseCase } from './retrieval/retrieve.usecase';

/** suggestion-service: knowledge bases, queue mapping, retrieval, answer generation, suggestions. */
@Module({})
export class AppModule {
  /** @param opts.consume start the conversation-events consumer (default true) */
  static forRoot(config: SuggestionConfig, opts: { logger?: Logger; consume?: boolean } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          service: 'suggestion-service',
          logLevel: config.LOG_LEVEL,
          logger: opts.logger,
        }),
        PersistenceModule.forRoot({ config }),
        MessagingModule.forRoot({ clientId: 'suggestion-service', config }),
      ],
      controllers: [KnowledgeBaseController, AssistSettingsController, UtteranceController],
      providers: [
        {
          provide: INGEST_LIMITS,
          useValue: {
            maxLineBytes: config.ASSIST_MAX_LINE_BYTES,
            maxDocumentBytes: config.ASSIST_MAX_DOCUMENT_BYTES,
          },
        },
        {
          provide: SUGGEST_OPTIONS,
          useValue: { contextUtterances: config.ASSIST_CONTEXT_UTTERANCES, topK: config.ASSIST_TOP_K },
        },
        { provide: CONSUMER_GROUP, useValue: config.ASSIST_CONSUMER_GROUP },
        { provide: CONSUMER_MEMBERS, useValue: config.ASSIST_CONSUMER_MEMBERS },
        KnowledgeRepository,
        RetrievalRepository,
        AssistSettingsRepository,
        InteractionContextRepository,
        LlmRepository,
        IngestDocumentsUseCase,
        RetrieveUseCase,
        SuggestUseCase,
        ...(opts.consume === false ? [] : [ConversationEventsConsumer]),
      ],
    };
  }
}
