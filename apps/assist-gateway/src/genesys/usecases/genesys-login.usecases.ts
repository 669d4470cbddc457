import { Inject, Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { ASSIST_CONFIG, WIDGET_TOKENS } from '../../tokens.di';
import type { AssistGatewayConfig } from '../../config';
import type { SignedToken, WidgetTokenService } from '../../tokens/widget-token.service';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { GenesysAgentTokenRepository } from '../genesys-agent-token.repository';
import { GenesysDigitalForwarder } from '../genesys-digital-forwarder';
import { GenesysIntegrationRepository } from '../genesys-integration.repository';
import { GenesysLoginError, GenesysOAuthClient } from '../genesys-oauth.client';
import { PkceStateRepository } from '../pkce-state.repository';

/** The tenant has no enabled `genesys_oauth` integration. */
export class GenesysNotConfiguredError extends Error {}

/** Input of {@link StartGenesysLoginUseCase}. */
export interface StartGenesysLogin {
  tenantId: string;
  conversationId: string;
  integrationId?: string;
}

/**
 * Starts an agent sign-in: creates state + code_verifier (+ nonce), keeps them in Redis and
 * returns the org's authorize URL (with the S256 code_challenge) to redirect the widget to.
 * @throws GenesysNotConfiguredError
 */
@Injectable()
export class StartGenesysLoginUseCase {
  constructor(
    private readonly integrations: GenesysIntegrationRepository,
    private readonly oauth: GenesysOAuthClient,
    private readonly pending: PkceStateRepository,
  ) {}

  async execute(cmd: StartGenesysLogin): Promise<URL> {
    const integration = await this.integrations.find(cmd.tenantId, cmd.integrationId);
    if (!integration)
      throw new GenesysNotConfiguredError(`tenant ${cmd.tenantId} has no enabled genesys_oauth integration`);
    const state = oidc.randomState();
    const { url, codeVerifier, nonce } = await this.oauth.authorizationUrl(integration, state);
    await this.pending.save(state, {
      tenantId: cmd.tenantId,
      integrationId: integration.id,
      codeVerifier,
      ...(nonce ? { nonce } : {}),
      conversationId: cmd.conversationId,
    });
    return url;
  }
}

/**
 * Completes a sign-in at the callback: takes the pending login for `state` (single use), exchanges
 * the code with the code_verifier, identifies the agent, and issues the hub's widget session token
 * bound to tenant + Genesys user + conversation (SESSION_TOKEN_TTL_S). The agent's Genesys access
 * token is kept server side, encrypted ({@link GenesysAgentTokenRepository}), for the widget's desktop
 * actions (send message, save summary); it never reaches the browser. With `digitalForwarding`, the
 * conversation's messages are then forwarded through the Notification API ({@link GenesysDigitalForwarder}).
 * @throws GenesysLoginError (`state_unknown` for an unknown/used/expired state, provider errors, failed checks)
 */
@Injectable()
export class CompleteGenesysLoginUseCase {
  constructor(
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
    @Inject(WIDGET_TOKENS) private readonly tokens: WidgetTokenService,
    private readonly integrations: GenesysIntegrationRepository,
    private readonly oauth: GenesysOAuthClient,
    private readonly pending: PkceStateRepository,
    private readonly grants: GenesysAgentTokenRepository,
    private readonly digital: GenesysDigitalForwarder,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(query: URLSearchParams): Promise<SignedToken> {
    const state = query.get('state');
    const login = state ? await this.pending.take(state) : null;
    if (!state || !login)
      throw new GenesysLoginError('state_unknown', 'state: unknown, already used or expired');
    const integration = await this.integrations.find(login.tenantId, login.integrationId);
    if (!integration)
      throw new GenesysLoginError('not_configured', 'the Genesys integration is no longer enabled');
    const { identity, accessToken, expiresInSeconds } = await this.oauth.complete(integration, query, {
      state,
      codeVerifier: login.codeVerifier,
      conversationId: login.conversationId,
      ...(login.nonce ? { nonce: login.nonce } : {}),
    });
    const owner = { tenantId: login.tenantId, userId: identity.userId, conversationId: login.conversationId };
    const gid = await this.grants.save(
      owner,
      { integrationId: integration.id, accessToken },
      expiresInSeconds,
    );
    // digital path (integration `digitalForwarding`): the conversation's messages reach Agent Assist
    // through the Notification API; a failure there does not fail the sign-in
    this.digital
      .start(owner, integration, accessToken, expiresInSeconds)
      .catch((e: unknown) =>
        this.logger.warn(
          { err: (e as Error).message, tenantId: owner.tenantId, interactionId: owner.conversationId },
          'Genesys digital forwarding could not start',
        ),
      );
    return this.tokens.sign(
      {
        tid: login.tenantId,
        sub: identity.userId,
        provider: 'genesys',
        interactionId: login.conversationId,
        use: 'session',
        gid,
      },
      this.config.SESSION_TOKEN_TTL_S,
    );
  }
}
