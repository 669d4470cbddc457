import { Transform, type Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { LlmRepository } from '../../llm/llm.repository';
import { KnowledgeRepository } from '../knowledge.repository';
import { DocumentFormatError, type DocumentFormat, type ParsedDocument } from '../parsers/document';
import { parseJsonLines } from '../parsers/jsonl.parser';
import { parseHtml, parseMarkdown, parsePlainText, type SingleDocumentMeta } from '../parsers/markup.parser';

/** Input of {@link IngestDocumentsUseCase}. */
export interface IngestDocumentsCommand {
  tenantId: string;
  knowledgeBaseId: string;
  format: DocumentFormat;
  body: Readable;
  /** Content-Length, bytes, if known (progress). */
  totalBytes: number | null;
  /** For single-document formats (Markdown, HTML, plain text). */
  single?: Omit<SingleDocumentMeta, 'maxChunkChars'>;
  /** Client-chosen upload id (UUID) to poll progress with; generated when absent. */
  uploadId?: string;
  /** Called once the upload id exists (e.g. to send it in a header before the body is read). */
  onUploadId?: (uploadId: string) => void;
}

/** Outcome of a committed upload. */
export interface IngestResult {
  uploadId: string;
  documents: number;
  chunks: number;
  bytes: number;
}

/** The client-chosen upload id exists already. */
export class UploadIdTakenError extends Error {}

/** Unknown knowledge base (or another tenant's). */
export class KnowledgeBaseNotFoundError extends Error {}

/** Limits for {@link IngestDocumentsUseCase}. */
export interface IngestLimits {
  maxLineBytes: number;
  maxDocumentBytes: number;
  /** Documents per insert batch. Default 500. */
  batchSize?: number;
  /** Progress written to `kb_uploads` at most this often, ms. Default 500. */
  progressEveryMs?: number;
}
export const INGEST_LIMITS = Symbol('INGEST_LIMITS');

/**
 * Adds documents to a knowledge base from a streamed request body, all or nothing:
 * JSON Lines are parsed line by line and written in batches inside one transaction (so memory stays
 * bounded and a bad line anywhere rolls everything back, leaving the knowledge base unchanged);
 * Markdown/HTML/plain text are one document each (body capped at `maxDocumentBytes`).
 * Re-adding a document id replaces its chunks. Progress (bytes read, documents) is recorded in
 * `kb_uploads` while the upload runs. If the knowledge base has an embedding integration, chunk
 * embeddings are computed per batch.
 * @throws KnowledgeBaseNotFoundError, DocumentFormatError (line and field), LlmError (embeddings)
 */
@Injectable()
export class IngestDocumentsUseCase {
  constructor(
    private readonly repo: KnowledgeRepository,
    private readonly llm: LlmRepository,
    @Inject(INGEST_LIMITS) private readonly limits: IngestLimits,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(cmd: IngestDocumentsCommand): Promise<IngestResult> {
    const kb = await this.repo.get(cmd.tenantId, cmd.knowledgeBaseId);
    if (!kb) {
      cmd.body.resume();
      throw new KnowledgeBaseNotFoundError(cmd.knowledgeBaseId);
    }
    const embedder = kb.embeddingIntegrationId
      ? await this.llm.findIntegration(cmd.tenantId, kb.embeddingIntegrationId)
      : null;
    const uploadId = await this.repo
      .createUpload({
        id: cmd.uploadId,
        tenantId: cmd.tenantId,
        kbId: kb.id,
        format: cmd.format,
        totalBytes: cmd.totalBytes,
      })
      .catch((e: unknown) => {
        cmd.body.resume();
        if ((e as { code?: string }).code === 'P2002') throw new UploadIdTakenError(cmd.uploadId);
        throw e;
      });
    cmd.onUploadId?.(uploadId);
    const progress = { processedBytes: 0, processedDocuments: 0, chunks: 0 };
    // Count bytes as the parser pulls them (a Transform keeps backpressure; nothing is read early).
    const body = cmd.body.pipe(
      new Transform({
        transform(chunk: Buffer | string, _enc, cb) {
          progress.processedBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
          cb(null, chunk);
        },
      }),
    );
    cmd.body.on('error', (e) => body.destroy(e));
    let lastReport = Date.now();
    const report = async (force = false) => {
      if (!force && Date.now() - lastReport < (this.limits.progressEveryMs ?? 500)) return;
      lastReport = Date.now();
      await this.repo.updateUpload(uploadId, progress);
    };
    const batchSize = this.limits.batchSize ?? 500;
    try {
      await this.repo.inUploadTransaction(kb.id, async (writer) => {
        let batch: ParsedDocument[] = [];
        const flush = async () => {
          if (!batch.length) return;
          const embeddings = embedder
            ? await this.llm.embed(
                embedder,
                batch.flatMap((d) => d.chunks.map((c) => `${c.title}\n${c.text}`)),
              )
            : undefined;
          progress.chunks += await writer.write(batch, embeddings);
          progress.processedDocuments += batch.length;
          batch = [];
          await report();
        };
        for await (const doc of this.documents(cmd, body)) {
          batch.push(doc);
          if (batch.length >= batchSize) await flush();
        }
        await flush();
        if (!progress.processedDocuments)
          throw new DocumentFormatError('no documents in upload', undefined, 'body');
      });
    } catch (e) {
      cmd.body.resume();
      await this.repo
        .updateUpload(uploadId, { ...progress, status: 'failed', error: (e as Error).message })
        .catch(() => undefined);
      throw e;
    }
    await this.repo.updateUpload(uploadId, { ...progress, status: 'succeeded' });
    this.logger.info({ kbId: kb.id, uploadId, ...progress }, 'knowledge base upload committed');
    return {
      uploadId,
      documents: progress.processedDocuments,
      chunks: progress.chunks,
      bytes: progress.processedBytes,
    };
  }

  private async *documents(cmd: IngestDocumentsCommand, body: Readable): AsyncGenerator<ParsedDocument> {
    if (cmd.format === 'jsonl') {
      yield* parseJsonLines(body, { maxLineBytes: this.limits.maxLineBytes });
      return;
    }
    if (!cmd.single?.documentId) {
      throw new DocumentFormatError(
        'required for Markdown, HTML and plain-text uploads',
        undefined,
        'documentId',
      );
    }
    const source = await readAll(body, this.limits.maxDocumentBytes);
    const meta = { ...cmd.single };
    if (cmd.format === 'markdown') yield parseMarkdown(source, meta);
    else if (cmd.format === 'html') yield parseHtml(source, meta);
    else yield parsePlainText(source, meta);
  }
}

async function readAll(body: Readable, maxBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    n += b.length;
    if (n > maxBytes) throw new DocumentFormatError(`larger than ${maxBytes} bytes`, undefined, 'body');
    parts.push(b);
  }
  const buf = Buffer.concat(parts);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  return text;
}
