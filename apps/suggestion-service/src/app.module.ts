import { AuthModule } from '@hub/auth';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessagingModule } from '@hub/messaging';
import { METRICS, ObservabilityModule } from '@hub/observability';
import type { Registry } from 'prom-client';
import { PersistenceModule } from '@hub/persistence';
import { IntegrationsModule } from '@hub/integrations';
import {
  ConversationEventsConsumer,
  CONSUMER_GROUP,
  CONSUMER_MEMBERS,
  CONCURRENT_INTERACTIONS,
} from './assist/conversation-events.consumer';
import { InteractionContextRepository } from './assist/interaction-context.repository';
import { SuggestUseCase, SUGGEST_OPTIONS } from './assist/usecases/suggest.usecase';
import { localRetrievalModelName, type SuggestionConfig } from './config';
import { UtteranceController } from './ingest/utterance.controller';
import { KnowledgeBaseController } from './knowledge/knowledge-base.controller';
import { KnowledgeRepository } from './knowledge/knowledge.repository';
import { CreateKnowledgeBaseUseCase } from './knowledge/usecases/create-knowledge-base.usecase';
import { IngestDocumentsUseCase, INGEST_LIMITS } from './knowledge/usecases/ingest-documents.usecase';
import { LlmRepository } from './llm/llm.repository';
import { AssistSettingsController } from './mapping/assist-settings.controller';
import { ASSIST_SETTINGS_CACHE_TTL_MS, AssistSettingsRepository } from './mapping/assist-settings.repository';
import { ASSIST_METRICS, AssistMetrics } from './metrics';
import { DENSE_RETRIEVAL_OPTIONS, DenseRetriever } from './retrieval/dense-retriever';
import { LOCAL_EMBEDDING_MODEL, loadLocalRetrievalModel } from './retrieval/local-embeddings';
import { KnowledgeBaseChanges } from './knowledge/knowledge-base-changes';
import { RetrievalRepository } from './retrieval/retrieval.repository';
import { LEXICAL_RETRIEVAL_OPTIONS, RetrieveUseCase } from './retrieval/retrieve.usecase';
import { DialogflowCxClient } from './sources/dialogflow-cx/dialogflow-cx.client';
import { GoogleNativeSuggestions } from './sources/dialogflow-cx/google-native-suggestions';
import { KNOWLEDGE_SEARCH_OPTIONS, KnowledgeSearchController } from './retrieval/knowledge-search.controller';

/** suggestion-service: knowledge bases, queue mapping, retrieval, answer generation, suggestions. */
@Module({})
export class AppModule {
  /** @param opts.consume start the conversation-events consumer (default true) */
  static forRoot(config: SuggestionConfig, opts: { logger?: Logger; consume?: boolean } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AuthModule.forRoot({ service: 'suggestion-service', config }),
        ObservabilityModule.forRoot({
          service: 'suggestion-service',
          logLevel: config.LOG_LEVEL,
          logger: opts.logger,
        }),
        PersistenceModule.forRoot({ config }),
        IntegrationsModule.forRoot({ config }),
        MessagingModule.forRoot({ clientId: 'suggestion-service', config }),
      ],
      controllers: [
        KnowledgeBaseController,
        AssistSettingsController,
        UtteranceController,
        KnowledgeSearchController,
      ],
      providers: [
        {
          provide: INGEST_LIMITS,
          useValue: {
            maxLineBytes: config.ASSIST_MAX_LINE_BYTES,
            maxDocumentBytes: config.ASSIST_MAX_DOCUMENT_BYTES,
            maxUploadBytes: config.ASSIST_MAX_UPLOAD_BYTES,
            embeddingBatchSize: config.ASSIST_EMBEDDING_BATCH_SIZE,
          },
        },
        {
          provide: LEXICAL_RETRIEVAL_OPTIONS,
          useValue: { maxIndexBytes: config.ASSIST_LEXICAL_INDEX_MAX_MB * 1024 * 1024, loadWaitMs: 0 },
        },
        {
          provide: DENSE_RETRIEVAL_OPTIONS,
          useValue: {
            queryTimeoutMs: config.ASSIST_QUERY_EMBEDDING_TIMEOUT_MS,
            maxIndexBytes: config.ASSIST_DENSE_INDEX_MAX_MB * 1024 * 1024,
          },
        },
        {
          provide: LOCAL_EMBEDDING_MODEL,
          useFactory: async () => {
            const name = localRetrievalModelName(config);
            if (!name) return undefined;
            // fails fast, naming the missing files and the fetch command
            return loadLocalRetrievalModel(name, { modelsDir: config.HUB_MODELS_DIR });
          },
        },
        {
          provide: ASSIST_METRICS,
          inject: [METRICS],
          useFactory: (registry: Registry) => new AssistMetrics(registry),
        },
        {
          provide: SUGGEST_OPTIONS,
          useValue: {
            contextUtterances: config.ASSIST_CONTEXT_UTTERANCES,
            topK: config.ASSIST_TOP_K,
            ...(config.ASSIST_STREAM_DELTAS
              ? {
                  deltas: {
                    intervalMs: config.ASSIST_DELTA_INTERVAL_MS,
                    maxChars: config.ASSIST_DELTA_MAX_CHARS,
                  },
                }
              : {}),
          },
        },
        {
          provide: KNOWLEDGE_SEARCH_OPTIONS,
          useValue: { confidenceThreshold: config.ASSIST_RETRIEVAL_CONFIDENCE_THRESHOLD },
        },
        { provide: CONSUMER_GROUP, useValue: config.ASSIST_CONSUMER_GROUP },
        { provide: CONSUMER_MEMBERS, useValue: config.ASSIST_CONSUMER_MEMBERS },
        { provide: CONCURRENT_INTERACTIONS, useValue: config.ASSIST_CONCURRENT_INTERACTIONS },
        { provide: ASSIST_SETTINGS_CACHE_TTL_MS, useValue: config.ASSIST_SETTINGS_CACHE_TTL_MS },
        KnowledgeRepository,
        KnowledgeBaseChanges,
        RetrievalRepository,
        AssistSettingsRepository,
        InteractionContextRepository,
        LlmRepository,
        IngestDocumentsUseCase,
        CreateKnowledgeBaseUseCase,
        DenseRetriever,
        RetrieveUseCase,
        SuggestUseCase,
        DialogflowCxClient,
        GoogleNativeSuggestions,
        ...(opts.consume === false ? [] : [ConversationEventsConsumer]),
      ],
    };
  }
}
