import { Inject, Injectable } from '@nestjs/common';
import type { AgentPrincipal } from '../auth/agent-token.verifier';
import { AssistUnavailableError, NotVisibleError, WrongStateError } from '../domain/errors';
import { WORK_ITEM_READER, type WorkItemReader } from '../work-items/work-item.reader';
import type { AssistTokenIssuer } from './assist-token.issuer';

/** Injection token of the {@link AssistTokenIssuer} (null when the assist panel is not configured). */
export const ASSIST_TOKEN_ISSUER = Symbol('ASSIST_TOKEN_ISSUER');
/** Injection token of the browser-facing assist-gateway URL (null when not configured). */
export const ASSIST_GATEWAY_URL = Symbol('ASSIST_GATEWAY_URL');

/** What the desktop needs to open the assist stream of a work item. */
export interface AssistSession {
  /** assist-gateway base URL; the page connects Socket.IO to `<url>/assist`. */
  gatewayUrl: string;
  token: string;
  /** ISO 8601. */
  expiresAt: string;
  /** The interaction the token is bound to: the work item's conversation id. */
  interactionId: string;
  /** The work item's queue name, sent with forwarded lines for queue-to-KB mapping; null if none. */
  queue: string | null;
}

/**
 * Opens the Agent Assist stream for a work item assigned to the caller: a widget token (provider
 * `hub`) bound to the caller's tenant, the caller and the work item's conversation.
 */
@Injectable()
export class AssistSessionService {
  constructor(
    @Inject(WORK_ITEM_READER) private readonly reader: WorkItemReader,
    @Inject(ASSIST_TOKEN_ISSUER) private readonly issuer: AssistTokenIssuer | null,
    @Inject(ASSIST_GATEWAY_URL) private readonly gatewayUrl: string | null,
  ) {}

  /**
   * @throws AssistUnavailableError when ASSIST_GATEWAY_URL / ASSIST_EMBED_TOKEN_SECRET are not set (503)
   * @throws NotVisibleError unless the item is offered to / assigned to the caller (404)
   * @throws WrongStateError when it is only offered, not assigned to the caller (409)
   */
  async open(p: AgentPrincipal, workItemId: string): Promise<AssistSession> {
    if (!this.issuer || !this.gatewayUrl) throw new AssistUnavailableError();
    const item = await this.reader.findVisible(p.tenantId, p.agentId, workItemId);
    if (!item) throw new NotVisibleError('work item');
    if (item.status !== 'assigned' || item.agentId !== p.agentId)
      throw new WrongStateError('Agent Assist opens for work items assigned to you (accept the offer first)');
    const { token, expiresAt } = await this.issuer.mint({
      tenantId: p.tenantId,
      agentId: p.agentId,
      interactionId: item.conversationId,
    });
    return {
      gatewayUrl: this.gatewayUrl,
      token,
      expiresAt,
      interactionId: item.conversationId,
      queue: item.queueName,
    };
  }
}
