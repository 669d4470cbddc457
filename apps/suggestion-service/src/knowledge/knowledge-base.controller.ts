import { RequireScopes } from '@hub/auth';
import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UnsupportedMediaTypeException,
  BadRequestException,
  BadGatewayException,
} from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  ApiJsonBody,
  ApiJsonResponse,
  ApiProblem,
  ApiTenant,
  badRequest,
  BodyTooLargeError,
  parseOr400,
  problemBody,
  ProblemResponseException,
  TenantId,
} from '@hub/http';
import { LlmError } from '../llm/llm.repository';
import {
  DocumentSummarySchema,
  VocabularyEntrySchema,
  IngestResultSchema,
  itemsOf,
  KnowledgeBaseViewSchema,
  UploadViewSchema,
} from '../openapi';
import { DuplicateNameError, KnowledgeRepository } from './knowledge.repository';
import { DocumentFormatError, FORMAT_BY_CONTENT_TYPE } from './parsers/document';
import {
  CreateKnowledgeBaseUseCase,
  InvalidEmbeddingIntegrationError,
} from './usecases/create-knowledge-base.usecase';
import {
  EmbeddingConfigError,
  INGEST_LIMITS,
  IngestDocumentsUseCase,
  type IngestLimits,
  KnowledgeBaseNotFoundError,
  NotTextContentError,
  UploadIdTakenError,
} from './usecases/ingest-documents.usecase';

/** 413 problem+json naming the upload cap (bytes) and the variable that sets it. */
function uploadTooLarge(limitBytes: number, variable: string): ProblemResponseException {
  return new ProblemResponseException(
    problemBody(413, `body: larger than the limit of ${limitBytes} bytes (${variable})`, {
      field: 'body',
      extensions: { limitBytes },
    }),
  );
}

const CreateKbSchema = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).nullish(),
  /** The tenant's `llm` integration with an `embeddingModel` (dense retrieval); absent = lexical only. */
  embeddingIntegrationId: z.uuid().nullish(),
});
const IdSchema = z.uuid();
const SingleDocQuerySchema = z.object({
  documentId: z.string().trim().min(1).max(500).optional(),
  title: z.string().max(2000).optional(),
  entity: z.string().max(500).optional(),
});
const PageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const VocabularyQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(500),
});

const kbView = { name: 'KnowledgeBaseView', description: 'The knowledge base' };
const uploadView = { name: 'UploadView', description: 'The upload' };
const unknownKb = 'Unknown knowledge base (or another tenant’s)';

/**
 * Knowledge bases of the credential's tenant (REST, JSON):
 * `POST /v1/knowledge-bases` `{name, description?, embeddingIntegrationId?}`, `GET /v1/knowledge-bases[/:id]`, `DELETE /v1/knowledge-bases/:id`,
 * `POST /v1/knowledge-bases/:id/documents` (streamed body; Content-Type application/x-ndjson,
 * text/markdown, text/html or text/plain), `GET /v1/knowledge-bases/:id/documents`,
 * `DELETE /v1/knowledge-bases/:id/documents/:documentId`, `GET /v1/knowledge-bases/:id/uploads/:uploadId`.
 * Unknown ids and other tenants' ids are 404.
 */
@ApiTags('knowledge-bases')
@ApiTenant()
@Controller('v1/knowledge-bases')
export class KnowledgeBaseController {
  constructor(
    private readonly repo: KnowledgeRepository,
    private readonly ingest: IngestDocumentsUseCase,
    private readonly createKb: CreateKnowledgeBaseUseCase,
    @Inject(INGEST_LIMITS) private readonly limits: IngestLimits,
  ) {}

  @RequireScopes('knowledge:write')
  @Post()
  @ApiOperation({ summary: 'Create a knowledge base (with an embedding integration for dense retrieval)' })
  @ApiJsonBody(CreateKbSchema, { name: 'CreateKnowledgeBaseBody' })
  @ApiJsonResponse(201, KnowledgeBaseViewSchema, kbView)
  @ApiProblem(
    400,
    'Invalid field, or `embeddingIntegrationId` is not an enabled llm integration with an embeddingModel',
  )
  @ApiProblem(409, 'Name already used in this tenant')
  async create(@TenantId() tenantId: string, @Body() body: unknown) {
    const b = parseOr400(CreateKbSchema, body);
    try {
      return await this.createKb.execute({
        tenantId,
        name: b.name,
        description: b.description ?? null,
        embeddingIntegrationId: b.embeddingIntegrationId ?? null,
      });
    } catch (e) {
      if (e instanceof DuplicateNameError) throw new ConflictException(`name: "${b.name}" already exists`);
      if (e instanceof InvalidEmbeddingIntegrationError)
        throw badRequest([
          { field: 'embeddingIntegrationId', message: e.message.replace(/^embeddingIntegrationId: /, '') },
        ]);
      throw e;
    }
  }

  @RequireScopes('knowledge:read')
  @Get()
  @ApiOperation({ summary: "The tenant's knowledge bases" })
  @ApiJsonResponse(200, itemsOf(KnowledgeBaseViewSchema), { description: 'Knowledge bases' })
  async list(@TenantId() tenantId: string) {
    return { items: await this.repo.list(tenantId) };
  }

  @RequireScopes('knowledge:read')
  @Get(':id')
  @ApiOperation({ summary: 'A knowledge base with its counts' })
  @ApiJsonResponse(200, KnowledgeBaseViewSchema, kbView)
  @ApiProblem(404, unknownKb)
  async get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.kbOr404(tenantId, id);
  }

  @RequireScopes('knowledge:write')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a knowledge base with its documents' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiProblem(404, unknownKb)
  async delete(@TenantId() tenantId: string, @Param('id') id: string) {
    if (!IdSchema.safeParse(id).success || !(await this.repo.delete(tenantId, id))) {
      throw new NotFoundException(`knowledge base ${id} not found`);
    }
  }

  /**
   * Streams documents into the knowledge base, all or nothing. Progress: send your own UUID in the
   * `Upload-Id` request header and poll `GET …/uploads/:uploadId` while the body streams (or list
   * `GET …/uploads`). Responds 201 with `{uploadId, documents, chunks, bytes}` once committed; 400
   * naming the line and field of a bad row (nothing stored); 404 unknown KB; 409 reused Upload-Id
   * or unusable embedding integration / changed embedding model; 413 over the byte cap (counted while
   * streaming; `limitBytes` names it); 415 unsupported Content-Type or content that is not UTF-8 text;
   * 502 when the embeddings provider failed (after retries; nothing stored).
   */
  @RequireScopes('knowledge:write')
  @Post(':id/documents')
  @ApiOperation({
    summary: 'Stream documents into the knowledge base (all or nothing)',
    description:
      'JSON Lines (`application/x-ndjson`, also `application/jsonl`, `application/jsonlines`): one `KnowledgeRow` ' +
      'per line; a row whose id exists replaces that document. Markdown, HTML or plain text: one document ' +
      'named by the `documentId` query. Poll progress with your own `Upload-Id` at `GET …/uploads/{uploadId}`.',
  })
  // the request body (one schema per Content-Type) is documented by documentsUploadBody() in ../openapi.ts
  @ApiHeader({
    name: 'Upload-Id',
    required: false,
    description: 'Your UUID for this upload (progress polling)',
  })
  @ApiQuery({ name: 'documentId', required: false, description: 'Document id (single-document formats)' })
  @ApiQuery({ name: 'title', required: false })
  @ApiQuery({ name: 'entity', required: false, description: 'What the document is about' })
  @ApiJsonResponse(201, IngestResultSchema, { description: 'Committed' })
  @ApiProblem(400, 'A bad row (`line` and `field` name it; nothing stored), a bad query field or Upload-Id')
  @ApiProblem(404, unknownKb)
  @ApiProblem(409, 'Upload-Id already used, or the embedding integration is unusable / its model changed')
  @ApiProblem(
    413,
    'Body over ASSIST_MAX_UPLOAD_BYTES (or ASSIST_MAX_DOCUMENT_BYTES for one document); nothing stored',
  )
  @ApiProblem(
    415,
    'Unsupported Content-Type, or a body that is not UTF-8 text (binary content, whatever its label)',
  )
  @ApiProblem(502, 'The embeddings provider failed after retries (nothing stored)')
  async upload(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Query() query: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const format = FORMAT_BY_CONTENT_TYPE[contentType];
    if (!format) {
      req.resume();
      throw new UnsupportedMediaTypeException(
        `Content-Type: must be one of ${Object.keys(FORMAT_BY_CONTENT_TYPE).join(', ')}`,
      );
    }
    if (!IdSchema.safeParse(id).success) {
      req.resume();
      throw new NotFoundException(`knowledge base ${id} not found`);
    }
    const q = parseOr400(SingleDocQuerySchema, query);
    const length = Number(req.headers['content-length']);
    const cap = Math.min(
      this.limits.maxUploadBytes,
      format === 'jsonl' ? Number.MAX_SAFE_INTEGER : this.limits.maxDocumentBytes,
    );
    if (Number.isFinite(length) && length > cap) {
      req.resume();
      throw uploadTooLarge(
        cap,
        cap === this.limits.maxUploadBytes ? 'ASSIST_MAX_UPLOAD_BYTES' : 'ASSIST_MAX_DOCUMENT_BYTES',
      );
    }
    const uploadIdHeader = req.headers['upload-id'];
    if (uploadIdHeader !== undefined && !IdSchema.safeParse(uploadIdHeader).success) {
      req.resume();
      throw badRequest([{ field: 'Upload-Id', message: 'must be a UUID' }]);
    }
    try {
      const r = await this.ingest.execute({
        tenantId,
        knowledgeBaseId: id,
        format,
        body: req,
        totalBytes: Number.isFinite(length) ? length : null,
        single: q.documentId ? { documentId: q.documentId, title: q.title, entity: q.entity } : undefined,
        uploadId: uploadIdHeader as string | undefined,
        onUploadId: (uploadId) => res.setHeader('Upload-Id', uploadId),
      });
      res.status(201);
      return r;
    } catch (e) {
      if (e instanceof UploadIdTakenError)
        throw new ConflictException(`Upload-Id: ${e.message} already used`);
      if (e instanceof KnowledgeBaseNotFoundError)
        throw new NotFoundException(`knowledge base ${id} not found`);
      if (e instanceof EmbeddingConfigError) throw new ConflictException(e.message);
      if (e instanceof LlmError) throw new BadGatewayException(`embeddings: ${e.message}`);
      if (e instanceof BodyTooLargeError)
        throw uploadTooLarge(
          e.limitBytes,
          e.limitBytes === this.limits.maxUploadBytes
            ? 'ASSIST_MAX_UPLOAD_BYTES'
            : 'ASSIST_MAX_DOCUMENT_BYTES',
        );
      if (e instanceof NotTextContentError)
        throw new ProblemResponseException(problemBody(415, `body: ${e.message}`, { field: 'body' }));
      if (e instanceof DocumentFormatError) {
        throw new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: e.message,
          line: e.line,
          field: e.field,
          errors: [
            { field: e.field ?? (e.line !== undefined ? `line ${e.line}` : 'body'), message: e.message },
          ],
        });
      }
      throw e;
    }
  }

  @RequireScopes('knowledge:read')
  @Get(':id/documents')
  @ApiOperation({ summary: 'Documents of a knowledge base, page by page (ordered by id)' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiJsonResponse(200, itemsOf(DocumentSummarySchema), { description: 'Documents' })
  @ApiProblem(404, unknownKb)
  async documents(@TenantId() tenantId: string, @Param('id') id: string, @Query() query: unknown) {
    await this.kbOr404(tenantId, id);
    const p = parseOr400(PageSchema, query);
    return { items: await this.repo.listDocuments(tenantId, id, p.limit, p.offset) };
  }

  /**
   * The knowledge base's entity names, most documented first: the tenant vocabulary that speech recognition
   * spells names with (put into the `genesys_audiohook` integration's `config.vocabulary`; issue 16).
   */
  @RequireScopes('knowledge:read')
  @Get(':id/vocabulary')
  @ApiOperation({ summary: 'Entity names of a knowledge base (tenant vocabulary for speech recognition)' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 500 },
  })
  @ApiJsonResponse(200, itemsOf(VocabularyEntrySchema), { description: 'Entity names' })
  @ApiProblem(404, unknownKb)
  async vocabulary(@TenantId() tenantId: string, @Param('id') id: string, @Query() query: unknown) {
    await this.kbOr404(tenantId, id);
    const q = parseOr400(VocabularyQuerySchema, query);
    return { items: await this.repo.vocabulary(tenantId, id, q.limit) };
  }

  @RequireScopes('knowledge:write')
  @Delete(':id/documents/:documentId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete one document (by the id given at upload)' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiProblem(404, 'Unknown knowledge base or document')
  async deleteDocument(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Param('documentId') documentId: string,
  ) {
    await this.kbOr404(tenantId, id);
    if (!(await this.repo.deleteDocument(tenantId, id, documentId)))
      throw new NotFoundException(`document ${documentId} not found`);
  }

  @RequireScopes('knowledge:read')
  @Get(':id/uploads')
  @ApiOperation({ summary: 'Recent uploads (latest 50) of a knowledge base' })
  @ApiJsonResponse(200, itemsOf(UploadViewSchema), { description: 'Uploads' })
  @ApiProblem(404, unknownKb)
  async uploads(@TenantId() tenantId: string, @Param('id') id: string) {
    await this.kbOr404(tenantId, id);
    return { items: await this.repo.listUploads(tenantId, id) };
  }

  @RequireScopes('knowledge:read')
  @Get(':id/uploads/:uploadId')
  @ApiOperation({ summary: 'Progress of one upload (poll while the body streams)' })
  @ApiParam({ name: 'uploadId', format: 'uuid' })
  @ApiJsonResponse(200, UploadViewSchema, uploadView)
  @ApiProblem(404, 'Unknown upload')
  async uploadStatus(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Param('uploadId') uploadId: string,
  ) {
    const u =
      IdSchema.safeParse(id).success && IdSchema.safeParse(uploadId).success
        ? await this.repo.getUpload(tenantId, id, uploadId)
        : null;
    if (!u) throw new NotFoundException(`upload ${uploadId} not found`);
    return u;
  }

  private async kbOr404(tenantId: string, id: string) {
    const kb = IdSchema.safeParse(id).success ? await this.repo.get(tenantId, id) : null;
    if (!kb) throw new NotFoundException(`knowledge base ${id} not found`);
    return kb;
  }
}
