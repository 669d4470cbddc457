import { Injectable } from '@nestjs/common';
import { OutboundHttp, redactVendorText } from '@hub/integrations';

/** The agent's side of a Genesys message conversation: the ids the message and wrap-up calls take. */
export interface GenesysAgentCommunication {
  /** The agent's participant id in the conversation. */
  participantId: string;
  /** The agent's message communication id (`participants[].messages[].id`). */
  communicationId: string;
}

/** A Genesys Cloud API call failed; `status` is the HTTP status (0: not sent / network). */
export class GenesysApiError extends Error {
  constructor(
    readonly status: number,
    /** `not_a_participant` | `token_refused` (401) | `forbidden` (403) | `vendor_error`. */
    readonly reason: 'not_a_participant' | 'token_refused' | 'forbidden' | 'vendor_error',
    message: string,
  ) {
    super(message);
    this.name = 'GenesysApiError';
  }
}

/**
 * The Genesys Cloud Platform API calls of the widget's desktop actions, made with the agent's own
 * access token (Authorization: Bearer; never logged — error text is redacted of it). Wire format as in
 * the Platform API reference (platform-client-sdk-javascript `ConversationsApi`):
 *  - `GET /api/v2/conversations/{conversationId}` → `{id, participants: [{id, purpose, userId?, messages?: [{id, state}]}]}`
 *    (`getConversation`): the agent's participant and its message communication;
 *  - `POST /api/v2/conversations/messages/{conversationId}/communications/{communicationId}/messages`
 *    `{textBody}` → `MessageData {id, textBody, …}` (`postConversationsMessageCommunicationMessages`):
 *    a message to the customer in the web-messaging conversation, as the agent;
 *  - `POST /api/v2/conversations/messages/{conversationId}/participants/{participantId}/communications/{communicationId}/wrapup`
 *    `{code, notes}` → 202/204 (`postConversationsMessageParticipantCommunicationWrapup`): the wrap-up
 *    (code + note) of the agent's communication.
 * Every request goes through {@link OutboundHttp} (the tenant's `apiBaseUrl` is vetted by the outbound
 * URL policy; pinned connection; redirects refused), with a 10 s timeout.
 */
@Injectable()
export class GenesysConversationsClient {
  constructor(private readonly outbound: OutboundHttp) {}

  /**
   * One Platform API request with the agent's bearer token.
   * @returns status and parsed JSON body (`{}` when empty)
   * @throws GenesysApiError on a 4xx/5xx answer; OutboundUrlRefusedError / network errors
   */
  async call(
    apiBaseUrl: string,
    accessToken: string,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await this.outbound.request(new URL(path, apiBaseUrl).href, {
      method,
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text(1 << 20);
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { message: text };
    }
    if (res.status >= 400) {
      const reason = res.status === 401 ? 'token_refused' : res.status === 403 ? 'forbidden' : 'vendor_error';
      const detail = typeof json['message'] === 'string' ? json['message'] : `HTTP ${res.status}`;
      throw new GenesysApiError(
        res.status,
        reason,
        `Genesys ${method} ${path.split('?')[0]} answered ${res.status}: ${redactVendorText(detail, { secrets: [accessToken] })}`,
      );
    }
    return { status: res.status, json };
  }

  /**
   * The agent's participant and message communication in the conversation (the most recent
   * communication of the agent's most recent participant: a transferred-back agent has several).
   * @throws GenesysApiError `not_a_participant` when the user has no agent participant with a message communication
   */
  async agentCommunication(
    apiBaseUrl: string,
    accessToken: string,
    conversationId: string,
    userId: string,
  ): Promise<GenesysAgentCommunication> {
    const { json } = await this.call(
      apiBaseUrl,
      accessToken,
      'GET',
      `/api/v2/conversations/${encodeURIComponent(conversationId)}`,
    );
    const participants = Array.isArray(json['participants'])
      ? (json['participants'] as { id?: unknown; userId?: unknown; messages?: unknown }[])
      : [];
    for (const p of [...participants].reverse()) {
      if (p.userId !== userId || typeof p.id !== 'string' || !Array.isArray(p.messages)) continue;
      const comms = (p.messages as { id?: unknown }[]).filter((m) => typeof m.id === 'string');
      const last = comms[comms.length - 1];
      if (last) return { participantId: p.id, communicationId: last.id as string };
    }
    throw new GenesysApiError(
      404,
      'not_a_participant',
      `the agent has no message communication in conversation ${conversationId}`,
    );
  }

  /**
   * Sends `text` to the customer as the agent.
   * @returns the Genesys message id
   */
  async sendMessage(
    apiBaseUrl: string,
    accessToken: string,
    conversationId: string,
    communicationId: string,
    text: string,
  ): Promise<{ messageId?: string }> {
    const { json } = await this.call(
      apiBaseUrl,
      accessToken,
      'POST',
      `/api/v2/conversations/messages/${encodeURIComponent(conversationId)}/communications/${encodeURIComponent(communicationId)}/messages`,
      { textBody: text },
    );
    return typeof json['id'] === 'string' ? { messageId: json['id'] } : {};
  }

  /**
   * `GET /api/v2/conversations/messages/{conversationId}/messages/{messageId}` (`getConversationsMessageMessage`)
   * → `MessageData {id, textBody?, direction: 'inbound' | 'outbound', timestamp?, …}`.
   */
  async getMessage(
    apiBaseUrl: string,
    accessToken: string,
    conversationId: string,
    messageId: string,
  ): Promise<{ id: string; textBody?: string; direction?: string; timestamp?: string }> {
    const { json } = await this.call(
      apiBaseUrl,
      accessToken,
      'GET',
      `/api/v2/conversations/messages/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(messageId)}`,
    );
    return json as { id: string; textBody?: string; direction?: string; timestamp?: string };
  }

  /** Applies the wrap-up `{code, notes}` to the agent's communication. */
  async saveWrapup(
    apiBaseUrl: string,
    accessToken: string,
    conversationId: string,
    agent: GenesysAgentCommunication,
    wrapup: { code: string; notes: string },
  ): Promise<void> {
    await this.call(
      apiBaseUrl,
      accessToken,
      'POST',
      `/api/v2/conversations/messages/${encodeURIComponent(conversationId)}/participants/${encodeURIComponent(agent.participantId)}/communications/${encodeURIComponent(agent.communicationId)}/wrapup`,
      { code: wrapup.code, notes: wrapup.notes },
    );
  }
}
