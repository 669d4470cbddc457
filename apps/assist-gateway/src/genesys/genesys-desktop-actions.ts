import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { OutboundRedirectRefusedError, OutboundUrlRefusedError } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import type { DesktopActionAck } from '../domain/desktop-actions';
import type { WidgetClaims } from '../domain/widget-claims';
import type { VendorDesktopActions } from '../desktop/vendor-desktop-actions';
import { GenesysAgentTokenRepository, type GenesysAgentGrant } from './genesys-agent-token.repository';
import { GenesysApiError, GenesysConversationsClient } from './genesys-conversations.client';
import { GenesysIntegrationRepository, type GenesysOAuthIntegration } from './genesys-integration.repository';

interface GenesysContext {
  grant: GenesysAgentGrant;
  integration: GenesysOAuthIntegration;
  apiBaseUrl: string;
  conversationId: string;
}

/**
 * Genesys Cloud desktop actions with the agent's own token from the PKCE sign-in (`gid` claim):
 *  - send message: `POST /api/v2/conversations/messages/{id}/communications/{communicationId}/messages`;
 *  - save summary: `POST …/participants/{participantId}/communications/{communicationId}/wrapup {code, notes}`.
 * The agent's message communication comes from `GET /api/v2/conversations/{id}`.
 */
@Injectable()
export class GenesysDesktopActions implements VendorDesktopActions {
  constructor(
    private readonly grants: GenesysAgentTokenRepository,
    private readonly integrations: GenesysIntegrationRepository,
    private readonly genesys: GenesysConversationsClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  sendMessage(claims: WidgetClaims, text: string): Promise<DesktopActionAck> {
    return this.perform(claims, async (ctx) => {
      const agent = await this.genesys.agentCommunication(
        ctx.apiBaseUrl,
        ctx.grant.accessToken,
        ctx.conversationId,
        claims.sub,
      );
      const sent = await this.genesys.sendMessage(
        ctx.apiBaseUrl,
        ctx.grant.accessToken,
        ctx.conversationId,
        agent.communicationId,
        text,
      );
      return { ok: true, action: 'message.send', ...sent };
    });
  }

  saveSummary(
    claims: WidgetClaims,
    summary: { notes: string; wrapupCode?: string },
  ): Promise<DesktopActionAck> {
    return this.perform(claims, async (ctx) => {
      const code = summary.wrapupCode ?? ctx.integration.config.wrapupCodeId;
      if (!code)
        return {
          ok: false,
          reason: 'invalid_payload',
          error: 'wrapupCode: required (the Genesys integration has no wrapupCodeId)',
          errors: [
            { field: 'wrapupCode', message: 'required (the Genesys integration has no wrapupCodeId)' },
          ],
        };
      const agent = await this.genesys.agentCommunication(
        ctx.apiBaseUrl,
        ctx.grant.accessToken,
        ctx.conversationId,
        claims.sub,
      );
      await this.genesys.saveWrapup(ctx.apiBaseUrl, ctx.grant.accessToken, ctx.conversationId, agent, {
        code,
        notes: summary.notes,
      });
      return { ok: true, action: 'summary.save' };
    });
  }

  private async perform(
    claims: WidgetClaims,
    fn: (ctx: GenesysContext) => Promise<DesktopActionAck>,
  ): Promise<DesktopActionAck> {
    const conversationId = claims.interactionId as string;
    const owner = { tenantId: claims.tid, userId: claims.sub, conversationId };
    const grant = claims.gid ? await this.grants.find(claims.gid, owner) : null;
    if (!grant)
      return {
        ok: false,
        reason: 'not_signed_in',
        error: 'no Genesys sign-in for this agent and conversation: sign in with Genesys Cloud again',
      };
    const integration = await this.integrations.find(claims.tid, grant.integrationId);
    if (!integration?.config.apiBaseUrl)
      return {
        ok: false,
        reason: 'not_supported',
        error: 'the Genesys integration has no apiBaseUrl (or is disabled)',
      };
    try {
      return await fn({ grant, integration, apiBaseUrl: integration.config.apiBaseUrl, conversationId });
    } catch (e) {
      if (e instanceof GenesysApiError) {
        if (e.reason === 'token_refused' && claims.gid) await this.grants.remove(claims.gid);
        return { ok: false, reason: e.reason, error: e.message };
      }
      if (e instanceof OutboundUrlRefusedError || e instanceof OutboundRedirectRefusedError)
        return { ok: false, reason: 'vendor_error', error: (e as Error).message };
      this.logger.warn({ err: (e as Error).message, tenantId: claims.tid }, 'Genesys API unreachable');
      return { ok: false, reason: 'unavailable', error: 'the Genesys API could not be reached; retry' };
    }
  }
}
