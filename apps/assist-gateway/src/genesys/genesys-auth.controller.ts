import { AuthenticatedBy } from '@hub/auth';
import { Controller, Get, HttpException, NotFoundException, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { TenantIdSchema } from '@hub/contracts';
import { ApiProblem, ZodValidationPipe } from '@hub/http';
import { GenesysLoginError } from './genesys-oauth.client';
import {
  CompleteGenesysLoginUseCase,
  GenesysNotConfiguredError,
  StartGenesysLoginUseCase,
} from './usecases/genesys-login.usecases';

const StartQuerySchema = z.object({
  tenant: TenantIdSchema,
  /** Genesys conversation id (Interaction Widget URL template `{{gcConversationId}}`). */
  conversationId: z.string().min(1).max(200),
  integrationId: z.uuid().optional(),
});

/**
 * Genesys Cloud agent sign-in for the widget (Authorization Code + PKCE):
 *  - `GET /v1/auth/genesys/start?tenant=&conversationId=[&integrationId=]` → 302 to the org's authorize endpoint;
 *  - `GET /v1/auth/genesys/callback?code=&state=` → 302 to `/widget/#token=<session token>`;
 *    401 `{reason}` when the login cannot be completed.
 */
@ApiTags('genesys-auth')
@AuthenticatedBy('genesys-oauth')
@Controller('v1/auth/genesys')
export class GenesysAuthController {
  constructor(
    private readonly start: StartGenesysLoginUseCase,
    private readonly complete: CompleteGenesysLoginUseCase,
  ) {}

  @Get('start')
  @ApiOperation({ summary: 'Start the Genesys Cloud agent sign-in (Authorization Code + PKCE)' })
  @ApiQuery({ name: 'tenant', required: true, description: 'Tenant slug' })
  @ApiQuery({ name: 'conversationId', required: true, description: 'Genesys conversation id' })
  @ApiQuery({ name: 'integrationId', required: false, schema: { type: 'string', format: 'uuid' } })
  @ApiResponse({ status: 302, description: "Redirect to the org's authorize endpoint" })
  @ApiProblem(400, 'Invalid query field (named in `errors[].field`)')
  @ApiProblem(404, 'No (enabled) Genesys integration for the tenant')
  async begin(
    @Query(new ZodValidationPipe(StartQuerySchema)) q: z.infer<typeof StartQuerySchema>,
    @Res() res: Response,
  ): Promise<void> {
    try {
      const url = await this.start.execute({
        tenantId: q.tenant,
        conversationId: q.conversationId,
        ...(q.integrationId ? { integrationId: q.integrationId } : {}),
      });
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(302, url.href);
    } catch (e) {
      if (e instanceof GenesysNotConfiguredError) throw new NotFoundException(e.message);
      throw e;
    }
  }

  @Get('callback')
  @ApiOperation({ summary: 'OAuth redirect target: completes the sign-in' })
  @ApiQuery({ name: 'code', required: false, description: 'Authorization code' })
  @ApiQuery({ name: 'state', required: true })
  @ApiResponse({ status: 302, description: 'Redirect to `/widget/#token=<session token>`' })
  @ApiProblem(401, 'The login cannot be completed (`reason` says why)')
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = req.url.indexOf('?');
    const query = new URLSearchParams(q >= 0 ? req.url.slice(q + 1) : '');
    try {
      const session = await this.complete.execute(query);
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(302, `/widget/#token=${encodeURIComponent(session.token)}`);
    } catch (e) {
      if (e instanceof GenesysLoginError)
        throw new HttpException(
          { statusCode: 401, error: 'Unauthorized', reason: e.reason, message: e.message },
          401,
        );
      throw e;
    }
  }
}
