import { PlatformAdminOnly, RequireScopes } from '@hub/auth';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId, ZodValidationPipe } from '@hub/http';
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
} from './admin.schemas';
import { AgentViewSchema, QueueViewSchema, TenantViewSchema, WorkItemViewSchema } from './admin.openapi';
import { AdminRepository } from './admin.repository';
import { AgentsService } from './agents.service';
import { conflict, isUniqueViolation, notFound } from './http-errors';
import { presentQueue, presentWorkItem } from './presenters';
import { QueuesService } from './queues.service';

const queue = { name: 'QueueView', description: 'The queue' };
const agent = { name: 'AgentView', description: 'The agent' };
const idPipe = new ZodValidationPipe(UuidSchema, 'id');
const agentIdPipe = new ZodValidationPipe(AgentIdSchema, 'id');

/** `POST /v1/tenants`: a tenant and, automatically, its default queue "Default". */
@ApiTags('tenants')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly repo: AdminRepository) {}

  @PlatformAdminOnly()
  @Post()
  @ApiOperation({
    summary: 'Create a tenant; its default queue "Default" (is_default) is created automatically',
  })
  @ApiJsonBody(CreateTenantBodySchema, { name: 'CreateTenantBody' })
  @ApiJsonResponse(201, TenantViewSchema, { description: 'Tenant with its default queue' })
  @ApiProblem(400, 'Malformed body (fields named in `errors[].field`)')
  @ApiProblem(409, 'Tenant id taken')
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
@ApiTenant()
@Controller('v1/queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @RequireScopes('routing:admin')
  @Post()
  @ApiOperation({ summary: 'Create a queue' })
  @ApiJsonBody(CreateQueueBodySchema, { name: 'CreateQueueBody' })
  @ApiJsonResponse(201, QueueViewSchema, queue)
  @ApiProblem(404, 'Unknown tenant')
  @ApiProblem(409, 'Name taken')
  create(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(CreateQueueBodySchema)) body: z.infer<typeof CreateQueueBodySchema>,
  ) {
    return this.queues.create(tenantId, body);
  }

  @RequireScopes('routing:read')
  @Get()
  @ApiOperation({ summary: "List the tenant's queues" })
  @ApiJsonResponse(200, z.array(QueueViewSchema), { description: 'Queues' })
  list(@TenantId() tenantId: string) {
    return this.queues.list(tenantId);
  }

  @RequireScopes('routing:read')
  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'A queue' })
  @ApiJsonResponse(200, QueueViewSchema, queue)
  @ApiProblem(404, 'Unknown queue')
  get(@TenantId() tenantId: string, @Param('id', idPipe) id: string) {
    return this.queues.get(tenantId, id);
  }

  @RequireScopes('routing:admin')
  @Patch(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'Update a queue (any subset of its fields)' })
  @ApiJsonBody(UpdateQueueBodySchema, { name: 'UpdateQueueBody' })
  @ApiJsonResponse(200, QueueViewSchema, queue)
  @ApiProblem(404, 'Unknown queue')
  @ApiProblem(409, 'Name taken')
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
@ApiTenant()
@Controller('v1/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @RequireScopes('routing:admin')
  @Post()
  @ApiOperation({ summary: 'Create an agent (starts offline)' })
  @ApiJsonBody(CreateAgentBodySchema, { name: 'CreateAgentBody' })
  @ApiJsonResponse(201, AgentViewSchema, agent)
  @ApiProblem(404, 'Unknown tenant')
  @ApiProblem(409, 'Agent id taken')
  @ApiProblem(422, 'Unknown queue id in queueIds (`errors[].field` = `queueIds.<index>`)')
  create(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(CreateAgentBodySchema)) body: z.infer<typeof CreateAgentBodySchema>,
  ) {
    return this.agents.create(tenantId, body);
  }

  @RequireScopes('routing:read')
  @Get()
  @ApiOperation({ summary: "List the tenant's agents" })
  @ApiJsonResponse(200, z.array(AgentViewSchema), { description: 'Agents' })
  list(@TenantId() tenantId: string) {
    return this.agents.list(tenantId);
  }

  @RequireScopes('routing:read')
  @Get(':id')
  @ApiOperation({ summary: 'An agent (presence, capacity, load, queues)' })
  @ApiJsonResponse(200, AgentViewSchema, agent)
  @ApiProblem(404, 'Unknown agent')
  get(@TenantId() tenantId: string, @Param('id', agentIdPipe) id: string) {
    return this.agents.get(tenantId, id);
  }

  @RequireScopes('routing:admin')
  @Patch(':id')
  @ApiOperation({ summary: 'Update an agent (any subset; queueIds replaces the memberships)' })
  @ApiJsonBody(UpdateAgentBodySchema, { name: 'UpdateAgentBody' })
  @ApiJsonResponse(200, AgentViewSchema, agent)
  @ApiProblem(404, 'Unknown agent')
  @ApiProblem(422, 'Unknown queue id in queueIds (`errors[].field` = `queueIds.<index>`)')
  update(
    @TenantId() tenantId: string,
    @Param('id', agentIdPipe) id: string,
    @Body(new ZodValidationPipe(UpdateAgentBodySchema)) body: z.infer<typeof UpdateAgentBodySchema>,
  ) {
    return this.agents.update(tenantId, id, body);
  }

  @RequireScopes('routing:admin')
  @Put(':id/presence')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set presence (same use case as the set_presence command)' })
  @ApiJsonBody(PresenceBodySchema, { name: 'PresenceBody' })
  @ApiJsonResponse(200, AgentViewSchema, agent)
  @ApiProblem(404, 'Unknown agent')
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
@ApiTenant()
@Controller('v1/work-items')
export class WorkItemsController {
  constructor(private readonly repo: AdminRepository) {}

  @RequireScopes('routing:read')
  @Get()
  @ApiOperation({ summary: 'List work items (newest first), optionally filtered' })
  @ApiJsonResponse(200, z.array(WorkItemViewSchema), { description: 'Work items' })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: ['waiting', 'offered', 'assigned', 'completed', 'withdrawn', 'failed'],
  })
  @ApiQuery({ name: 'queueId', required: false, schema: { type: 'string', format: 'uuid' } })
  @ApiQuery({ name: 'agentId', required: false })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  })
  async list(
    @TenantId() tenantId: string,
    @Query(new ZodValidationPipe(ListWorkItemsQuerySchema)) q: z.infer<typeof ListWorkItemsQuerySchema>,
  ) {
    return (await this.repo.listWorkItems(tenantId, q)).map(presentWorkItem);
  }

  @RequireScopes('routing:read')
  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'A work item with context, transfer history and offers' })
  @ApiJsonResponse(200, WorkItemViewSchema, {
    name: 'WorkItemView',
    description: 'Work item with context, transfer history and offers',
  })
  @ApiProblem(404, 'Unknown work item')
  async get(@TenantId() tenantId: string, @Param('id', idPipe) id: string) {
    const w = await this.repo.findWorkItem(tenantId, id);
    if (!w) throw notFound(`unknown work item ${id}`);
    return presentWorkItem(w);
  }
}
