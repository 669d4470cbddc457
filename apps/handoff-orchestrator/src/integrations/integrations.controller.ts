import { RequireScopes } from '@hub/auth';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId } from '@hub/http';
import { ZodValidationPipe } from '@hub/http';
import { IntegrationViewSchema } from '../http/openapi';
import { IntegrationsService } from './integrations.service';
import {
  AdminIntegrationTypeSchema,
  CreateIntegrationBodySchema,
  ListIntegrationsQuerySchema,
  UpdateIntegrationBodySchema,
  type CreateIntegrationBody,
  type UpdateIntegrationBody,
} from './integrations.schema';
import type { IntegrationView } from './integration.presenter';

/** `/v1/integrations`: a tenant's integrations (internal adapter, CCaaS connectors, LLM provider). */
@ApiTags('integrations')
@ApiTenant()
@Controller('v1/integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @RequireScopes('integrations:admin')
  @Post()
  @ApiOperation({ summary: 'Create an integration; config/secrets are validated by its type' })
  @ApiJsonBody(CreateIntegrationBodySchema, { name: 'CreateIntegrationBody' })
  @ApiJsonResponse(201, IntegrationViewSchema, {
    name: 'IntegrationView',
    description: 'Created (secrets redacted)',
  })
  @ApiProblem(400, 'Invalid field (named in `errors[].field`)')
  @ApiProblem(
    409,
    'Name already used in this tenant, or a vendor identifier (config.subscription, secrets.apiKey, config.eightByEightTenant) registered by another integration',
  )
  @ApiProblem(422, 'config.defaultQueueId is not a queue of this tenant')
  create(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(CreateIntegrationBodySchema)) body: CreateIntegrationBody,
  ): Promise<IntegrationView> {
    return this.integrations.create(tenantId, body);
  }

  @RequireScopes('integrations:admin')
  @Get()
  @ApiOperation({ summary: "List the tenant's integrations (optionally of one type)" })
  @ApiQuery({ name: 'type', required: false, enum: AdminIntegrationTypeSchema.options })
  @ApiJsonResponse(200, z.array(IntegrationViewSchema), { description: 'Integrations (secrets redacted)' })
  list(
    @TenantId() tenantId: string,
    @Query(new ZodValidationPipe(ListIntegrationsQuerySchema)) q: { type?: CreateIntegrationBody['type'] },
  ): Promise<IntegrationView[]> {
    return this.integrations.list(tenantId, q.type);
  }

  @RequireScopes('integrations:admin')
  @Get(':id')
  @ApiOperation({ summary: 'An integration (secrets redacted)' })
  @ApiJsonResponse(200, IntegrationViewSchema, { name: 'IntegrationView', description: 'The integration' })
  @ApiProblem(404, 'Unknown id (or another tenant’s)')
  get(@TenantId() tenantId: string, @Param('id') id: string): Promise<IntegrationView> {
    return this.integrations.get(tenantId, id);
  }

  @RequireScopes('integrations:admin')
  @Patch(':id')
  @ApiOperation({ summary: 'Update name/enabled; config and secrets are replaced when given' })
  @ApiJsonBody(UpdateIntegrationBodySchema, { name: 'UpdateIntegrationBody' })
  @ApiJsonResponse(200, IntegrationViewSchema, {
    name: 'IntegrationView',
    description: 'Updated (secrets redacted)',
  })
  @ApiProblem(400, 'Invalid field (named in `errors[].field`)')
  @ApiProblem(404, 'Unknown id (or another tenant’s)')
  @ApiProblem(
    409,
    'Name already used in this tenant, or a vendor identifier registered by another integration',
  )
  @ApiProblem(422, 'config.defaultQueueId is not a queue of this tenant')
  update(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(UpdateIntegrationBodySchema)) body: UpdateIntegrationBody,
  ): Promise<IntegrationView> {
    return this.integrations.update(tenantId, id, body);
  }

  @RequireScopes('integrations:admin')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an integration' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiProblem(404, 'Unknown id (or another tenant’s)')
  async delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    await this.integrations.delete(tenantId, id);
  }
}
