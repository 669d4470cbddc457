import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { OutboundRedirectRefusedError, OutboundUrlRefusedError } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import {
  SaveSummarySchema,
  SendMessageSchema,
  desktopActionsFor,
  invalidPayloadAck,
  type DesktopAction,
  type DesktopActionAck,
} from '../../domain/desktop-actions';
import type { WidgetClaims } from '../../domain/widget-claims';
import {
  GenesysAgentTokenRepository,
  type GenesysAgentGrant,
} from '../../genesys/genesys-agent-token.repository';
import { GenesysApiError, GenesysConversationsClient } from '../../genesys/genesys-conversations.client';
import {
  GenesysIntegrationRepository,
  type GenesysOAuthIntegration,
} from '../../genesys/genesys-integration.repository';

/** How long an action's outcome is kept for retries with the same requestId, seconds. */
export const DESKTOP_ACTION_DEDUPE_TTL_S = 600;

/**
 * The widget's desktop actions, performed in the vendor desktop as the signed-in agent:
 *  - `message.send` `{text, requestId}`: a message to the customer of the bound conversation (Genesys web
 *    messaging: `POST …/communications/{communicationId}/messages`);
 *  - `summary.save` `{notes, wrapupCode?, requestId}`: the wrap-up note of the agent's communication
 *    (Genesys `POST …/participants/{participantId}/communications/{communicationId}/wrapup`).
 * Scoped by the session token only: tenant, agent and conversation are its claims (the payloads are
 * strict and cannot name them); the Genesys call carries the agent's own access token from the PKCE
 * sign-in ({@link GenesysAgentTokenRepository}), so Genesys applies that agent's permissions. A
 * request id is answered once: its outcome is kept for {@link DESKTOP_ACTION_DEDUPE_TTL_S} in Redis
 * (`<ns>assist:desktop-action:t:<tenant>:u:<agent>:<action>:<requestId>`, SET NX while running), so a
 * Socket.IO resend or a user's double click sends one message; retryable failures (`vendor_error`,
 * `unavailable`) are forgotten so the retry runs. Tokens are never logged.
 */
@Injectable()
export class DesktopActionsUseCase {
  constructor(
    private readonly grants: GenesysAgentTokenRepository,
    private readonly integrations: GenesysIntegrationRepository,
    private readonly genesys: GenesysConversationsClient,
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `message.send`: see the class comment. */
  async sendMessage(claims: WidgetClaims, payload: unknown): Promise<DesktopActionAck> {
    const parsed = SendMessageSchema.safeParse(payload ?? {});
    if (!parsed.success) return invalidPayloadAck(parsed.error.issues);
    const { text, requestId } = parsed.data;
    return this.once(claims, 'message.send', requestId, async (ctx) => {
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

  /** `summary.save`: see the class comment. */
  async saveSummary(claims: WidgetClaims, payload: unknown): Promise<DesktopActionAck> {
    const parsed = SaveSummarySchema.safeParse(payload ?? {});
    if (!parsed.success) return invalidPayloadAck(parsed.error.issues);
    const { notes, wrapupCode, requestId } = parsed.data;
    return this.once(claims, 'summary.save', requestId, async (ctx) => {
      const code = wrapupCode ?? ctx.integration.config.wrapupCodeId;
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
        notes,
      });
      return { ok: true, action: 'summary.save' };
    });
  }

  private dedupeKey(claims: WidgetClaims, action: DesktopAction, requestId: string): string {
    return this.bus.name(`assist:desktop-action:t:${claims.tid}:u:${claims.sub}:${action}:${requestId}`);
  }

  /** Resolves the vendor context, runs `fn` once per requestId, and maps vendor failures to acks. */
  private async once(
    claims: WidgetClaims,
    action: DesktopAction,
    requestId: string,
    fn: (ctx: {
      grant: GenesysAgentGrant;
      integration: GenesysOAuthIntegration;
      apiBaseUrl: string;
      conversationId: string;
    }) => Promise<DesktopActionAck>,
  ): Promise<DesktopActionAck> {
    if (!desktopActionsFor(claims.provider).includes(action) || !claims.interactionId)
      return {
        ok: false,
        reason: 'not_supported',
        error: `${action} is not available for ${claims.provider} widgets`,
      };
    const conversationId = claims.interactionId;
    const key = this.dedupeKey(claims, action, requestId);
    const claimed = await this.bus.publisher.set(key, 'pending', 'EX', DESKTOP_ACTION_DEDUPE_TTL_S, 'NX');
    if (claimed !== 'OK') {
      const prior = await this.bus.publisher.get(key);
      if (prior && prior !== 'pending') return JSON.parse(prior) as DesktopActionAck;
      return { ok: false, reason: 'in_progress', error: `request ${requestId} is still being processed` };
    }
    let ack: DesktopActionAck;
    try {
      ack = await this.perform(claims, conversationId, fn);
    } catch (e) {
      await this.bus.publisher.del(key);
      throw e;
    }
    if (!ack.ok && (ack.reason === 'vendor_error' || ack.reason === 'unavailable'))
      await this.bus.publisher.del(key);
    else await this.bus.publisher.set(key, JSON.stringify(ack), 'EX', DESKTOP_ACTION_DEDUPE_TTL_S);
    this.logger.info(
      {
        tenantId: claims.tid,
        agentId: claims.sub,
        interactionId: conversationId,
        action,
        ok: ack.ok,
        ...(ack.ok ? {} : { reason: ack.reason }),
      },
      'desktop action',
    );
    return ack;
  }

  private async perform(
    claims: WidgetClaims,
    conversationId: string,
    fn: Parameters<DesktopActionsUseCase['once']>[3],
  ): Promise<DesktopActionAck> {
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
