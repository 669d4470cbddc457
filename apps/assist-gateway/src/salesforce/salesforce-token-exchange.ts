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
import { SalesforceAgentTokenRepository } from './salesforce-agent-token.repository';
import { SalesforceIdentityClient, SalesforceTokenError } from './salesforce-identity.client';

/** Body of `POST /v1/auth/salesforce/token-exchange`. */
export const SalesforceTokenExchangeSchema = z.strictObject({
  tenantId: TenantIdSchema,
  /** The Salesforce user's access token (from the Lightning component's session / connected app). */
  accessToken: z.string().min(20).max(4096),
  /** The interaction (Salesforce record / chat id the tenant maps to the hub interaction) the widget is for. */
  interactionId: InteractionIdSchema,
  integrationId: z.uuid().optional(),
});
export type SalesforceTokenExchange = z.infer<typeof SalesforceTokenExchangeSchema>;

/** 201 answer of the token exchange. */
export const SalesforceSessionSchema = z.object({
  token: z.string(),
  expiresAt: z.iso.datetime(),
  /** The Salesforce user id the session is bound to. */
  agentId: z.string(),
  widgetPath: z.string(),
});

/** The tenant has no enabled `salesforce_identity` integration. */
export class SalesforceNotConfiguredError extends Error {}

/**
 * Salesforce token exchange (seed 001): verifies the Salesforce user's token at the tenant's org
 * ({@link SalesforceIdentityClient}: userinfo, org id, and introspection when configured) and issues
 * a widget session token bound to tenant + Salesforce user id + interaction (`provider: salesforce`,
 * SESSION_TOKEN_TTL_S). When the integration has a `summaryField`, the verified token is kept sealed in Redis
 * ({@link SalesforceAgentTokenRepository}, claim `gid`) for "Save summary"; otherwise it is not stored. It is
 * never logged.
 * @throws SalesforceNotConfiguredError, SalesforceTokenError
 */
@Injectable()
export class ExchangeSalesforceTokenUseCase {
  constructor(
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
    @Inject(WIDGET_TOKENS) private readonly tokens: WidgetTokenService,
    private readonly store: IntegrationStore,
    private readonly salesforce: SalesforceIdentityClient,
    private readonly grants: SalesforceAgentTokenRepository,
  ) {}

  async execute(cmd: SalesforceTokenExchange): Promise<SignedToken & { agentId: string }> {
    const row = cmd.integrationId
      ? await this.store.load(cmd.tenantId, cmd.integrationId, 'salesforce_identity')
      : await this.store.loadFirstEnabled(cmd.tenantId, 'salesforce_identity');
    if (!row)
      throw new SalesforceNotConfiguredError(`tenant ${cmd.tenantId} has no salesforce_identity integration`);
    if (!row.config.allowInsecureHttp && new URL(row.config.myDomainUrl).protocol !== 'https:')
      throw new SalesforceNotConfiguredError('the salesforce_identity myDomainUrl must be https');
    const identity = await this.salesforce.verify(row.config, row.secrets, cmd.accessToken);
    // with a summary field, keep the (verified) token sealed server side for "Save summary" as this user
    const gid = row.config.summaryField
      ? await this.grants.save(
          { tenantId: cmd.tenantId, userId: identity.userId, conversationId: cmd.interactionId },
          { integrationId: row.id, accessToken: cmd.accessToken },
        )
      : undefined;
    const signed = await this.tokens.sign(
      {
        tid: cmd.tenantId,
        sub: identity.userId,
        provider: 'salesforce',
        interactionId: cmd.interactionId,
        use: 'session',
        ...(gid ? { gid } : {}),
      },
      this.config.SESSION_TOKEN_TTL_S,
    );
    return { ...signed, agentId: identity.userId };
  }
}

/**
 * `POST /v1/auth/salesforce/token-exchange` — authenticated by the Salesforce token in the body
 * (verified at the tenant's org), not by a hub key: 201 `{token, expiresAt, agentId, widgetPath}`;
 * 400 names the field; 401 `{reason}` (`token_invalid`, `token_inactive`, `org_mismatch`,
 * `client_mismatch`, `identity_invalid`); 404 no integration; 502 Salesforce unreachable / refused URL.
 */
@ApiTags('salesforce-auth')
@AuthenticatedBy('salesforce-token')
@Controller('v1/auth/salesforce')
export class SalesforceAuthController {
  constructor(
    private readonly exchange: ExchangeSalesforceTokenUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post('token-exchange')
  @HttpCode(201)
  @ApiOperation({ summary: "Exchange a Salesforce user's access token for a widget session token" })
  @ApiJsonBody(SalesforceTokenExchangeSchema, { name: 'SalesforceTokenExchange' })
  @ApiJsonResponse(201, SalesforceSessionSchema, {
    description: 'Widget session token (`widgetPath` opens the widget with it)',
  })
  @ApiProblem(400, 'Invalid body field (named in `errors[].field`)')
  @ApiProblem(401, 'The Salesforce token was refused (`reason` says why)')
  @ApiProblem(404, 'No (enabled) salesforce_identity integration for the tenant')
  @ApiProblem(502, 'Salesforce could not be reached')
  async tokenExchange(
    @Body(new ZodValidationPipe(SalesforceTokenExchangeSchema)) body: SalesforceTokenExchange,
  ): Promise<z.infer<typeof SalesforceSessionSchema>> {
    try {
      const s = await this.exchange.execute(body);
      return {
        token: s.token,
        expiresAt: s.expiresAt,
        agentId: s.agentId,
        widgetPath: `/widget/#token=${encodeURIComponent(s.token)}`,
      };
    } catch (e) {
      if (e instanceof SalesforceNotConfiguredError) throw new NotFoundException(e.message);
      if (e instanceof SalesforceTokenError) {
        this.logger.info({ tenantId: body.tenantId, reason: e.reason }, 'Salesforce token refused');
        throw new HttpException(
          { statusCode: 401, error: 'Unauthorized', reason: e.reason, message: e.message },
          401,
        );
      }
      if (e instanceof OutboundUrlRefusedError) throw new BadGatewayException(e.message);
      this.logger.warn(
        { err: (e as Error).message, tenantId: body.tenantId },
        'Salesforce verification failed',
      );
      throw new BadGatewayException('Salesforce could not verify the token; retry');
    }
  }
}
