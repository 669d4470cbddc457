import { RequireScopes } from '@hub/auth';
import { Body, Controller, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId, ZodValidationPipe } from '@hub/http';
import { KnowledgeRepository } from '../knowledge/knowledge.repository';
import { RetrieveUseCase } from './retrieve.usecase';

/** Options of {@link KnowledgeSearchController}. */
export interface KnowledgeSearchOptions {
  /** Confidence in [0, 1] below which a bot should not answer from the knowledge base (ASSIST_RETRIEVAL_CONFIDENCE_THRESHOLD). */
  confidenceThreshold: number;
}
export const KNOWLEDGE_SEARCH_OPTIONS = Symbol('KNOWLEDGE_SEARCH_OPTIONS');

/** Body of `POST /v1/knowledge-bases/{id}/search`: the conversation so far (oldest first) or a single query. */
export const KnowledgeSearchRequestSchema = z
  .object({
    /** Turns of the conversation, oldest first; the last customer turn is the question. */
    turns: z
      .array(z.object({ speaker: z.enum(['customer', 'agent']), text: z.string().min(1).max(20_000) }))
      .min(1)
      .max(200)
      .optional(),
    /** A single customer question (instead of `turns`). */
    query: z.string().trim().min(1).max(20_000).optional(),
    topK: z.number().int().min(1).max(20).default(5),
  })
  .refine((b) => b.turns !== undefined || b.query !== undefined, {
    message: 'give turns or query',
    path: ['query'],
  });
export type KnowledgeSearchRequest = z.infer<typeof KnowledgeSearchRequestSchema>;

/** Response of the search: ranked chunks with scores, the retrieval confidence and the threshold to compare it with. */
export const KnowledgeSearchResultSchema = z.object({
  knowledgeBaseId: z.uuid(),
  question: z.string(),
  confidence: z.number().min(0).max(1).describe('Retrieval confidence of the ranking, in [0, 1]'),
  threshold: z.number().min(0).max(1).describe('Below this confidence the bot should not guess'),
  confident: z.boolean().describe('`confidence >= threshold`'),
  mode: z.enum(['lexical', 'hybrid']),
  chunks: z.array(
    z.object({
      chunkId: z.string(),
      documentId: z.string(),
      title: z.string().nullable(),
      text: z.string(),
      score: z
        .number()
        .describe('Ranker score (BM25F, or RRF-fused when hybrid); comparable within one answer'),
    }),
  ),
});
export type KnowledgeSearchResult = z.infer<typeof KnowledgeSearchResultSchema>;

/**
 * `POST /v1/knowledge-bases/{id}/search`: the suggestion service's own retrieval (the same {@link RetrieveUseCase}
 * agent assist uses) for callers outside it — the orchestrator's escalation decisions use its confidence as the
 * "retrieval confidence" signal (issue 10). Read-only; scope `knowledge:read`.
 */
@ApiTags('knowledge')
@ApiTenant()
@Controller('v1/knowledge-bases')
export class KnowledgeSearchController {
  constructor(
    private readonly retrieve: RetrieveUseCase,
    private readonly kbs: KnowledgeRepository,
    @Inject(KNOWLEDGE_SEARCH_OPTIONS) private readonly options: KnowledgeSearchOptions,
  ) {}

  @RequireScopes('knowledge:read')
  @Post(':id/search')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Search a knowledge base: ranked chunks with scores, the retrieval confidence and its threshold',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiJsonBody(KnowledgeSearchRequestSchema, { name: 'KnowledgeSearchRequest' })
  @ApiJsonResponse(200, KnowledgeSearchResultSchema, {
    name: 'KnowledgeSearchResult',
    description: 'Ranked chunks',
  })
  @ApiProblem(400, 'Malformed request; `errors[].field` names each bad field')
  @ApiProblem(404, 'Unknown knowledge base (or another tenant’s)')
  async search(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(KnowledgeSearchRequestSchema)) body: KnowledgeSearchRequest,
  ): Promise<KnowledgeSearchResult> {
    const kb = z.uuid().safeParse(id).success ? await this.kbs.get(tenantId, id) : null;
    if (!kb) throw new NotFoundException(`knowledge base ${id} not found`);
    const window = (body.turns ?? [{ speaker: 'customer' as const, text: body.query as string }]).map(
      (t, i) => ({
        utteranceId: String(i),
        speaker: t.speaker,
        text: t.text,
      }),
    );
    const r = await this.retrieve.execute({ tenantId, knowledgeBaseId: id, window, topK: body.topK });
    const threshold = this.options.confidenceThreshold;
    return {
      knowledgeBaseId: id,
      question: r.question,
      confidence: r.confidence,
      threshold,
      confident: r.confidence >= threshold,
      mode: r.ranking.mode,
      chunks: r.passages.map((p) => ({
        chunkId: p.chunkId,
        documentId: p.documentId,
        title: p.title,
        text: p.text,
        score: p.score,
      })),
    };
  }
}
