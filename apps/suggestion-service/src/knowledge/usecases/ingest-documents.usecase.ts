import { Readable } from 'node:stream';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { BodyTooLargeError, TextContentGuard } from '@hub/http';
import { LOGGER } from '@hub/observability';
import { LlmError, LlmRepository, type LlmIntegration } from '../../llm/llm.repository';
import { ASSIST_METRICS, AssistMetrics } from '../../metrics';
import {
  LOCAL_EMBEDDING_MODEL,
  localEmbeddingModelId,
  type LocalRetrievalModel,
} from '../../retrieval/local-embeddings';
import { KnowledgeRepository, type KnowledgeBaseView } from '../knowledge.repository';
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

/**
 * The knowledge base's embedding provider cannot be used for this upload: the integration is
 * missing, disabled or has no `embeddingModel`, or its model differs from the one the stored
 * vectors came from. Nothing is written.
 */
export class EmbeddingConfigError extends Error {}

/** The upload is not text (invalid UTF-8 or binary bytes); `message` says why (e.g. `content is application/pdf, not text`). */
export class NotTextContentError extends Error {}

/** Limits for {@link IngestDocumentsUseCase}. */
export interface IngestLimits {
  maxLineBytes: number;
  maxDocumentBytes: number;
  /** Largest upload body of any format (JSON Lines included), bytes; more → {@link BodyTooLargeError}. */
  maxUploadBytes: number;
  /** Documents per insert batch. Default 500. */
  batchSize?: number;
  /** Progress written to `kb_uploads` at most this often, ms. Default 500. */
  progressEveryMs?: number;
  /**
   * Chunks per embeddings request (the OpenAI API takes up to 2,048 inputs), and per write when the KB is embedded
   * (one request, then its chunks are stored). Default 128.
   */
  embeddingBatchSize?: number;
  /**
   * Longest pause between two statements of the upload transaction, ms (PostgreSQL
   * `idle_in_transaction_session_timeout` for that transaction only): covers the client sending the next rows and
   * one embedding request. Default 120000.
   */
  idleTimeoutMs?: number;
}
export const INGEST_LIMITS = Symbol('INGEST_LIMITS');

/**
 * Adds documents to a knowledge base from a streamed request body, all or nothing:
 * JSON Lines are parsed line by line and written in batches inside one transaction (so memory stays
 * bounded and a bad line anywhere rolls everything back, leaving the knowledge base unchanged);
 * Markdown/HTML/plain text are one document each (body capped at `maxDocumentBytes`).
 * Re-adding a document id replaces its chunks. Progress (bytes read, documents) is recorded in
 * `kb_uploads` while the upload runs. If the knowledge base has an embedding integration, every
 * chunk is embedded (`POST /embeddings`, `embeddingBatchSize` chunks per request, in order; a
 * transient failure — timeout, network, HTTP 408/409/429/5xx — is retried with exponential backoff,
 * 3 attempts) and the model is recorded on the knowledge base; a failed embedding fails the upload.
 * A knowledge base without one is embedded in process by the local model when one is configured
 * ({@link LOCAL_EMBEDDING_MODEL}; recorded as `local:<model id>`), unless it already holds chunks without
 * such vectors.
 * Every format is text: the bytes must be UTF-8 without binary control bytes ({@link NotTextContentError})
 * and at most `maxUploadBytes` ({@link BodyTooLargeError}), both checked while streaming, before the
 * parser sees the offending chunk (nothing is stored).
 * @throws KnowledgeBaseNotFoundError, DocumentFormatError (line and field), EmbeddingConfigError,
 *   LlmError (embeddings provider failed after retries), BodyTooLargeError, NotTextContentError
 */
@Injectable()
export class IngestDocumentsUseCase {
  private readonly embedRetry: RetryPolicy = retry(
    handleWhen((e) => e instanceof LlmError && e.transient),
    { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 5000 }) },
  );

  constructor(
    private readonly repo: KnowledgeRepository,
    private readonly llm: LlmRepository,
    @Inject(INGEST_LIMITS) private readonly limits: IngestLimits,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(ASSIST_METRICS) private readonly metrics?: AssistMetrics,
    @Optional() @Inject(LOCAL_EMBEDDING_MODEL) private readonly local?: LocalRetrievalModel,
  ) {}

  async execute(cmd: IngestDocumentsCommand): Promise<IngestResult> {
    const kb = await this.repo.get(cmd.tenantId, cmd.knowledgeBaseId);
    if (!kb) {
      cmd.body.resume();
      throw new KnowledgeBaseNotFoundError(cmd.knowledgeBaseId);
    }
    let embedder: LlmIntegration | LocalRetrievalModel | null = null;
    try {
      embedder = await this.embedderFor(cmd.tenantId, kb);
    } catch (e) {
      cmd.body.resume();
      throw e;
    }
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
    // Count bytes as the parser pulls them (a Transform keeps backpressure; nothing is read early),
    // stop at the upload cap and at the first byte that is not UTF-8 text.
    // Pulled lazily (Readable.from reads only when the parser does); the request is not destroyed on an
    // early exit (`destroyOnReturn: false`) so the 413/415 still reaches the client (the rest is drained).
    const maxUploadBytes = this.limits.maxUploadBytes;
    const source = cmd.body;
    async function* guarded(): AsyncGenerator<Buffer> {
      const text = new TextContentGuard();
      for await (const chunk of source.iterator({ destroyOnReturn: false })) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        progress.processedBytes += buf.length;
        if (progress.processedBytes > maxUploadBytes) throw new BodyTooLargeError(maxUploadBytes);
        const notText = text.push(buf);
        if (notText) throw new NotTextContentError(notText);
        yield buf;
      }
      const notText = text.end();
      if (notText) throw new NotTextContentError(notText);
    }
    const body = Readable.from(guarded(), { objectMode: false });
    let lastReport = Date.now();
    const report = async (force = false) => {
      if (!force && Date.now() - lastReport < (this.limits.progressEveryMs ?? 500)) return;
      lastReport = Date.now();
      await this.repo.updateUpload(cmd.tenantId, uploadId, progress);
    };
    const batchSize = this.limits.batchSize ?? 500;
    // With an embedder a batch is also closed at `embeddingBatchSize` chunks: the transaction waits for one
    // embedding request (or one in-process run of that many chunks) between two writes, never for a whole
    // batch of documents (1,000 documents' chunks took > 30 s on a loaded machine and the server closed the
    // idle transaction: idle_in_transaction_session_timeout).
    const maxBatchChunks = embedder ? (this.limits.embeddingBatchSize ?? 128) : Number.POSITIVE_INFINITY;
    try {
      await this.repo.inUploadTransaction(
        cmd.tenantId,
        kb.id,
        async (writer) => {
          let batch: ParsedDocument[] = [];
          let batchChunks = 0;
          const flush = async () => {
            if (!batch.length) return;
            const embeddings = embedder
              ? await this.embedChunks(
                  embedder,
                  batch.flatMap((d) => d.chunks.map((c) => `${c.title}\n${c.text}`)),
                )
              : undefined;
            progress.chunks += await writer.write(batch, embeddings);
            progress.processedDocuments += batch.length;
            batch = [];
            batchChunks = 0;
            await report();
          };
          for await (const doc of this.documents(cmd, body)) {
            batch.push(doc);
            batchChunks += doc.chunks.length;
            if (batch.length >= batchSize || batchChunks >= maxBatchChunks) await flush();
          }
          await flush();
          if (!progress.processedDocuments)
            throw new DocumentFormatError('no documents in upload', undefined, 'body');
          const model =
            embedder &&
            ('config' in embedder ? embedder.config.embeddingModel : localEmbeddingModelId(embedder));
          if (model) await writer.recordEmbeddingModel(model);
        },
        { idleTimeoutMs: this.limits.idleTimeoutMs ?? 120_000 },
      );
    } catch (e) {
      cmd.body.resume();
      await this.repo
        .updateUpload(cmd.tenantId, uploadId, { ...progress, status: 'failed', error: (e as Error).message })
        .catch(() => undefined);
      throw e;
    }
    await this.repo.updateUpload(cmd.tenantId, uploadId, { ...progress, status: 'succeeded' });
    this.logger.info({ kbId: kb.id, uploadId, ...progress }, 'knowledge base upload committed');
    return {
      uploadId,
      documents: progress.processedDocuments,
      chunks: progress.chunks,
      bytes: progress.processedBytes,
    };
  }

  /**
   * The KB's embedding integration; for a KB without one, the in-process model ({@link LOCAL_EMBEDDING_MODEL}) when
   * configured and the KB holds no chunks embedded otherwise; null when there is neither.
   * @throws EmbeddingConfigError when it is unusable or its model differs from the stored vectors'
   */
  private async embedderFor(
    tenantId: string,
    kb: KnowledgeBaseView,
  ): Promise<LlmIntegration | LocalRetrievalModel | null> {
    if (!kb.embeddingIntegrationId) {
      if (!this.local) return null;
      // the in-process model, unless the KB already holds chunks without its vectors (they would be mixed)
      const id = localEmbeddingModelId(this.local);
      if (kb.chunkCount > 0 && kb.embeddingModel !== id) return null;
      return this.local;
    }
    const integration = await this.llm.findIntegration(tenantId, kb.embeddingIntegrationId).catch(() => null);
    const model = integration?.config.embeddingModel;
    if (!integration || !model)
      throw new EmbeddingConfigError(
        `embeddingIntegrationId: integration ${kb.embeddingIntegrationId} not found, disabled or without embeddingModel`,
      );
    if (kb.embeddingModel && kb.embeddingModel !== model && kb.chunkCount > 0)
      throw new EmbeddingConfigError(
        `embeddingModel: the stored vectors are ${kb.embeddingModel}, the integration now uses ${model}; create a new knowledge base to switch models`,
      );
    return integration;
  }

  /** Embeds chunk texts in requests of `embeddingBatchSize`, in order, each retried when transient. */
  private async embedChunks(
    integration: LlmIntegration | LocalRetrievalModel,
    texts: string[],
  ): Promise<number[][]> {
    if (!('config' in integration)) return integration.embedPassages(texts);
    const size = this.limits.embeddingBatchSize ?? 128;
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += size) {
      const slice = texts.slice(i, i + size);
      const vectors = await this.embedRetry.execute(async () => {
        try {
          const v = await this.llm.embed(integration, slice);
          this.metrics?.embeddingRequests.inc({ phase: 'ingest', outcome: 'ok' });
          return v;
        } catch (e) {
          const reason = e instanceof LlmError ? e.reason : 'network_error';
          this.metrics?.embeddingRequests.inc({ phase: 'ingest', outcome: reason });
          this.logger.warn({ err: (e as Error).message, inputs: slice.length }, 'embeddings request failed');
          throw e;
        }
      });
      out.push(...vectors);
    }
    return out;
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
    if (n > maxBytes) throw new BodyTooLargeError(maxBytes);
    parts.push(b);
  }
  const buf = Buffer.concat(parts);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  return text;
}
