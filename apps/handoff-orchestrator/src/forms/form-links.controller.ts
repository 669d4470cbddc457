import { RequireScopes } from '@hub/auth';
import { Body, Controller, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId, ZodValidationPipe } from '@hub/http';
import {
  IssueFormLinkBodySchema,
  IssuedFormLinkSchema,
  type IssueFormLinkBody,
  type IssuedFormLink,
} from './form.schemas';
import { IssueFormLinkUseCase } from './usecases/issue-form-link.usecase';

/**
 * `POST /v1/forms/links` = the `send_secure_form` tool (the tool call's arguments are the body): a signed,
 * time-limited, single-use link to a form prefilled with what the bot gathered. Scope `forms:send`.
 */
@ApiTags('forms')
@ApiTenant()
@Controller('v1/forms/links')
export class FormLinksController {
  constructor(private readonly links: IssueFormLinkUseCase) {}

  @RequireScopes('forms:send')
  @Post()
  @ApiOperation({
    summary: 'send_secure_form: issue a single-use link to a prefilled form',
    description:
      'The prefilled data stays on the server (the URL carries only a signed JWT: aud, exp, jti). Sensitive ' +
      'fields cannot be prefilled. On submit the tenant’s webhook receives the data and the conversation an ' +
      'internal note (docs/forms.md).',
  })
  @ApiJsonBody(IssueFormLinkBodySchema, { name: 'IssueFormLinkBody' })
  @ApiJsonResponse(201, IssuedFormLinkSchema, { name: 'IssuedFormLink', description: 'The link' })
  @ApiProblem(400, 'Invalid request; `errors[].field` names each bad field (e.g. `prefilled_data.postcode`)')
  @ApiProblem(404, 'Unknown template (`template_id`) or decision (`decision_id`)')
  issue(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(IssueFormLinkBodySchema)) body: IssueFormLinkBody,
    @Req() req: Request,
  ): Promise<IssuedFormLink> {
    return this.links.issue(tenantId, body, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  }
}
