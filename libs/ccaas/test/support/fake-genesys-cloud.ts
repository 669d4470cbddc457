import { randomUUID } from 'node:crypto';
import { signGenesysWebhook } from '../../src/vendors/genesys-cloud/genesys-cloud.receiver';
import { FakeHttpServer, postWebhook, type FakeResponse, type RecordedRequest } from './fake-http-server';

/** An Open Messaging integration created on the fake. */
export interface FakeOpenMessagingIntegration {
  id: string;
  name: string;
  outboundNotificationWebhookUrl: string;
  outboundNotificationWebhookSignatureSecretToken: string;
}

/** A messaging conversation on the fake (one per Opaque customer id). */
export interface FakeGenesysConversation {
  id: string;
  integrationId: string;
  customerId: string;
  state: 'connected' | 'disconnected';
  /** Inbound messages as Genesys stored them (request bodies). */
  inbound: Record<string, unknown>[];
  /** Inbound events (`…/inbound/open/event` bodies: customer typing). */
  events: Record<string, unknown>[];
  participants: {
    id: string;
    purpose: 'customer' | 'agent';
    name?: string;
    messages: { id: string; state: string }[];
  }[];
  wrapups: { participantId: string; communicationId: string; body: unknown }[];
}

/** Options of {@link FakeGenesysCloud}. */
export interface FakeGenesysCloudOptions {
  clientId?: string;
  clientSecret?: string;
  /** `expires_in` of issued tokens, s (default 86400, Genesys' default). */
  tokenTtlS?: number;
  queues?: { id: string; name: string }[];
}

/**
 * A local Genesys Cloud speaking the documented wire formats, for adapter tests and the orchestrator e2e:
 *
 * - `POST /oauth/token` — client credentials with HTTP Basic (`invalid_client` 401 otherwise);
 * - `/api/v2/*` — bearer tokens it issued (401 otherwise): `GET organizations/me`, `GET routing/queues`
 *   (paged), `POST/GET conversations/messaging/integrations/open[/{id}]`,
 *   `POST conversations/messages/{integrationId}/inbound/open/message[?prefetchConversationId=true]`,
 *   `GET conversations/{conversationId}` (participants with their message communications and states),
 *   `GET/PATCH conversations/messages/{conversationId}`,
 *   `POST conversations/messages/{id}/participants/{pid}/communications/{cid}/wrapup`;
 * - the agent's side: {@link agentMessage}, {@link agentTyping} POST outbound normalized messages to the
 *   integration's `outboundNotificationWebhookUrl`, signed `X-Hub-Signature-256` (base64 HMAC);
 *   {@link agentDisconnect} marks the agent's communication disconnected (no webhook: Open Messaging sends none);
 * - `failNext` injects 5xx/429 answers. Every request is recorded (`requests`).
 */
export class FakeGenesysCloud {
  readonly server: FakeHttpServer;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly integrations = new Map<string, FakeOpenMessagingIntegration>();
  readonly conversations = new Map<string, FakeGenesysConversation>();
  readonly queues: { id: string; name: string }[];
  private readonly tokens = new Map<string, number>();
  private readonly tokenTtlS: number;
  private readonly seenMessageIds = new Map<string, Record<string, unknown>>();

  constructor(opts: FakeGenesysCloudOptions = {}) {
    this.clientId = opts.clientId ?? 'hub-client';
    this.clientSecret = opts.clientSecret ?? 'hub-client-secret-value';
    this.tokenTtlS = opts.tokenTtlS ?? 86400;
    this.queues =
      opts.queues ??
      Array.from({ length: 130 }, (_, i) => ({
        id: randomUUID(),
        name: i === 0 ? 'Billing' : i === 1 ? 'Support' : `Queue ${i}`,
      }));
    this.server = new FakeHttpServer((r) => this.route(r));
  }

  listen(): Promise<string> {
    return this.server.listen();
  }
  close(): Promise<void> {
    return this.server.close();
  }
  get baseUrl(): string {
    return this.server.baseUrl;
  }
  get requests(): RecordedRequest[] {
    return this.server.requests;
  }
  /** Number of tokens issued so far. */
  get tokensIssued(): number {
    return this.server
      .find('POST', /^\/oauth\/token$/)
      .filter((r) => r.headers['authorization'] === this.basic()).length;
  }

  /** Creates an Open Messaging integration directly (as an admin would in the Genesys UI). */
  addIntegration(webhookUrl: string, secret: string, name = 'hub'): FakeOpenMessagingIntegration {
    const i = {
      id: randomUUID(),
      name,
      outboundNotificationWebhookUrl: webhookUrl,
      outboundNotificationWebhookSignatureSecretToken: secret,
    };
    this.integrations.set(i.id, i);
    return i;
  }

  /** The conversation of an Opaque customer id. */
  conversationOf(customerId: string): FakeGenesysConversation | undefined {
    return [...this.conversations.values()].find((c) => c.customerId === customerId);
  }

  /** The agent (joining if not yet) sends `text` to the customer. @returns the webhook answer and the message body */
  agentMessage(customerId: string, text: string, agentName = 'Dana Agent') {
    const conv = this.mustConversation(customerId);
    this.join(conv, agentName);
    return this.deliver(conv, { type: 'Text', text }, agentName);
  }

  /**
   * The agent sends a file: an outbound `Text` whose `content` holds one `Attachment` (`ConversationContentAttachment`:
   * `id`, `mediaType`, `url` — Genesys' download URL —, `mime`, `filename`).
   */
  agentFile(
    customerId: string,
    a: { url: string; mime: string; filename: string; mediaType?: string },
    agentName = 'Dana Agent',
  ) {
    const conv = this.mustConversation(customerId);
    this.join(conv, agentName);
    return this.deliver(
      conv,
      {
        type: 'Text',
        text: '',
        content: [
          {
            contentType: 'Attachment',
            attachment: {
              id: randomUUID(),
              mediaType: a.mediaType ?? 'File',
              url: a.url,
              mime: a.mime,
              filename: a.filename,
            },
          },
        ],
      },
      agentName,
    );
  }

  /** The agent is typing (an outbound `Event` with a `Typing` event). */
  agentTyping(customerId: string, agentName = 'Dana Agent') {
    const conv = this.mustConversation(customerId);
    this.join(conv, agentName);
    return this.deliver(
      conv,
      { type: 'Event', events: [{ eventType: 'Typing', typing: { type: 'On', duration: 5000 } }] },
      agentName,
    );
  }

  /**
   * The agent ends the conversation: its communication becomes `disconnected` (visible through
   * `GET /api/v2/conversations/{id}`; Open Messaging sends no webhook for it).
   */
  agentDisconnect(customerId: string): void {
    const conv = this.mustConversation(customerId);
    for (const p of conv.participants.filter((x) => x.purpose === 'agent'))
      for (const m of p.messages) m.state = 'disconnected';
  }

  /** Builds (without sending) a signed outbound webhook for a conversation: `{ rawBody, headers }`. */
  buildWebhook(
    customerId: string,
    message: Record<string, unknown>,
    agentName = 'Dana Agent',
    secret?: string,
  ) {
    const conv = this.mustConversation(customerId);
    const integration = this.integrations.get(conv.integrationId);
    if (!integration) throw new Error('no integration');
    const body = {
      id: randomUUID().replace(/-/g, ''),
      channel: {
        id: integration.id,
        platform: 'Open',
        type: 'Private',
        to: { id: conv.customerId, idType: 'Opaque' },
        from: { id: integration.id, idType: 'Opaque', nickname: agentName },
        time: new Date().toISOString(),
        messageId: randomUUID(),
      },
      direction: 'Outbound',
      originatingEntity: 'Human',
      conversationId: conv.id,
      ...message,
    };
    const rawBody = JSON.stringify(body);
    return {
      body,
      rawBody,
      headers: {
        'x-hub-signature-256': signGenesysWebhook(
          rawBody,
          secret ?? integration.outboundNotificationWebhookSignatureSecretToken,
        ),
      },
      url: integration.outboundNotificationWebhookUrl,
    };
  }

  private async deliver(conv: FakeGenesysConversation, message: Record<string, unknown>, agentName: string) {
    const w = this.buildWebhook(conv.customerId, message, agentName);
    const res = await postWebhook(w.url, w.rawBody, w.headers);
    return { ...res, ...w };
  }

  private join(conv: FakeGenesysConversation, name: string): void {
    if (!conv.participants.some((p) => p.purpose === 'agent')) {
      conv.participants.push({
        id: randomUUID(),
        purpose: 'agent',
        name,
        messages: [{ id: randomUUID(), state: 'connected' }],
      });
    }
  }

  private mustConversation(customerId: string): FakeGenesysConversation {
    const c = this.conversationOf(customerId);
    if (!c) throw new Error(`no conversation for ${customerId}`);
    return c;
  }

  private basic(): string {
    return `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
  }

  private route(r: RecordedRequest): FakeResponse {
    if (r.method === 'POST' && r.path === '/oauth/token') {
      if (r.headers['authorization'] !== this.basic()) {
        return { status: 401, body: { error: 'invalid_client', description: 'client not found' } };
      }
      if (r.rawBody !== 'grant_type=client_credentials')
        return { status: 400, body: { error: 'unsupported_grant_type' } };
      const token = randomUUID();
      this.tokens.set(token, Date.now() + this.tokenTtlS * 1000);
      return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: this.tokenTtlS } };
    }
    if (!r.path.startsWith('/api/v2/')) return { status: 404, body: { message: 'not found' } };
    const auth = /^Bearer (.+)$/.exec(String(r.headers['authorization'] ?? ''))?.[1];
    const exp = auth ? this.tokens.get(auth) : undefined;
    if (!exp || exp < Date.now())
      return { status: 401, body: { code: 'bad.credentials', message: 'Invalid login credentials.' } };
    const p = r.path.slice('/api/v2'.length);
    let m: RegExpExecArray | null;
    if (r.method === 'GET' && p === '/organizations/me')
      return { status: 200, body: { id: 'org-1', name: 'Fake Org' } };
    if (r.method === 'GET' && p === '/routing/queues') {
      const size = Number(r.query.get('pageSize') ?? 25);
      const page = Number(r.query.get('pageNumber') ?? 1);
      const entities = this.queues.slice((page - 1) * size, page * size);
      return {
        status: 200,
        body: {
          entities,
          pageSize: size,
          pageNumber: page,
          total: this.queues.length,
          pageCount: Math.ceil(this.queues.length / size),
        },
      };
    }
    if (r.method === 'POST' && p === '/conversations/messaging/integrations/open') {
      const b = r.body as Partial<FakeOpenMessagingIntegration> | undefined;
      if (
        !b?.name ||
        !b.outboundNotificationWebhookUrl ||
        !b.outboundNotificationWebhookSignatureSecretToken
      ) {
        return {
          status: 400,
          body: {
            code: 'bad.request',
            message: 'name, outboundNotificationWebhookUrl and token are required',
          },
        };
      }
      const i = this.addIntegration(
        b.outboundNotificationWebhookUrl,
        b.outboundNotificationWebhookSignatureSecretToken,
        b.name,
      );
      return {
        status: 200,
        body: { id: i.id, name: i.name, outboundNotificationWebhookUrl: i.outboundNotificationWebhookUrl },
      };
    }
    if ((m = /^\/conversations\/messaging\/integrations\/open\/([^/]+)$/.exec(p)) && r.method === 'GET') {
      const i = this.integrations.get(decodeURIComponent(m[1]));
      return i
        ? {
            status: 200,
            body: {
              id: i.id,
              name: i.name,
              outboundNotificationWebhookUrl: i.outboundNotificationWebhookUrl,
            },
          }
        : { status: 404, body: { code: 'not.found', message: 'integration not found' } };
    }
    if ((m = /^\/conversations\/messages\/([^/]+)\/inbound\/open\/event$/.exec(p)) && r.method === 'POST') {
      return this.inboundEvent(decodeURIComponent(m[1]), r);
    }
    if ((m = /^\/conversations\/messages\/([^/]+)\/inbound\/open\/message$/.exec(p)) && r.method === 'POST') {
      return this.inbound(decodeURIComponent(m[1]), r);
    }
    if ((m = /^\/conversations\/([^/]+)$/.exec(p)) && r.method === 'GET') {
      const conv = this.conversations.get(decodeURIComponent(m[1]));
      if (!conv) return { status: 404, body: { code: 'not.found', message: 'conversation not found' } };
      return { status: 200, body: { id: conv.id, participants: conv.participants } };
    }
    if ((m = /^\/conversations\/messages\/([^/]+)$/.exec(p))) {
      const conv = this.conversations.get(decodeURIComponent(m[1]));
      if (!conv) return { status: 404, body: { code: 'not.found', message: 'conversation not found' } };
      if (r.method === 'GET') return { status: 200, body: { id: conv.id, participants: conv.participants } };
      if (r.method === 'PATCH') {
        if ((r.body as { state?: string })?.state !== 'disconnected')
          return { status: 400, body: { code: 'bad.request', message: 'state' } };
        conv.state = 'disconnected';
        for (const x of conv.participants) for (const c of x.messages) c.state = 'disconnected';
        return { status: 202, body: { id: conv.id } };
      }
    }
    if (
      (m =
        /^\/conversations\/messages\/([^/]+)\/participants\/([^/]+)\/communications\/([^/]+)\/wrapup$/.exec(
          p,
        )) &&
      r.method === 'POST'
    ) {
      const conv = this.conversations.get(m[1]);
      const part = conv?.participants.find((x) => x.id === m?.[2] && x.messages.some((c) => c.id === m?.[3]));
      if (!conv || !part)
        return { status: 404, body: { code: 'not.found', message: 'communication not found' } };
      const b = r.body as { code?: string; notes?: string } | undefined;
      if (!b?.code) return { status: 400, body: { code: 'bad.request', message: 'code is required' } };
      conv.wrapups.push({ participantId: m[2], communicationId: m[3], body: b });
      return { status: 202 };
    }
    return { status: 404, body: { code: 'not.found', message: `${r.method} ${r.path}` } };
  }

  /**
   * `POST …/inbound/open/event` (OpenInboundNormalizedEvent): `{ channel: { from, time }, events: [{ eventType:
   * "Typing", typing: { type: "On" } }] }` on the customer's connected conversation.
   */
  private inboundEvent(integrationId: string, r: RecordedRequest): FakeResponse {
    if (!this.integrations.has(integrationId))
      return { status: 404, body: { code: 'not.found', message: 'integration not found' } };
    const b = r.body as
      { channel?: { from?: { id?: string; idType?: string }; time?: string }; events?: unknown } | undefined;
    const events = Array.isArray(b?.events)
      ? (b.events as { eventType?: string; typing?: { type?: string } }[])
      : [];
    if (
      !b?.channel?.from?.id ||
      b.channel.from.idType !== 'Opaque' ||
      typeof b.channel.time !== 'string' ||
      !events.length ||
      events.some((e) => e.eventType !== 'Typing' || e.typing?.type !== 'On')
    ) {
      return {
        status: 400,
        body: { code: 'bad.request', message: 'channel.from, channel.time, events[Typing On]' },
      };
    }
    const conv = [...this.conversations.values()].find(
      (c) => c.customerId === b.channel?.from?.id && c.state === 'connected',
    );
    if (!conv)
      return { status: 404, body: { code: 'not.found', message: 'no conversation for the customer' } };
    conv.events.push(r.body as Record<string, unknown>);
    return {
      status: 200,
      body: { id: randomUUID(), channel: b.channel, type: 'Event', events, direction: 'Inbound' },
    };
  }

  private inbound(integrationId: string, r: RecordedRequest): FakeResponse {
    if (!this.integrations.has(integrationId))
      return { status: 404, body: { code: 'not.found', message: 'integration not found' } };
    const b = r.body as
      | {
          channel?: { from?: { id?: string; idType?: string }; messageId?: string; time?: string };
          text?: string;
          type?: string;
          content?: unknown;
        }
      | undefined;
    if (b?.content !== undefined && !validAttachments(b.content))
      return {
        status: 400,
        body: { code: 'bad.request', message: 'content: Attachment with mediaType, url, mime' },
      };
    // OpenInboundNormalizedMessage: { channel: { from, time, messageId?, metadata? }, text?, content?, metadata? }
    const unknown = [
      ...Object.keys(b ?? {}).filter((k) => !['channel', 'text', 'content', 'metadata'].includes(k)),
      ...Object.keys(b?.channel ?? {})
        .filter((k) => !['from', 'time', 'messageId', 'metadata'].includes(k))
        .map((k) => `channel.${k}`),
    ];
    if (
      unknown.length ||
      !b?.channel?.from?.id ||
      b.channel.from.idType !== 'Opaque' ||
      typeof b.channel.time !== 'string' ||
      (typeof b.text !== 'string' && !validAttachments(b.content))
    ) {
      return {
        status: 400,
        body: {
          code: 'bad.request',
          message: `channel.from.id/idType, channel.time and text are required${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
        },
      };
    }
    const msgKey = `${integrationId}:${b.channel.messageId ?? randomUUID()}`;
    let conv = [...this.conversations.values()].find(
      (c) => c.customerId === b.channel?.from?.id && c.state === 'connected',
    );
    if (!conv) {
      conv = {
        id: randomUUID(),
        integrationId,
        customerId: b.channel.from.id,
        state: 'connected',
        inbound: [],
        events: [],
        participants: [
          { id: randomUUID(), purpose: 'customer', messages: [{ id: randomUUID(), state: 'connected' }] },
        ],
        wrapups: [],
      };
      this.conversations.set(conv.id, conv);
    }
    if (!this.seenMessageIds.has(msgKey)) {
      this.seenMessageIds.set(msgKey, r.body as Record<string, unknown>);
      conv.inbound.push(r.body as Record<string, unknown>);
    }
    return {
      status: 200,
      body: {
        id: randomUUID(),
        channel: b.channel,
        type: 'Text',
        text: b.text,
        direction: 'Inbound',
        ...(r.query.get('prefetchConversationId') === 'true' ? { conversationId: conv.id } : {}),
      },
    };
  }
}

/** Whether `content` is a non-empty list of `Attachment` elements with `mediaType`, `url` and `mime`. */
function validAttachments(content: unknown): boolean {
  return (
    Array.isArray(content) &&
    content.length > 0 &&
    content.every(
      (c: { contentType?: string; attachment?: { mediaType?: string; url?: string; mime?: string } }) =>
        c?.contentType === 'Attachment' &&
        ['Image', 'Video', 'Audio', 'File'].includes(String(c.attachment?.mediaType)) &&
        typeof c.attachment?.url === 'string' &&
        /^https?:\/\//.test(c.attachment.url) &&
        typeof c.attachment?.mime === 'string',
    )
  );
}
