import { createHash } from 'node:crypto';
import { chunkSection, type TextChunk } from '../../domain/chunker';

/** Upload formats, by request Content-Type. */
export type DocumentFormat = 'jsonl' | 'markdown' | 'html' | 'text';

/** Content-Type (without parameters) → format. */
export const FORMAT_BY_CONTENT_TYPE: Record<string, DocumentFormat> = {
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/jsonlines': 'jsonl',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'text/plain': 'text',
};

/** A document ready to index. */
export interface ParsedDocument {
  externalId: string;
  title: string;
  entity: string | null;
  format: DocumentFormat;
  chunks: TextChunk[];
  /** SHA-256 hex of title, entity and chunk texts. */
  contentHash: string;
  metadata: Record<string, unknown>;
}

/** A bad upload: which line (JSON Lines, 1-based) and field, and why. Maps to HTTP 400. */
export class DocumentFormatError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(`${line !== undefined ? `line ${line}: ` : ''}${field ? `${field}: ` : ''}${message}`);
    this.name = 'DocumentFormatError';
  }
}

/** Builds a {@link ParsedDocument}: chunks every section and hashes the content. */
export function makeDocument(input: {
  externalId: string;
  title: string;
  entity?: string | null;
  format: DocumentFormat;
  sections: { title: string; text: string }[];
  metadata?: Record<string, unknown>;
  maxChunkChars?: number;
}): ParsedDocument {
  const chunks = input.sections.flatMap((s) => chunkSection(s.title, s.text, input.maxChunkChars));
  const hash = createHash('sha256');
  hash
    .update(input.title)
    .update('\0')
    .update(input.entity ?? '');
  for (const c of chunks) hash.update('\0').update(c.title).update('\0').update(c.text);
  return {
    externalId: input.externalId,
    title: input.title,
    entity: input.entity?.trim() ? input.entity.trim() : null,
    format: input.format,
    chunks,
    contentHash: hash.digest('hex'),
    metadata: input.metadata ?? {},
  };
}
