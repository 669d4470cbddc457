import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  forTenant,
  PRISMA,
  tenantTransaction,
  type PrismaClient,
  type PrismaExecutor,
} from '@hub/persistence';
import { entityKey } from '../domain/text';
import { KnowledgeBaseChanges } from './knowledge-base-changes';
import type { ParsedDocument } from './parsers/document';

/** A knowledge base as the API shows it. */
export interface KnowledgeBaseView {
  id: string;
  name: string;
  description: string | null;
  revision: number;
  documentCount: number;
  chunkCount: number;
  embeddingIntegrationId: string | null;
  /** Embedding model of the stored vectors (null: lexical only). */
  embeddingModel: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Progress of one upload (`GET /v1/knowledge-bases/:id/uploads/:uploadId`). */
export interface UploadView {
  id: string;
  knowledgeBaseId: string;
  status: 'running' | 'succeeded' | 'failed';
  format: string;
  totalBytes: number | null;
  processedBytes: number;
  processedDocuments: number;
  chunks: number;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** Thrown when a knowledge-base name is already used by the tenant. */
export class DuplicateNameError extends Error {}

/**
 * PostgreSQL access for knowledge bases, documents, chunks, term statistics and uploads.
 * Every read and write runs in a transaction of its tenant (`forTenant` / `tenantTransaction`): row-level
 * security shows only the tenant's knowledge bases, and documents, chunks and terms only through them.
 */
@Injectable()
export class KnowledgeRepository {
  /** @param changes told after every committed change of a KB's content (absent in offline tools) */
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Optional() private readonly changes?: KnowledgeBaseChanges,
  ) {}

  /**
   * @param embedding the embedding integration and its model, for dense vectors (omit: lexical only)
   * @throws DuplicateNameError when `name` is taken in the tenant
   */
  async create(
    tenantId: string,
    name: string,
    description: string | null,
    embedding?: { integrationId: string; model: string },
  ): Promise<KnowledgeBaseView> {
    try {
      const kb = await forTenant(this.prisma, tenantId).knowledgeBase.create({
        data: {
          id: randomUUID(),
          tenantId,
          name,
          description,
          embeddingIntegrationId: embedding?.integrationId ?? null,
          embeddingModel: embedding?.model ?? null,
        },
      });
      return view(kb);
    } catch (e) {
      if ((e as { code?: string }).code === 'P2002') throw new DuplicateNameError(name);
      throw e;
    }
  }

  async list(tenantId: string): Promise<KnowledgeBaseView[]> {
    const rows = await forTenant(this.prisma, tenantId).knowledgeBase.findMany({
      where: { tenantId },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map(view);
  }

  /** The tenant's knowledge base, or null (unknown id or another tenant's). */
  async get(tenantId: string, id: string): Promise<KnowledgeBaseView | null> {
    const kb = await forTenant(this.prisma, tenantId).knowledgeBase.findFirst({ where: { id, tenantId } });
    return kb ? view(kb) : null;
  }

  /**
   * Deletes a knowledge base with its documents, chunks, terms, uploads and the queue mappings and
   * tenant default that point to it. @returns false when it is not the tenant's
   */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const deleted = await tenantTransaction(this.prisma, tenantId, async (tx) => {
      const n = await tx.knowledgeBase.deleteMany({ where: { id, tenantId } });
      if (!n.count) return false;
      await tx.kbTerm.deleteMany({ where: { knowledgeBaseId: id } });
      await tx.kbUpload.deleteMany({ where: { knowledgeBaseId: id } });
      await tx.queueKbMapping.deleteMany({ where: { tenantId, knowledgeBaseId: id } });
      await tx.tenantAssistSettings.updateMany({
        where: { tenantId, defaultKnowledgeBaseId: id },
        data: { defaultKnowledgeBaseId: null },
      });
      return true;
    });
    if (deleted) this.changes?.changed(tenantId, id);
    return deleted;
  }

  /**
   * Runs `fn` in one transaction holding the knowledge base's row lock (uploads to one KB are
   * serialised). Whatever `fn` writes commits with the refreshed statistics, or not at all.
   * @param opts.timeoutMs   transaction time limit, ms (default 30 min)
   * @param opts.idleTimeoutMs longest pause between two of its statements, ms (`SET LOCAL
   *   idle_in_transaction_session_timeout`; the pool's default, 30 s, is too short while a client streams rows
   *   or a batch is embedded). Default: the pool's.
   */
  async inUploadTransaction<T>(
    tenantId: string,
    kbId: string,
    fn: (writer: ChunkWriter) => Promise<T>,
    opts: { timeoutMs?: number; idleTimeoutMs?: number } = {},
  ): Promise<T> {
    const result = await tenantTransaction(
      this.prisma,
      tenantId,
      async (tx) => {
        if (opts.idleTimeoutMs !== undefined)
          await tx.$executeRawUnsafe(
            `SELECT set_config('idle_in_transaction_session_timeout', $1, true)`,
            String(Math.max(1, Math.round(opts.idleTimeoutMs))),
          );
        await tx.$queryRawUnsafe('SELECT id FROM knowledge_bases WHERE id = $1::uuid FOR UPDATE', kbId);
        const result = await fn(new ChunkWriter(tx, kbId));
        await refreshStatistics(tx, kbId);
        return result;
      },
      { timeout: opts.timeoutMs ?? 30 * 60_000, maxWait: 30_000 },
    );
    this.changes?.changed(tenantId, kbId);
    return result;
  }

  async createUpload(u: {
    id?: string;
    tenantId: string;
    kbId: string;
    format: string;
    totalBytes: number | null;
  }): Promise<string> {
    const id = u.id ?? randomUUID();
    await forTenant(this.prisma, u.tenantId).kbUpload.create({
      data: {
        id,
        tenantId: u.tenantId,
        knowledgeBaseId: u.kbId,
        status: 'running',
        format: u.format,
        totalBytes: u.totalBytes === null ? null : BigInt(u.totalBytes),
      },
    });
    return id;
  }

  async updateUpload(
    tenantId: string,
    id: string,
    p: {
      processedBytes: number;
      processedDocuments: number;
      chunks: number;
      status?: 'succeeded' | 'failed';
      error?: string;
    },
  ): Promise<void> {
    await forTenant(this.prisma, tenantId).kbUpload.update({
      where: { id },
      data: {
        processedBytes: BigInt(p.processedBytes),
        processedDocuments: p.processedDocuments,
        chunks: p.chunks,
        ...(p.status ? { status: p.status, finishedAt: new Date() } : {}),
        ...(p.error !== undefined ? { error: p.error.slice(0, 2000) } : {}),
      },
    });
  }

  async getUpload(tenantId: string, kbId: string, uploadId: string): Promise<UploadView | null> {
    const u = await forTenant(this.prisma, tenantId).kbUpload.findFirst({
      where: { id: uploadId, tenantId, knowledgeBaseId: kbId },
    });
    return u ? uploadView(u) : null;
  }

  /** The 50 most recent uploads of a knowledge base, newest first. */
  async listUploads(tenantId: string, kbId: string): Promise<UploadView[]> {
    const rows = await forTenant(this.prisma, tenantId).kbUpload.findMany({
      where: { tenantId, knowledgeBaseId: kbId },
      orderBy: { startedAt: 'desc' },
      take: 50,
    });
    return rows.map(uploadView);
  }

  /** Documents of a knowledge base (id, title, entity, chunk count), page by page. */
  async listDocuments(tenantId: string, kbId: string, limit: number, offset: number) {
    const rows = await forTenant(this.prisma, tenantId).kbDocument.findMany({
      where: { knowledgeBaseId: kbId },
      orderBy: { externalId: 'asc' },
      take: limit,
      skip: offset,
      select: {
        externalId: true,
        title: true,
        entity: true,
        format: true,
        contentHash: true,
        _count: { select: { chunks: true } },
      },
    });
    return rows.map((r) => ({
      id: r.externalId,
      title: r.title,
      entity: r.entity,
      format: r.format,
      contentHash: r.contentHash,
      chunks: r._count.chunks,
    }));
  }

  /**
   * The knowledge base's entity names (hotel, restaurant, product …) with the number of documents naming each, most
   * documented first (ties by name): the tenant vocabulary for speech recognition (issue 16), e.g. the AudioHook
   * integration's `config.vocabulary`.
   * @param limit most names returned (1–500)
   */
  async vocabulary(
    tenantId: string,
    kbId: string,
    limit: number,
  ): Promise<{ name: string; documents: number }[]> {
    const rows = await forTenant(this.prisma, tenantId).kbDocument.groupBy({
      by: ['entity'],
      where: { knowledgeBaseId: kbId, entity: { not: null } },
      _count: { _all: true },
      orderBy: [{ _count: { entity: 'desc' } }, { entity: 'asc' }],
      take: limit,
    });
    return rows
      .filter(
        (r): r is typeof r & { entity: string } => typeof r.entity === 'string' && r.entity.trim() !== '',
      )
      .map((r) => ({ name: r.entity, documents: r._count._all }));
  }

  /** Deletes one document (by the uploader's id) and refreshes statistics. @returns false if absent */
  async deleteDocument(tenantId: string, kbId: string, externalId: string): Promise<boolean> {
    const deleted = await tenantTransaction(this.prisma, tenantId, async (tx) => {
      await tx.$queryRawUnsafe('SELECT id FROM knowledge_bases WHERE id = $1::uuid FOR UPDATE', kbId);
      const n = await tx.kbDocument.deleteMany({ where: { knowledgeBaseId: kbId, externalId } });
      if (!n.count) return false;
      await refreshStatistics(tx, kbId);
      return true;
    });
    if (deleted) this.changes?.changed(tenantId, kbId);
    return deleted;
  }
}

/** Writes batches of parsed documents inside an upload transaction. */
export class ChunkWriter {
  constructor(
    private readonly tx: PrismaExecutor,
    private readonly kbId: string,
  ) {}

  /** Records the embedding model of the knowledge base's vectors (same transaction as the chunks). */
  async recordEmbeddingModel(model: string): Promise<void> {
    await this.tx.$executeRawUnsafe(
      'UPDATE knowledge_bases SET embedding_model = $2 WHERE id = $1::uuid',
      this.kbId,
      model,
    );
  }

  /**
   * Replaces the given documents (same external id → old document and chunks deleted first) and
   * inserts their chunks. `embeddings`, if given, has one unit vector per chunk in document order
   * (stored as `REAL[]`).
   * @returns number of chunks written
   */
  async write(docs: ParsedDocument[], embeddings?: number[][]): Promise<number> {
    if (!docs.length) return 0;
    const ext = docs.map((d) => d.externalId);
    await this.tx.$executeRawUnsafe(
      'DELETE FROM kb_documents WHERE knowledge_base_id = $1::uuid AND external_id = ANY($2::text[])',
      this.kbId,
      ext,
    );
    const docIds = docs.map(() => randomUUID());
    await this.tx.$executeRawUnsafe(
      `INSERT INTO kb_documents (id, knowledge_base_id, external_id, title, entity, format, content_hash, metadata)
       SELECT u.id, $1::uuid, u.ext, u.title, u.entity, u.format, u.hash, u.meta::jsonb
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         AS u(id, ext, title, entity, format, hash, meta)`,
      this.kbId,
      docIds,
      ext,
      docs.map((d) => d.title),
      docs.map((d) => d.entity),
      docs.map((d) => d.format),
      docs.map((d) => d.contentHash),
      docs.map((d) => JSON.stringify(d.metadata)),
    );
    const c = {
      id: [] as string[],
      doc: [] as string[],
      ord: [] as number[],
      title: [] as string[],
      ek: [] as (string | null)[],
      text: [] as string[],
      emb: [] as (string | null)[],
    };
    let n = 0;
    docs.forEach((d, i) => {
      const ek = d.entity ? entityKey(d.entity) || null : null;
      d.chunks.forEach((ch, ord) => {
        c.id.push(randomUUID());
        c.doc.push(docIds[i]);
        c.ord.push(ord);
        c.title.push(ch.title);
        c.ek.push(ek);
        c.text.push(ch.text);
        c.emb.push(embeddings?.[n] ? embeddings[n].join(',') : null);
        n += 1;
      });
    });
    await this.tx.$executeRawUnsafe(
      `INSERT INTO kb_chunks (id, document_id, knowledge_base_id, ordinal, title, entity_key, text, length, embedding)
       SELECT u.id, u.doc, $1::uuid, u.ord, u.title, u.ek, u.text, -1,
              string_to_array(u.emb, ',')::real[]
       FROM unnest($2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[])
         AS u(id, doc, ord, title, ek, text, emb)`,
      this.kbId,
      c.id,
      c.doc,
      c.ord,
      c.title,
      c.ek,
      c.text,
      c.emb,
    );
    return n;
  }
}

/** Chunk lengths, term document frequencies (ts_stat), counts and revision of one knowledge base. */
async function refreshStatistics(tx: PrismaExecutor, kbId: string): Promise<void> {
  await tx.$executeRawUnsafe(
    'UPDATE kb_chunks SET length = length(tsv) WHERE knowledge_base_id = $1::uuid AND length < 0',
    kbId,
  );
  await tx.$executeRawUnsafe('DELETE FROM kb_terms WHERE knowledge_base_id = $1::uuid', kbId);
  await tx.$executeRawUnsafe(
    `INSERT INTO kb_terms (knowledge_base_id, lexeme, document_freq)
     SELECT $1::uuid, word, ndoc FROM ts_stat(format('SELECT tsv FROM kb_chunks WHERE knowledge_base_id = %L', $1::text))`,
    kbId,
  );
  await tx.$executeRawUnsafe(
    `UPDATE knowledge_bases SET
       revision = revision + 1,
       document_count = (SELECT count(*) FROM kb_documents WHERE knowledge_base_id = $1::uuid),
       chunk_count = (SELECT count(*) FROM kb_chunks WHERE knowledge_base_id = $1::uuid),
       avg_chunk_length = coalesce((SELECT avg(length) FROM kb_chunks WHERE knowledge_base_id = $1::uuid), 0),
       updated_at = now()
     WHERE id = $1::uuid`,
    kbId,
  );
}

function view(kb: {
  id: string;
  name: string;
  description: string | null;
  revision: number;
  documentCount: number;
  chunkCount: number;
  embeddingIntegrationId: string | null;
  embeddingModel: string | null;
  createdAt: Date;
  updatedAt: Date;
}): KnowledgeBaseView {
  return {
    id: kb.id,
    name: kb.name,
    description: kb.description,
    revision: kb.revision,
    documentCount: kb.documentCount,
    chunkCount: kb.chunkCount,
    embeddingIntegrationId: kb.embeddingIntegrationId,
    embeddingModel: kb.embeddingModel,
    createdAt: kb.createdAt.toISOString(),
    updatedAt: kb.updatedAt.toISOString(),
  };
}

function uploadView(u: {
  id: string;
  knowledgeBaseId: string;
  status: string;
  format: string;
  totalBytes: bigint | null;
  processedBytes: bigint;
  processedDocuments: number;
  chunks: number;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}): UploadView {
  return {
    id: u.id,
    knowledgeBaseId: u.knowledgeBaseId,
    status: u.status as UploadView['status'],
    format: u.format,
    totalBytes: u.totalBytes === null ? null : Number(u.totalBytes),
    processedBytes: Number(u.processedBytes),
    processedDocuments: u.processedDocuments,
    chunks: u.chunks,
    error: u.error,
    startedAt: u.startedAt.toISOString(),
    finishedAt: u.finishedAt?.toISOString() ?? null,
  };
}
