import { Body, Controller, ForbiddenException, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { EmbedTokenRequestSchema, type EmbedTokenRequest } from '../domain/widget-claims';
import { ZodValidationPipe, badRequest } from '@hub/http';
import { WIDGET_TOKENS } from '../tokens.di';
import type { IssuerPrincipal } from './issuer-auth';
import { Issuer, IssuerGuard } from './issuer.guard';
import {
  EmbedTokenRequestError,
  IssueEmbedTokenUseCase,
  IssuerForbiddenError,
} from './usecases/issue-embed-token.usecase';
import type { WidgetTokenService } from './widget-token.service';

/**
 * Embed token issuance for the hub's admin and tenant backends.
 * `POST /v1/embed-tokens` with `Authorization: Bearer <ASSIST_ADMIN_API_KEY | tenant key>`:
 * 201 `{token, expiresAt, jti, claims, widgetPath}`; 400 naming the field; 401 unknown key;
 * 403 tenant key for another tenant.
 */
@Controller()
export class EmbedTokensController {
  constructor(
    @Inject(WIDGET_TOKENS) private readonly tokens: WidgetTokenService,
    private readonly issue: IssueEmbedTokenUseCase,
  ) {}

  @Post('v1/embed-tokens')
  @HttpCode(201)
  @UseGuards(IssuerGuard)
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
  jwks() {
    return this.tokens.jwks();
  }
}
