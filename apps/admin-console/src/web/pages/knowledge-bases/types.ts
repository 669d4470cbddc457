/** Views of the suggestion service's knowledge API (apps/suggestion-service/src/openapi.ts). */

/** `KnowledgeBaseView`. */
export interface KnowledgeBase {
  id: string;
  name: string;
  description: string | null;
  revision: number;
  documentCount: number;
  chunkCount: number;
  embeddingIntegrationId: string | null;
  /** Model of the stored vectors; null = lexical retrieval only. */
  embeddingModel: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `DocumentSummary` of `GET /v1/knowledge-bases/{id}/documents`. */
export interface DocumentSummary {
  id: string;
  title: string;
  entity: string | null;
  format: string;
  contentHash: string;
  chunks: number;
}

/** `VocabularyEntry` of `GET /v1/knowledge-bases/{id}/vocabulary`: an entity name and its documents. */
export interface VocabularyEntry {
  name: string;
  documents: number;
}

/** `UploadView` of `GET /v1/knowledge-bases/{id}/uploads/{uploadId}` (the server's own progress). */
export interface UploadView {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  format: string;
  /** Content-Length of the upload, bytes (null when the client sent none). */
  totalBytes: number | null;
  processedBytes: number;
  processedDocuments: number;
  chunks: number;
  error: string | null;
}

/** 201 of `POST /v1/knowledge-bases/{id}/documents`. */
export interface IngestResult {
  uploadId: string;
  documents: number;
  chunks: number;
}

/** `KnowledgeSearchResult` of `POST /v1/knowledge-bases/{id}/search`. */
export interface SearchResult {
  question: string;
  /** Retrieval confidence in [0, 1]. */
  confidence: number;
  threshold: number;
  confident: boolean;
  mode: 'lexical' | 'hybrid';
  chunks: { chunkId: string; documentId: string; title: string | null; text: string; score: number }[];
}

/** `QueueMappingView`. */
export interface QueueMapping {
  id: string;
  queue: string;
  knowledgeBaseId: string;
  systemPrompt: string | null;
  llmIntegrationId: string | null;
  updatedAt: string;
}

/** Content-Type of an uploaded file, by its extension (the formats `POST …/documents` accepts). */
export function contentTypeOf(fileName: string): string | undefined {
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  return (
    {
      jsonl: 'application/x-ndjson',
      ndjson: 'application/x-ndjson',
      md: 'text/markdown',
      markdown: 'text/markdown',
      html: 'text/html',
      htm: 'text/html',
      txt: 'text/plain',
    } as Record<string, string>
  )[ext];
}
