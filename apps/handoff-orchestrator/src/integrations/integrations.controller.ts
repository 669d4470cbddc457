import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { TENANT_HEADER, TenantId } from '@hub/http';
import { ZodValidationPipe } from '@hub/http';
import { jsonSchemaOf } from '../http/openapi';
import { IntegrationsService } from './integrations.service';
import {
  CreateIntegrationBodySchema,
  ListIntegrationsQuerySchema,
  UpdateIntegrationBodySchema,
  type CreateIntegrationBody,
  type UpdateIntegrationBody,
} from './integrations.schema';
import type { IntegrationView } from './integration.presenter';

/** `/v1/integrations`: a tenant's integrations (internal adapter, CCaaS connectors, LLM provider). */
@ApiTags('integrations')
@ApiHeader({ name: TENANT_HEADER, required: true, description: 'Tenant slug (set by the API gateway)' })
@Controller('v1/integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an integration; config/secrets are validated by its type' })
  @ApiBody({ schema: jsonSchemaOf(CreateIntegrationBodySchema) })
  @ApiResponse({ status: 201, description: 'Created (secrets redacted)' })
  @ApiResponse({ status: 400, description: 'Invalid field (named in `errors[].field`)' })
  @ApiResponse({ status: 409, description: 'Name already used in this tenant' })
  @ApiResponse({ status: 422, description: 'config.defaultQueueId is not a queue of this tenant' })
  create(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(CreateIntegrationBodySchema)) body: CreateIntegrationBody,
  ): Promise<IntegrationView> {
    return this.integrations.create(tenantId, body);
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's integrations (optionally of one type)" })
  @ApiQuery({ name: 'type', required: false })
  list(
    @TenantId() tenantId: string,
    @Query(new ZodValidationPipe(ListIntegrationsQuerySchema)) q: { type?: CreateIntegrationBody['type'] },
  ): Promise<IntegrationView[]> {
    return this.integrations.list(tenantId, q.type);
  }

  @Get(':id')
  @ApiResponse({ status: 404, description: 'Unknown id (or another tenant’s)' })
  get(@TenantId() tenantId: string, @Param('id') id: string): Promise<IntegrationView> {
    return this.integrations.get(tenantId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update name/enabled; config and secrets are replaced when given' })
  @ApiBody({ schema: jsonSchemaOf(UpdateIntegrationBodySchema) })
  update(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(UpdateIntegrationBodySchema)) body: UpdateIntegrationBody,
  ): Promise<IntegrationView> {
    return this.integrations.update(tenantId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    await this.integrations.delete(tenantId, id);
  }
}
