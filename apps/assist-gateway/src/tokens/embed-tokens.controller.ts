import { AuthenticatedBy, Public } from '@hub/auth';
import { Body, Controller, ForbiddenException, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { EmbedTokenRequestSchema, WidgetClaimsSchema, type EmbedTokenRequest } from '../domain/widget-claims';
import {
  ApiJsonBody,
  ApiJsonResponse,
  ApiProblem,
  ZodValidationPipe,
  badRequest,
  responseSchemaOf,
} from '@hub/http';
import { WIDGET_TOKENS } from '../tokens.di';
import type { IssuerPrincipal } from './issuer-auth';
import { Issuer, IssuerGuard } from './issuer.guard';
import {
  EmbedTokenRequestError,
  IssueEmbedTokenUseCase,
  IssuerForbiddenError,
} from './usecases/issue-embed-token.usecase';
import type { WidgetTokenService } from './widget-token.service';
import type { IssuedEmbedToken } from './usecases/issue-embed-token.usecase';

/** Security scheme of the issuers' API keys (`Authorization: Bearer <ASSIST_ADMIN_API_KEY | tenant key>`). */
export const ISSUER_SECURITY = 'issuerKey';

/** 201 of `POST /v1/embed-tokens`, checked against the use case's result type. */
export const IssuedEmbedTokenSchema = responseSchemaOf<IssuedEmbedToken>()(
  z.object({
    token: z.string().describe('Compact JWS (HS256 or ES256), audience `assist-widget`'),
    expiresAt: z.iso.datetime(),
    jti: z.uuid(),
    claims: WidgetClaimsSchema,
    widgetPath: z.string().describe('Relative widget URL carrying the token in the fragment'),
  }),
);

/** The widget tokens' public keys (JWK Set, RFC 7517): one ES256 key, or none with HS256. */
export const JwksSchema = z.object({
  keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional(), alg: z.string().optional() })),
});

/**
 * Embed token issuance for the hub's admin and tenant backends.
 * `POST /v1/embed-tokens` with `Authorization: Bearer <ASSIST_ADMIN_API_KEY | tenant key>`:
 * 201 `{token, expiresAt, jti, claims, widgetPath}`; 400 naming the field; 401 unknown key;
 * 403 tenant key for another tenant.
 */
@ApiTags('embed-tokens')
@Controller()
export class EmbedTokensController {
  constructor(
    @Inject(WIDGET_TOKENS) private readonly tokens: WidgetTokenService,
    private readonly issue: IssueEmbedTokenUseCase,
  ) {}

  @Post('v1/embed-tokens')
  @HttpCode(201)
  @UseGuards(IssuerGuard)
  @AuthenticatedBy('embed-issuer-key')
  @ApiOperation({ summary: 'Mint an embed token for a tenant’s agent widget' })
  @ApiBearerAuth(ISSUER_SECURITY)
  @ApiJsonBody(EmbedTokenRequestSchema, { name: 'EmbedTokenRequest' })
  @ApiJsonResponse(201, IssuedEmbedTokenSchema, { description: 'The token, its expiry and claims' })
  @ApiProblem(400, 'Invalid field or a claim breaking a provider rule (named in `errors[].field`)')
  @ApiProblem(401, 'Missing or unknown API key')
  @ApiProblem(403, 'A tenant key asking for another tenant')
  async create(
    @Issuer() principal: IssuerPrincipal,
    @Body(new ZodValidationPipe(EmbedTokenRequestSchema)) body: EmbedTokenRequest,
  ) {
    try {
      return await this.issue.execute(principal, body);
    } catch (e) {
      if (e instanceof IssuerForbiddenError) throw new ForbiddenException(e.message);
      if (e instanceof EmbedTokenRequestError) throw badRequest(e.problems);
      throw e;
    }
  }

  /** Public keys for verifying widget tokens elsewhere (ES256 only; empty set with HS256). */
  @Get('.well-known/jwks.json')
  @Public()
  @ApiOperation({ summary: 'Public keys for verifying widget tokens elsewhere (empty with HS256)' })
  @ApiJsonResponse(200, JwksSchema, { description: 'JWK Set' })
  jwks() {
    return this.tokens.jwks();
  }
}
