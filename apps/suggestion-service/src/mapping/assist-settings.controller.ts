import { RequireScopes } from '@hub/auth';
import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  ApiJsonBody,
  ApiJsonResponse,
  ApiProblem,
  ApiTenant,
  badRequest,
  parseOr400,
  TenantId,
} from '@hub/http';
import { KnowledgeRepository } from '../knowledge/knowledge.repository';
import { AssistSettingsViewSchema, itemsOf, QueueMappingViewSchema } from '../openapi';
import { AssistSettingsRepository } from './assist-settings.repository';

const MappingSchema = z.object({
  knowledgeBaseId: z.uuid(),
  systemPrompt: z.string().max(20_000).nullish(),
  llmIntegrationId: z.uuid().nullish(),
});
const SettingsSchema = z.object({
  defaultKnowledgeBaseId: z.uuid().nullish(),
  defaultSystemPrompt: z.string().max(20_000).nullish(),
  llmIntegrationId: z.uuid().nullish(),
});
const QueueSchema = z.string().trim().min(1).max(200);

const mappingView = { name: 'QueueMappingView', description: 'The mapping' };
const settingsView = { name: 'AssistSettingsView', description: 'The tenant defaults' };
const queueParam = { name: 'queue', description: 'Queue or skill name (case-insensitive)' };

/**
 * Queue-to-KB mapping (seed 001, Middleware › Queue Mapping) and tenant defaults, per the credential's tenant:
 * `GET /v1/queue-mappings`, `PUT|GET|DELETE /v1/queue-mappings/:queue` (queue or skill name,
 * case-insensitive), `GET|PUT /v1/assist-settings`. A referenced knowledge base or LLM integration
 * that is not the tenant's is a 400 naming the field.
 */
@ApiTags('assist-settings')
@ApiTenant()
@Controller('v1')
export class AssistSettingsController {
  constructor(
    private readonly repo: AssistSettingsRepository,
    private readonly kbs: KnowledgeRepository,
  ) {}

  @RequireScopes('knowledge:read')
  @Get('queue-mappings')
  @ApiOperation({ summary: "The tenant's queue-to-knowledge-base mappings" })
  @ApiJsonResponse(200, itemsOf(QueueMappingViewSchema), { description: 'Mappings' })
  async list(@TenantId() tenantId: string) {
    return { items: await this.repo.listMappings(tenantId) };
  }

  @RequireScopes('knowledge:read')
  @Get('queue-mappings/:queue')
  @ApiOperation({ summary: 'The mapping of a queue' })
  @ApiParam(queueParam)
  @ApiJsonResponse(200, QueueMappingViewSchema, mappingView)
  @ApiProblem(404, 'No mapping for this queue')
  async get(@TenantId() tenantId: string, @Param('queue') queue: string) {
    const m = await this.repo.findMapping(tenantId, parseOr400(QueueSchema, queue, 'queue'));
    if (!m) throw new NotFoundException(`no mapping for queue ${queue}`);
    return m;
  }

  @RequireScopes('knowledge:write')
  @Put('queue-mappings/:queue')
  @ApiOperation({
    summary: 'Map a queue to a knowledge base (with an optional system prompt and LLM integration)',
  })
  @ApiParam(queueParam)
  @ApiJsonBody(MappingSchema, { name: 'QueueMappingBody' })
  @ApiJsonResponse(200, QueueMappingViewSchema, mappingView)
  @ApiProblem(
    400,
    'Invalid field, or a knowledge base / llm integration that is not the tenant’s (field named)',
  )
  async put(@TenantId() tenantId: string, @Param('queue') queue: string, @Body() body: unknown) {
    const q = parseOr400(QueueSchema, queue, 'queue');
    const b = parseOr400(MappingSchema, body);
    await this.checkRefs(tenantId, b.knowledgeBaseId, b.llmIntegrationId ?? null);
    return this.repo.upsertMapping(tenantId, q, {
      knowledgeBaseId: b.knowledgeBaseId,
      systemPrompt: b.systemPrompt ?? null,
      llmIntegrationId: b.llmIntegrationId ?? null,
    });
  }

  @RequireScopes('knowledge:write')
  @Delete('queue-mappings/:queue')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a queue's mapping" })
  @ApiParam(queueParam)
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiProblem(404, 'No mapping for this queue')
  async remove(@TenantId() tenantId: string, @Param('queue') queue: string) {
    if (!(await this.repo.deleteMapping(tenantId, parseOr400(QueueSchema, queue, 'queue')))) {
      throw new NotFoundException(`no mapping for queue ${queue}`);
    }
  }

  @RequireScopes('knowledge:read')
  @Get('assist-settings')
  @ApiOperation({ summary: 'Tenant defaults used when no mapping matches' })
  @ApiJsonResponse(200, AssistSettingsViewSchema, settingsView)
  async settings(@TenantId() tenantId: string) {
    return this.repo.getSettings(tenantId);
  }

  @RequireScopes('knowledge:write')
  @Put('assist-settings')
  @ApiOperation({ summary: 'Replace the tenant defaults' })
  @ApiJsonBody(SettingsSchema, { name: 'AssistSettingsBody' })
  @ApiJsonResponse(200, AssistSettingsViewSchema, settingsView)
  @ApiProblem(
    400,
    'Invalid field, or a knowledge base / llm integration that is not the tenant’s (field named)',
  )
  async putSettings(@TenantId() tenantId: string, @Body() body: unknown) {
    const b = parseOr400(SettingsSchema, body);
    await this.checkRefs(
      tenantId,
      b.defaultKnowledgeBaseId ?? null,
      b.llmIntegrationId ?? null,
      'defaultKnowledgeBaseId',
    );
    return this.repo.putSettings(tenantId, {
      defaultKnowledgeBaseId: b.defaultKnowledgeBaseId ?? null,
      defaultSystemPrompt: b.defaultSystemPrompt ?? null,
      llmIntegrationId: b.llmIntegrationId ?? null,
    });
  }

  private async checkRefs(
    tenantId: string,
    kbId: string | null,
    llmId: string | null,
    kbField = 'knowledgeBaseId',
  ) {
    if (kbId && !(await this.kbs.get(tenantId, kbId))) {
      throw badRequest([{ field: kbField, message: `knowledge base ${kbId} not found` }]);
    }
    if (llmId && !(await this.repo.llmIntegrationExists(tenantId, llmId))) {
      throw badRequest([{ field: 'llmIntegrationId', message: `no llm integration ${llmId}` }]);
    }
  }
}
