import { RequireScopes } from '@hub/auth';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId, ZodValidationPipe } from '@hub/http';
import {
  FormTemplateBodySchema,
  FormTemplateListSchema,
  FormTemplateSchema,
  type FormTemplate,
  type FormTemplateBody,
} from './form.schemas';
import { ManageFormTemplatesUseCase } from './usecases/manage-form-templates.usecase';

/**
 * `/v1/forms/templates` (Settings → Forms): the tenant's form templates — fields with types and validation,
 * which are sensitive, target page and submission webhook (docs/forms.md). Scope `forms:admin`.
 */
@ApiTags('forms')
@ApiTenant()
@Controller('v1/forms/templates')
export class FormTemplatesController {
  constructor(private readonly templates: ManageFormTemplatesUseCase) {}

  @RequireScopes('forms:admin')
  @Post()
  @ApiOperation({ summary: 'Create a form template' })
  @ApiJsonBody(FormTemplateBodySchema, { name: 'FormTemplateBody' })
  @ApiJsonResponse(201, FormTemplateSchema, { name: 'FormTemplate', description: 'Created' })
  @ApiProblem(400, 'Invalid template; `errors[].field` names each bad field (e.g. `fields.2.pattern`)')
  @ApiProblem(409, 'A template of that name exists')
  create(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(FormTemplateBodySchema)) body: FormTemplateBody,
  ): Promise<FormTemplate> {
    return this.templates.create(tenantId, body);
  }

  @RequireScopes('forms:admin')
  @Get()
  @ApiOperation({ summary: 'The tenant’s form templates' })
  @ApiJsonResponse(200, FormTemplateListSchema, { name: 'FormTemplateList', description: 'Templates' })
  async list(@TenantId() tenantId: string): Promise<{ items: FormTemplate[] }> {
    return { items: await this.templates.list(tenantId) };
  }

  @RequireScopes('forms:admin')
  @Get(':id')
  @ApiOperation({ summary: 'One form template' })
  @ApiJsonResponse(200, FormTemplateSchema, { name: 'FormTemplate', description: 'The template' })
  @ApiProblem(404, 'No such template for this tenant')
  get(@TenantId() tenantId: string, @Param('id') id: string): Promise<FormTemplate> {
    return this.templates.get(tenantId, id);
  }

  @RequireScopes('forms:admin')
  @Put(':id')
  @ApiOperation({ summary: 'Replace a form template (revision + 1; issued links use the new fields)' })
  @ApiJsonBody(FormTemplateBodySchema, { name: 'FormTemplateBody' })
  @ApiJsonResponse(200, FormTemplateSchema, { name: 'FormTemplate', description: 'Replaced' })
  @ApiProblem(400, 'Invalid template; `errors[].field` names each bad field')
  @ApiProblem(404, 'No such template for this tenant')
  @ApiProblem(409, 'A template of that name exists')
  replace(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(FormTemplateBodySchema)) body: FormTemplateBody,
  ): Promise<FormTemplate> {
    return this.templates.replace(tenantId, id, body);
  }

  @RequireScopes('forms:admin')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a form template and its links (open links then answer 404)' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiProblem(404, 'No such template for this tenant')
  async delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    await this.templates.delete(tenantId, id);
  }
}
