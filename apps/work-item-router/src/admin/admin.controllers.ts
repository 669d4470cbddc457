import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { TENANT_HEADER, TenantId, ZodValidationPipe } from '@hub/http';
import {
  AgentIdSchema,
  CreateAgentBodySchema,
  CreateQueueBodySchema,
  CreateTenantBodySchema,
  ListWorkItemsQuerySchema,
  PresenceBodySchema,
  UpdateAgentBodySchema,
  UpdateQueueBodySchema,
  UuidSchema,
  openApiOf,
} from './admin.schemas';
import { AdminRepository } from './admin.repository';
import { AgentsService } from './agents.service';
import { conflict, isUniqueViolation, notFound } from './http-errors';
import { presentQueue, presentWorkItem } from './presenters';
import { QueuesService } from './queues.service';

const tenantHeader = { name: TENANT_HEADER, required: true, description: 'Tenant id (lower-case slug)' };
const idPipe = new ZodValidationPipe(UuidSchema, 'id');
const agentIdPipe = new ZodValidationPipe(AgentIdSchema, 'id');

/** `POST /v1/tenants`: a tenant and, automatically, its default queue "Default". */
@ApiTags('tenants')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly repo: AdminRepository) {}

  @Post()
  @ApiOperation({
    summary: 'Create a tenant; its default queue "Default" (is_default) is created automatically',
  })
  @ApiBody({ schema: openApiOf(CreateTenantBodySchema) })
  @ApiResponse({ status: 201, description: 'Tenant with its default queue' })
  @ApiResponse({ status: 400, description: 'Malformed body (fields named)' })
  @ApiResponse({ status: 409, description: 'Tenant id taken' })
  async create(
    @Body(new ZodValidationPipe(CreateTenantBodySchema)) body: z.infer<typeof CreateTenantBodySchema>,
  ) {
    try {
      const t = await this.repo.createTenant(body.id, body.name);
      const queues = await this.repo.listQueues(t.id);
      const def = queues.find((q) => q.isDefault) ?? null;
      return {
        id: t.id,
        name: t.name,
        createdAt: t.createdAt.toISOString(),
        defaultQueue: def && presentQueue(def),
      };
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('id', `tenant ${body.id} already exists`);
      throw e;
    }
  }
}

/** Queues of the header's tenant. */
@ApiTags('queues')
@ApiHeader(tenantHeader)
@Controller('v1/queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Post()
  @ApiOperation({ summary: 'Create a queue' })
  @ApiBody({ schema: openApiOf(CreateQueueBodySchema) })
  @ApiResponse({ status: 201, description: 'The queue' })
  @ApiResponse({ status: 404, description: 'Unknown tenant' })
  @ApiResponse({ status: 409, description: 'Name taken' })
  create(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(CreateQueueBodySchema)) body: z.infer<typeof CreateQueueBodySchema>,
  ) {
    return this.queues.create(tenantId, body);
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's queues" })
  list(@TenantId() tenantId: string) {
    return this.queues.list(tenantId);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 404, description: 'Unknown queue' })
  get(@TenantId() tenantId: string, @Param('id', idPipe) id: string) {
    return this.queues.get(tenantId, id);
  }

  @Patch(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ schema: openApiOf(UpdateQueueBodySchema) })
  @ApiResponse({ status: 404, description: 'Unknown queue' })
  update(
    @TenantId() tenantId: string,
    @Param('id', idPipe) id: string,
    @Body(new ZodValidationPipe(UpdateQueueBodySchema)) body: z.infer<typeof UpdateQueueBodySchema>,
  ) {
    return this.queues.update(tenantId, id, body);
  }
}

/** Agents of the header's tenant. */
@ApiTags('agents')
@ApiHeader(tenantHeader)
@Controller('v1/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an agent (starts offline)' })
  @ApiBody({ schema: openApiOf(CreateAgentBodySchema) })
  @ApiResponse({ status: 201, description: 'The agent' })
  @ApiResponse({ status: 404, description: 'Unknown tenant' })
  @ApiResponse({ status: 409, description: 'Agent id taken' })
  @ApiResponse({ status: 422, description: 'Unknown queue id in queueIds' })
  create(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(CreateAgentBodySchema)) body: z.infer<typeof CreateAgentBodySchema>,
  ) {
    return this.agents.create(tenantId, body);
  }

  @Get()
  list(@TenantId() tenantId: string) {
    return this.agents.list(tenantId);
  }

  @Get(':id')
  @ApiResponse({ status: 404, description: 'Unknown agent' })
  get(@TenantId() tenantId: string, @Param('id', agentIdPipe) id: string) {
    return this.agents.get(tenantId, id);
  }

  @Patch(':id')
  @ApiBody({ schema: openApiOf(UpdateAgentBodySchema) })
  @ApiResponse({ status: 404, description: 'Unknown agent' })
  @ApiResponse({ status: 422, description: 'Unknown queue id in queueIds' })
  update(
    @TenantId() tenantId: string,
    @Param('id', agentIdPipe) id: string,
    @Body(new ZodValidationPipe(UpdateAgentBodySchema)) body: z.infer<typeof UpdateAgentBodySchema>,
  ) {
    return this.agents.update(tenantId, id, body);
  }

  @Put(':id/presence')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set presence (same use case as the set_presence command)' })
  @ApiBody({ schema: openApiOf(PresenceBodySchema) })
  @ApiResponse({ status: 404, description: 'Unknown agent' })
  setPresence(
    @TenantId() tenantId: string,
    @Param('id', agentIdPipe) id: string,
    @Body(new ZodValidationPipe(PresenceBodySchema)) body: z.infer<typeof PresenceBodySchema>,
  ) {
    return this.agents.setPresence(tenantId, id, body.presence);
  }
}

/** Work items of the header's tenant (read-only; state changes come as commands). */
@ApiTags('work-items')
@ApiHeader(tenantHeader)
@Controller('v1/work-items')
export class WorkItemsController {
  constructor(private readonly repo: AdminRepository) {}

  @Get()
  @ApiQuery({
    name: 'status',
    required: false,
    enum: ['waiting', 'offered', 'assigned', 'completed', 'withdrawn', 'failed'],
  })
  @ApiQuery({ name: 'queueId', required: false })
  @ApiQuery({ name: 'agentId', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async list(
    @TenantId() tenantId: string,
    @Query(new ZodValidationPipe(ListWorkItemsQuerySchema)) q: z.infer<typeof ListWorkItemsQuerySchema>,
  ) {
    return (await this.repo.listWorkItems(tenantId, q)).map(presentWorkItem);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'Work item with context, transfer history and offers' })
  @ApiResponse({ status: 404, description: 'Unknown work item' })
  async get(@TenantId() tenantId: string, @Param('id', idPipe) id: string) {
    const w = await this.repo.findWorkItem(tenantId, id);
    if (!w) throw notFound(`unknown work item ${id}`);
    return presentWorkItem(w);
  }
}
