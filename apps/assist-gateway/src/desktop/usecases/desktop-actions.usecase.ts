import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
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
import type { WidgetClaims, WidgetProvider } from '../../domain/widget-claims';
import { DESKTOP_ACTION_VENDORS, type VendorDesktopActions } from '../vendor-desktop-actions';

/** How long an action's outcome is kept for retries with the same requestId, seconds. */
export const DESKTOP_ACTION_DEDUPE_TTL_S = 600;

/**
 * The widget's desktop actions, performed in the vendor desktop as the signed-in agent:
 *  - `message.send` `{text, requestId}`: a message to the customer of the bound conversation;
 *  - `summary.save` `{notes, wrapupCode?, requestId}`: the interaction summary as the wrap-up note / work
 *    record summary.
 * Each vendor does them in its own folder behind {@link VendorDesktopActions} (Genesys: Platform API with
 * the agent's PKCE token; Salesforce: REST API with the exchanged token); this use case validates, scopes
 * by the session token only (the payloads are strict and cannot name tenant, agent or conversation) and
 * answers a request id once: its outcome is kept for {@link DESKTOP_ACTION_DEDUPE_TTL_S} in Redis
 * (`<ns>assist:desktop-action:t:<tenant>:u:<agent>:<action>:<requestId>`, SET NX while running), so a
 * Socket.IO resend or a user's double click acts once; retryable failures (`vendor_error`, `unavailable`)
 * are forgotten so the retry runs. Tokens are never logged.
 */
@Injectable()
export class DesktopActionsUseCase {
  constructor(
    @Inject(DESKTOP_ACTION_VENDORS)
    private readonly vendors: Partial<Record<WidgetProvider, VendorDesktopActions>>,
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `message.send`: see the class comment. */
  async sendMessage(claims: WidgetClaims, payload: unknown): Promise<DesktopActionAck> {
    const parsed = SendMessageSchema.safeParse(payload ?? {});
    if (!parsed.success) return invalidPayloadAck(parsed.error.issues);
    const { text, requestId } = parsed.data;
    return this.once(claims, 'message.send', requestId, (vendor) => vendor.sendMessage(claims, text));
  }

  /** `summary.save`: see the class comment. */
  async saveSummary(claims: WidgetClaims, payload: unknown): Promise<DesktopActionAck> {
    const parsed = SaveSummarySchema.safeParse(payload ?? {});
    if (!parsed.success) return invalidPayloadAck(parsed.error.issues);
    const { notes, wrapupCode, requestId } = parsed.data;
    return this.once(claims, 'summary.save', requestId, (vendor) =>
      vendor.saveSummary(claims, { notes, ...(wrapupCode ? { wrapupCode } : {}) }),
    );
  }

  private dedupeKey(claims: WidgetClaims, action: DesktopAction, requestId: string): string {
    return this.bus.name(`assist:desktop-action:t:${claims.tid}:u:${claims.sub}:${action}:${requestId}`);
  }

  /** Picks the provider's vendor, runs `fn` once per requestId, and keeps the outcome. */
  private async once(
    claims: WidgetClaims,
    action: DesktopAction,
    requestId: string,
    fn: (vendor: VendorDesktopActions) => Promise<DesktopActionAck>,
  ): Promise<DesktopActionAck> {
    const vendor = this.vendors[claims.provider];
    if (!vendor || !desktopActionsFor(claims.provider).includes(action) || !claims.interactionId)
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
      ack = await fn(vendor);
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
        provider: claims.provider,
        action,
        ok: ack.ok,
        ...(ack.ok ? {} : { reason: ack.reason }),
      },
      'desktop action',
    );
    return ack;
  }
}
