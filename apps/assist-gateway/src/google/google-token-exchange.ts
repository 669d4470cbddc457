import {
  BadGatewayException,
  Body,
  Controller,
  HttpCode,
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AuthenticatedBy } from '@hub/auth';
import { TenantIdSchema } from '@hub/contracts';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ZodValidationPipe } from '@hub/http';
import { IntegrationStore, OutboundUrlRefusedError } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import { ASSIST_CONFIG, WIDGET_TOKENS } from '../tokens.di';
import type { AssistGatewayConfig } from '../config';
import { InteractionIdSchema } from '../domain/widget-claims';
import type { SignedToken, WidgetTokenService } from '../tokens/widget-token.service';
import { GoogleIdTokenVerifier, GoogleTokenError } from './google-id-token.verifier';

/** Body of `POST /v1/auth/google/token-exchange`. */
export const GoogleTokenExchangeSchema = z.strictObject({
  tenantId: TenantIdSchema,
  /** The agent's Google ID token (JWS compact) from the desktop's Google sign-in. */
  idToken: z
    .string()
    .min(20)
    .max(8192)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a JWS compact token'),
  /** The CCAI conversation (hub interaction id) the widget is for. */
  interactionId: InteractionIdSchema,
  integrationId: z.uuid().optional(),
});
export type GoogleTokenExchange = z.infer<typeof GoogleTokenExchangeSchema>;

/** 201 answer of the token exchange. */
export const GoogleSessionSchema = z.object({
  token: z.string(),
  expiresAt: z.iso.datetime(),
  /** The Google account id (`sub`) the session is bound to. */
  agentId: z.string(),
  widgetPath: z.string(),
});

/** The tenant has no enabled `google_oauth` integration. */
export class GoogleNotConfiguredError extends Error {}

/**
 * Google CCAI widget sign-in (seed 001 "Google CCAI: OAuth"): verifies the agent's Google ID token
 * ({@link GoogleIdTokenVerifier}) against the tenant's `google_oauth` integration and issues a widget session
 * token bound to tenant + Google account (`sub`) + interaction (`provider: ccai`, SESSION_TOKEN_TTL_S). The
 * ID token is not stored and never logged.
 * @throws GoogleNotConfiguredError, GoogleTokenError
 */
@Injectable()
export class ExchangeGoogleTokenUseCase {
  constructor(
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
    @Inject(WIDGET_TOKENS) private readonly tokens: WidgetTokenService,
    private readonly store: IntegrationStore,
    private readonly verifier: GoogleIdTokenVerifier,
  ) {}

  async execute(cmd: GoogleTokenExchange): Promise<SignedToken & { agentId: string }> {
    const row = cmd.integrationId
      ? await this.store.load(cmd.tenantId, cmd.integrationId, 'google_oauth')
      : await this.store.loadFirstEnabled(cmd.tenantId, 'google_oauth');
    if (!row) throw new GoogleNotConfiguredError(`tenant ${cmd.tenantId} has no google_oauth integration`);
    if (!row.config.allowInsecureHttp && new URL(row.config.issuer).protocol !== 'https:')
      throw new GoogleNotConfiguredError('the google_oauth issuer must be https');
    const identity = await this.verifier.verify(row.config, cmd.idToken);
    const signed = await this.tokens.sign(
      {
        tid: cmd.tenantId,
        sub: identity.sub,
        provider: 'ccai',
        interactionId: cmd.interactionId,
        use: 'session',
      },
      this.config.SESSION_TOKEN_TTL_S,
    );
    return { ...signed, agentId: identity.sub };
  }
}

/**
 * `POST /v1/auth/google/token-exchange` — authenticated by the Google ID token in the body: 201 `{token,
 * expiresAt, agentId, widgetPath}`; 400 names the field; 401 `{reason}` (`token_invalid`, `token_expired`,
 * `audience_mismatch`, `domain_mismatch`, `email_unverified`); 404 no integration; 502 issuer unreachable.
 */
@ApiTags('google-auth')
@AuthenticatedBy('google-id-token')
@Controller('v1/auth/google')
export class GoogleAuthController {
  constructor(
    private readonly exchange: ExchangeGoogleTokenUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post('token-exchange')
  @HttpCode(201)
  @ApiOperation({ summary: "Exchange an agent's Google ID token for a widget session token (Google CCAI)" })
  @ApiJsonBody(GoogleTokenExchangeSchema, { name: 'GoogleTokenExchange' })
  @ApiJsonResponse(201, GoogleSessionSchema, {
    description: 'Widget session token (`widgetPath` opens the widget with it)',
  })
  @ApiProblem(400, 'Invalid body field (named in `errors[].field`)')
  @ApiProblem(401, 'The ID token was refused (`reason` says why)')
  @ApiProblem(404, 'No (enabled) google_oauth integration for the tenant')
  @ApiProblem(502, 'The issuer could not be reached')
  async tokenExchange(
    @Body(new ZodValidationPipe(GoogleTokenExchangeSchema)) body: GoogleTokenExchange,
  ): Promise<z.infer<typeof GoogleSessionSchema>> {
    try {
      const s = await this.exchange.execute(body);
      return {
        token: s.token,
        expiresAt: s.expiresAt,
        agentId: s.agentId,
        widgetPath: `/widget/#token=${encodeURIComponent(s.token)}`,
      };
    } catch (e) {
      if (e instanceof GoogleNotConfiguredError) throw new NotFoundException(e.message);
      if (e instanceof GoogleTokenError) {
        this.logger.info({ tenantId: body.tenantId, reason: e.reason }, 'Google ID token refused');
        throw new HttpException(
          { statusCode: 401, error: 'Unauthorized', reason: e.reason, message: e.message },
          401,
        );
      }
      if (e instanceof OutboundUrlRefusedError) throw new BadGatewayException(e.message);
      this.logger.warn({ err: (e as Error).message, tenantId: body.tenantId }, 'Google verification failed');
      throw new BadGatewayException('the Google issuer could not be reached; retry');
    }
  }
}
