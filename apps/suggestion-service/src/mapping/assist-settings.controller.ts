import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Put,
  BadRequestException,
} from '@nestjs/common';
import { z } from 'zod';
import { parseOr400, TenantId } from '@hub/http';
import { KnowledgeRepository } from '../knowledge/knowledge.repository';
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

/**
 * Queue-to-KB mapping (seed 001, Middleware › Queue Mapping) and tenant defaults, per `X-Tenant-Id`:
 * `GET /v1/queue-mappings`, `PUT|GET|DELETE /v1/queue-mappings/:queue` (queue or skill name,
 * case-insensitive), `GET|PUT /v1/assist-settings`. A referenced knowledge base or LLM integration
 * that is not the tenant's is a 400 naming the field.
 */
@Controller('v1')
export class AssistSettingsController {
  constructor(
    private readonly repo: AssistSettingsRepository,
    private readonly kbs: KnowledgeRepository,
  ) {}

  @Get('queue-mappings')
  async list(@TenantId() tenantId: string) {
    return { items: await this.repo.listMappings(tenantId) };
  }

  @Get('queue-mappings/:queue')
  async get(@TenantId() tenantId: string, @Param('queue') queue: string) {
    const m = await this.repo.findMapping(tenantId, parseOr400(QueueSchema, queue, 'queue'));
    if (!m) throw new NotFoundException(`no mapping for queue ${queue}`);
    return m;
  }

  @Put('queue-mappings/:queue')
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

  @Delete('queue-mappings/:queue')
  @HttpCode(204)
  async remove(@TenantId() tenantId: string, @Param('queue') queue: string) {
    if (!(await this.repo.deleteMapping(tenantId, parseOr400(QueueSchema, queue, 'queue')))) {
      throw new NotFoundException(`no mapping for queue ${queue}`);
    }
  }

  @Get('assist-settings')
  async settings(@TenantId() tenantId: string) {
    return this.repo.getSettings(tenantId);
  }

  @Put('assist-settings')
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
      throw new BadRequestException(`${kbField}: knowledge base ${kbId} not found`);
    }
    if (llmId && !(await this.repo.llmIntegrationExists(tenantId, llmId))) {
      throw new BadRequestException(`llmIntegrationId: no llm integration ${llmId}`);
    }
  }
}
