import type { INestApplication } from '@nestjs/common';
import { z } from 'zod';
import { responseSchemaOf, schemaRef, setupOpenApi } from '@hub/http';
import type { KnowledgeBaseView, KnowledgeRepository, UploadView } from './knowledge/knowledge.repository';
import { FORMAT_BY_CONTENT_TYPE } from './knowledge/parsers/document';
import { KnowledgeRowSchema } from './knowledge/parsers/jsonl.parser';
import type { IngestResult } from './knowledge/usecases/ingest-documents.usecase';
import type { AssistSettingsView, QueueMappingView } from './mapping/assist-settings.repository';

/**
 * Response schemas of the REST API (OpenAPI), each checked at compile time against the type the
 * repository or use case returns, so the documented shape cannot drift from what the API sends.
 */

const instant = z.iso.datetime();

/** A knowledge base with its counts. */
export const KnowledgeBaseViewSchema = responseSchemaOf<KnowledgeBaseView>()(
  z.object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    revision: z.number().int().describe('Bumped by every change of its documents'),
    documentCount: z.number().int(),
    chunkCount: z.number().int(),
    embeddingIntegrationId: z.uuid().nullable(),
    embeddingModel: z.string().nullable().describe('Model of the stored vectors; null = lexical only'),
    createdAt: instant,
    updatedAt: instant,
  }),
);

/** Progress of one upload. */
export const UploadViewSchema = responseSchemaOf<UploadView>()(
  z.object({
    id: z.uuid(),
    knowledgeBaseId: z.uuid(),
    status: z.enum(['running', 'succeeded', 'failed']),
    format: z.string(),
    totalBytes: z.number().int().nullable().describe('Content-Length, when the client sent one'),
    processedBytes: z.number().int(),
    processedDocuments: z.number().int(),
    chunks: z.number().int(),
    error: z.string().nullable(),
    startedAt: instant,
    finishedAt: instant.nullable(),
  }),
);

/** 201 of a committed upload. */
export const IngestResultSchema = responseSchemaOf<IngestResult>()(
  z.object({
    uploadId: z.uuid(),
    documents: z.number().int(),
    chunks: z.number().int(),
    bytes: z.number().int(),
  }),
);

/** One document of a knowledge base (listing). */
export const DocumentSummarySchema = responseSchemaOf<
  Awaited<ReturnType<KnowledgeRepository['listDocuments']>>[number]
>()(
  z.object({
    id: z.string().describe('The id given at upload'),
    title: z.string(),
    entity: z.string().nullable(),
    format: z.string(),
    contentHash: z.string(),
    chunks: z.number().int(),
  }),
);

/** One entity name of a knowledge base's vocabulary. */
export const VocabularyEntrySchema = responseSchemaOf<
  Awaited<ReturnType<KnowledgeRepository['vocabulary']>>[number]
>()(
  z.object({
    name: z.string().describe('The entity name as stored (e.g. "GOLDEN WOK")'),
    documents: z.number().int().describe('Documents of the knowledge base naming it'),
  }),
);

/** A queue-to-knowledge-base mapping. */
export const QueueMappingViewSchema = responseSchemaOf<QueueMappingView>()(
  z.object({
    id: z.uuid(),
    queue: z.string(),
    knowledgeBaseId: z.uuid(),
    systemPrompt: z.string().nullable(),
    llmIntegrationId: z.uuid().nullable(),
    updatedAt: instant,
  }),
);

/** The tenant's assist defaults. */
export const AssistSettingsViewSchema = responseSchemaOf<AssistSettingsView>()(
  z.object({
    defaultKnowledgeBaseId: z.uuid().nullable(),
    defaultSystemPrompt: z.string().nullable(),
    llmIntegrationId: z.uuid().nullable(),
  }),
);

/** 202 of an utterance post. */
export const UtteranceAcceptedSchema = z.object({
  eventId: z.uuid().describe('Id of the `conversation.event` on hub.conversation.events.v1'),
  utteranceId: z.string(),
  interactionId: z.string(),
});

/** `{items: [...]}` listing of `item`. */
export const itemsOf = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item) });

/**
 * Request body of `POST /v1/knowledge-bases/{id}/documents`, one entry per accepted Content-Type: JSON
 * Lines carry one `KnowledgeRow` (the parser's zod schema) per line; the others one document's text.
 */
export function documentsUploadBody() {
  return {
    required: true,
    description: 'JSON Lines: each line one KnowledgeRow; Markdown/HTML/plain text: the document',
    content: Object.fromEntries(
      Object.entries(FORMAT_BY_CONTENT_TYPE).map(([type, format]) => [
        type,
        {
          schema:
            format === 'jsonl'
              ? schemaRef('KnowledgeRow', KnowledgeRowSchema, 'input')
              : { type: 'string' as const, description: `The document (${format})` },
        },
      ]),
    ),
  };
}

/** Serves the service's OpenAPI document at `/docs` and `/docs-json` (see `setupOpenApi` of @hub/http). */
export function setupSuggestionOpenApi(app: INestApplication): void {
  setupOpenApi(app, {
    title: 'Engagement Hub — suggestion service',
    description:
      'Knowledge bases (streamed uploads, progress), queue-to-knowledge-base mappings and assist defaults, and ' +
      'the utterance ingest of agent widgets. Suggestions themselves travel on Kafka (hub.assist.suggestions.v1). ' +
      'Every request carries a hub credential (API key or OAuth token); the tenant comes from it.',
    operations: { '/v1/knowledge-bases/{id}/documents': { post: { requestBody: documentsUploadBody() } } },
  });
}
