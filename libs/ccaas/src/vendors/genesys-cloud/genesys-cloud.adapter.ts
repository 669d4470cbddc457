import { z } from 'zod';
import { IntegrationConfigSchemas, OutboundUrlRefusedError, type OutboundHttp } from '@hub/integrations';
import { ConnectionTest, VendorCallError, errorText, strictOutboundHttp } from '../vendor-http';
import {
  TargetError,
  type CustomerFile,
  type EscalationTargetAdapter,
  type FileLimits,
  type ExternalContact,
  type HandoffContext,
  type PlatformQueue,
  type TargetEvent,
  type TargetIntegration,
  type TestConnectionReport,
} from '../../core/target';
import {
  GenesysApi,
  GenesysTokenCache,
  type GenesysCloudConfig,
  type GenesysCloudSecrets,
} from './genesys-cloud.client';
import { genesysCustomAttributes, genesysRecap, resolveGenesysQueue } from './genesys-cloud.mapper';

type Integration = TargetIntegration<GenesysCloudConfig, GenesysCloudSecrets>;

/** What {@link GenesysCloudTarget.start} keeps with the handoff (`ExternalContact.state`). */
const ContactState = z.object({
  openMessagingIntegrationId: z.string(),
  /** Our Opaque id of the customer (`channel.from.id`); Genesys addresses its webhooks to it (`channel.to.id`). */
  customerId: z.string(),
  nickname: z.string(),
  /** Genesys conversation id (`prefetchConversationId=true`), for disconnect and the wrap-up note. */
  conversationId: z.string().optional(),
});
type ContactState = z.infer<typeof ContactState>;

const OpenMessageResponse = z.object({ id: z.string().optional(), conversationId: z.string().optional() });
const QueuePage = z.object({
  entities: z.array(z.object({ id: z.string(), name: z.string() })).default([]),
  pageCount: z.number().int().optional(),
});
/**
 * `GET /api/v2/conversations/{conversationId}` (Platform API `Conversation`): each participant's `messages[]` are its
 * message communications (`id` = communication id, `state` e.g. `connected` / `disconnected` / `terminated`).
 */
const Conversation = z.object({
  participants: z
    .array(
      z.object({
        id: z.string(),
        purpose: z.string().optional(),
        messages: z.array(z.object({ id: z.string(), state: z.string().optional() })).optional(),
      }),
    )
    .default([]),
});
const ENDED_STATES = new Set(['disconnected', 'terminated']);

/** Options of {@link GenesysCloudTarget}. */
export interface GenesysCloudTargetOptions {
  /**
   * Outbound HTTP of the hosting service (its `OUTBOUND_*` policy). Default: https only, public addresses only
   * (so the test-only host overrides cannot reach a private network in production).
   */
  http?: OutboundHttp;
  /** Clock, epoch ms (token refresh). */
  now?: () => number;
  /** Name of the customer when the bot has none. */
  defaultNickname?: string;
}

/**
 * Customer files the hub hands to Genesys Open Messaging (an inbound message whose `content` is one `Attachment`
 * with the file's URL, which Genesys downloads). These are the HUB's limits — Genesys' Open Messaging pages reachable
 * here document the `ConversationContentAttachment` shape (`mediaType` Image / Video / Audio / File, `url`, `mime`,
 * `filename`) but no size or type list for inbound Open Messaging media — kept to common types and 10 MB; check them
 * against the org's messaging settings in a pilot.
 */
export const GENESYS_FILE_LIMITS: FileLimits = {
  maxBytes: 10 * 1024 * 1024,
  contentTypes: [
    'image/jpeg',
    'image/png',
    'image/gif',
    'application/pdf',
    'text/plain',
    'video/mp4',
    'audio/mpeg',
  ],
};

/** Open Messaging `mediaType` of a MIME type. */
function genesysMediaType(mime: string): 'Image' | 'Video' | 'Audio' | 'File' {
  return mime.startsWith('image/')
    ? 'Image'
    : mime.startsWith('video/')
      ? 'Video'
      : mime.startsWith('audio/')
        ? 'Audio'
        : 'File';
}

/**
 * Genesys Cloud as an escalation target through Open Messaging (integration type `genesys_cloud`).
 *
 * - The customer is an Open Messaging sender: {@link start} posts the handoff as an inbound open message
 *   (`POST /api/v2/conversations/messages/{integrationId}/inbound/open/message?prefetchConversationId=true`,
 *   body `OpenInboundNormalizedMessage`: `channel { from, time, messageId, metadata.customAttributes }`, `text`) whose `channel.metadata.customAttributes` carry summary, intent,
 *   sentiment, the mapped queue (`hub_queue_id`, read by the Architect inbound message flow's Transfer to ACD) and
 *   the bot's attributes; its text is the recap the agent reads first.
 * - Customer lines after the handoff are further inbound messages (`channel.messageId` = our message id).
 * - The agent's side arrives on the Open Messaging webhook ({@link GenesysCloudWebhookReceiver}); the agent's end is
 *   read with {@link pollEnded} (the webhook has no documented disconnect notification).
 * - {@link end} disconnects the conversation (`PATCH /api/v2/conversations/messages/{conversationId}`
 *   `{ state: "disconnected" }`); {@link saveSummary} writes the wrap-up note of the agent's communication
 *   (`POST …/participants/{participantId}/communications/{communicationId}/wrapup`).
 * - Tokens: OAuth client credentials per integration ({@link GenesysTokenCache}).
 */
export class GenesysCloudTarget implements EscalationTargetAdapter<GenesysCloudConfig, GenesysCloudSecrets> {
  readonly type = 'genesys_cloud';
  readonly configSchema = IntegrationConfigSchemas.genesys_cloud
    .config as unknown as z.ZodType<GenesysCloudConfig>;
  readonly secretsSchema = IntegrationConfigSchemas.genesys_cloud
    .secrets as unknown as z.ZodType<GenesysCloudSecrets>;
  private readonly http: OutboundHttp;
  private readonly tokens: GenesysTokenCache;
  private readonly defaultNickname: string;

  constructor(opts: GenesysCloudTargetOptions = {}) {
    this.http = opts.http ?? strictOutboundHttp();
    this.tokens = new GenesysTokenCache(opts.now);
    this.defaultNickname = opts.defaultNickname ?? 'Customer';
  }

  /**
   * Posts the handoff as the customer's first inbound open message.
   * @returns contact id = our Opaque customer id (`channel.to.id` of Genesys' webhooks); state with the Genesys
   *          conversation id
   * @throws TargetError (`invalid` naming `config.openMessagingIntegrationId` / `config.defaultQueueId`, …)
   */
  async start(ctx: HandoffContext, integration: Integration): Promise<ExternalContact> {
    const omId = openMessagingId(integration.config);
    const queueId = resolveGenesysQueue(ctx, integration.config);
    const state: ContactState = {
      openMessagingIntegrationId: omId,
      customerId: `hub-${ctx.handoffId}`,
      nickname: ctx.customer.name?.trim() || this.defaultNickname,
    };
    const res = await this.api(integration).call(
      'POST',
      `/api/v2/conversations/messages/${encodeURIComponent(omId)}/inbound/open/message?prefetchConversationId=true`,
      {
        channel: {
          messageId: `${ctx.handoffId}:handoff`,
          from: { id: state.customerId, idType: 'Opaque', nickname: state.nickname },
          time: new Date().toISOString(),
          metadata: { customAttributes: genesysCustomAttributes(ctx, queueId) },
        },
        text: genesysRecap(ctx),
      },
    );
    const parsed = OpenMessageResponse.safeParse(res.json ?? {});
    const conversationId = parsed.success ? parsed.data.conversationId : undefined;
    return {
      externalContactId: state.customerId,
      state: { ...state, ...(conversationId ? { conversationId } : {}) },
    };
  }

  /** Posts one customer line as an inbound open message (`channel.messageId` = `message.messageId`: Genesys dedupes). */
  async sendCustomerMessage(
    contact: ExternalContact,
    message: { messageId: string; text: string; at: string },
    integration: Integration,
  ): Promise<void> {
    const s = contactState(contact);
    await this.api(integration).call(
      'POST',
      `/api/v2/conversations/messages/${encodeURIComponent(s.openMessagingIntegrationId)}/inbound/open/message`,
      {
        channel: {
          messageId: message.messageId,
          from: { id: s.customerId, idType: 'Opaque', nickname: s.nickname },
          time: message.at,
        },
        text: message.text,
      },
    );
  }

  readonly fileLimits = GENESYS_FILE_LIMITS;

  /**
   * The customer is typing: an inbound open event (`POST …/{integrationId}/inbound/open/event`
   * `{ channel: { from, time }, events: [{ eventType: "Typing", typing: { type: "On" } }] }`).
   * @throws TargetError
   */
  async sendCustomerTyping(contact: ExternalContact, integration: Integration): Promise<void> {
    const s = contactState(contact);
    await this.api(integration).call(
      'POST',
      `/api/v2/conversations/messages/${encodeURIComponent(s.openMessagingIntegrationId)}/inbound/open/event`,
      {
        channel: {
          from: { id: s.customerId, idType: 'Opaque', nickname: s.nickname },
          time: new Date().toISOString(),
        },
        events: [{ eventType: 'Typing', typing: { type: 'On' } }],
      },
    );
  }

  /**
   * A customer file: an inbound open message whose `content` is one `Attachment` (`mediaType` from the MIME type,
   * `url`, `mime`, `filename`); Genesys downloads the URL, so it is vetted first by the outbound policy (scheme,
   * allow-list, every resolved address) — the hub never hands Genesys a URL it would not fetch itself.
   * `channel.messageId` = our message id (Genesys dedupes).
   * @throws TargetError `invalid` naming `file.url` when the policy refuses it
   */
  async sendCustomerFile(
    contact: ExternalContact,
    file: CustomerFile,
    integration: Integration,
  ): Promise<void> {
    try {
      await this.http.policy.resolve(this.http.policy.checkUrl(file.url));
    } catch (e) {
      if (e instanceof OutboundUrlRefusedError)
        throw new TargetError('invalid', `file URL refused: ${e.message}`, 'file.url');
      throw new TargetError('unavailable', `file URL: ${(e as Error).message}`, 'file.url');
    }
    const s = contactState(contact);
    const mime = file.contentType.split(';')[0].trim().toLowerCase();
    await this.api(integration).call(
      'POST',
      `/api/v2/conversations/messages/${encodeURIComponent(s.openMessagingIntegrationId)}/inbound/open/message`,
      {
        channel: {
          messageId: file.messageId,
          from: { id: s.customerId, idType: 'Opaque', nickname: s.nickname },
          time: file.at,
        },
        content: [
          {
            contentType: 'Attachment',
            attachment: {
              mediaType: genesysMediaType(mime),
              url: file.url,
              mime,
              filename: file.name.slice(0, 255),
            },
          },
        ],
      },
    );
  }

  /** Disconnects the Genesys conversation; a conversation that is gone (404) or already ended (409) counts as done. */
  async end(
    contact: ExternalContact,
    _reason: 'timeout' | 'withdrawn' | 'customer_left',
    integration: Integration,
  ): Promise<void> {
    const s = contactState(contact);
    if (!s.conversationId) return;
    try {
      await this.api(integration).call(
        'PATCH',
        `/api/v2/conversations/messages/${encodeURIComponent(s.conversationId)}`,
        {
          state: 'disconnected',
        },
      );
    } catch (e) {
      if (e instanceof VendorCallError && (e.status === 404 || e.status === 409)) return;
      throw e;
    }
  }

  /**
   * Writes `summary` as the wrap-up note of the (last) agent's communication, with `config.wrapUpCodeId`.
   * @throws TargetError('invalid', `config.wrapUpCodeId`) when no code is configured; ('invalid',
   *         `state.conversationId`) when the conversation id is unknown or no agent took part
   */
  async saveSummary(contact: ExternalContact, summary: string, integration: Integration): Promise<void> {
    const code = integration.config.wrapUpCodeId;
    if (!code)
      throw new TargetError('invalid', 'set a wrap-up code to save summaries', 'config.wrapUpCodeId');
    const s = contactState(contact);
    if (!s.conversationId) {
      throw new TargetError('invalid', 'the Genesys conversation id is unknown', 'state.conversationId');
    }
    const api = this.api(integration);
    const conv = await this.conversation(api, s.conversationId);
    const agent = [...conv.participants].reverse().find((p) => p.purpose === 'agent' && p.messages?.length);
    if (!agent?.messages?.length) {
      throw new TargetError('invalid', 'no agent took part in the conversation', 'state.conversationId');
    }
    const communicationId = agent.messages[agent.messages.length - 1].id;
    await api.call(
      'POST',
      `/api/v2/conversations/messages/${encodeURIComponent(s.conversationId)}/participants/${encodeURIComponent(
        agent.id,
      )}/communications/${encodeURIComponent(communicationId)}/wrapup`,
      { code, notes: summary.slice(0, 4000) },
    );
  }

  /**
   * Whether the Genesys conversation has ended, read from the platform (`GET /api/v2/conversations/{id}`): the
   * Open Messaging webhook carries agent text and typing but no "agent disconnected" notification in the documented
   * outbound event types (`OpenMessageEvent.eventType`: `Typing`), so the hub polls this (e.g. on its durable timer)
   * while a Genesys handoff is accepted. Every agent communication disconnected/terminated → ended by agent; the
   * customer's → ended by customer; the conversation gone (404) → ended by system.
   * @returns the `ended` event with the stable id `ended:{conversationId}`, or null while the conversation lives
   * @throws TargetError
   */
  async pollEnded(
    contact: ExternalContact,
    integration: Integration,
  ): Promise<{ externalContactId: string; eventId: string; event: TargetEvent } | null> {
    const s = contactState(contact);
    if (!s.conversationId) return null;
    let by: 'agent' | 'customer' | 'system' | null = null;
    try {
      const conv = await this.conversation(this.api(integration), s.conversationId);
      const ended = (purpose: string) =>
        conv.participants.some(
          (p) =>
            p.purpose === purpose &&
            !!p.messages?.length &&
            p.messages.every((m) => ENDED_STATES.has(m.state ?? '')),
        );
      by = ended('agent') ? 'agent' : ended('customer') ? 'customer' : null;
    } catch (e) {
      if (!(e instanceof VendorCallError && e.status === 404)) throw e;
      by = 'system';
    }
    if (!by) return null;
    return {
      externalContactId: contact.externalContactId,
      eventId: `ended:${s.conversationId}`,
      event: { kind: 'ended', at: new Date().toISOString(), by },
    };
  }

  /** Every routing queue of the org (`GET /api/v2/routing/queues`, all pages of 100). */
  async listQueues(integration: Integration): Promise<PlatformQueue[]> {
    const api = this.api(integration);
    const out: PlatformQueue[] = [];
    for (let page = 1; page <= 50; page++) {
      const res = QueuePage.parse(
        (await api.call('GET', `/api/v2/routing/queues?pageSize=100&pageNumber=${page}`)).json ?? {},
      );
      out.push(...res.entities.map((q) => ({ id: q.id, name: q.name, kind: 'queue' as const })));
      if (!res.pageCount || page >= res.pageCount || res.entities.length === 0) break;
    }
    return out;
  }

  /**
   * Test Connection: `credentials` (a token from the login host; unreachable host → `region`), `region` (the API
   * host accepts it: `GET /api/v2/organizations/me`), `permission` (the Open Messaging integration is readable:
   * `GET /api/v2/conversations/messaging/integrations/open/{id}`), `queues` (`GET /api/v2/routing/queues`, and every
   * mapped queue exists). Stops at the first failing step. Never throws.
   */
  async testConnection(integration: Integration): Promise<TestConnectionReport> {
    const t = new ConnectionTest();
    const api = this.api(integration);
    try {
      await this.tokens.get(this.http, integration.id, integration.config, integration.secrets);
      t.pass('credentials');
    } catch (e) {
      if (e instanceof VendorCallError && e.kind === 'auth')
        return t.fail('credentials', 'the OAuth client id or secret was refused');
      if (e instanceof VendorCallError && e.status === 400) return t.fail('credentials', errorText(e));
      return t.fail('region', `login host: ${errorText(e)}`);
    }
    try {
      await api.call('GET', '/api/v2/organizations/me');
      t.pass('region');
    } catch (e) {
      if (e instanceof VendorCallError && e.status === 403) {
        t.pass('region');
      } else {
        return t.fail('region', `API host: ${errorText(e)}`);
      }
    }
    const omId = integration.config.openMessagingIntegrationId;
    if (!omId)
      return t.fail(
        'permission',
        'config.openMessagingIntegrationId is not set (run the Open Messaging setup)',
      );
    try {
      await api.call('GET', `/api/v2/conversations/messaging/integrations/open/${encodeURIComponent(omId)}`);
      t.pass('permission');
    } catch (e) {
      if (e instanceof VendorCallError && e.status === 404)
        return t.fail('permission', 'the Open Messaging integration does not exist');
      return t.fail('permission', `messaging integrations: ${errorText(e)}`);
    }
    try {
      const queues = await this.listQueues(integration);
      const known = new Set(queues.map((q) => q.id));
      const wanted = [
        ...(integration.config.defaultQueueId ? [integration.config.defaultQueueId] : []),
        ...integration.config.queueMappings.map((m) => m.queueId),
      ];
      const missing = [...new Set(wanted.filter((q) => !known.has(q)))];
      if (missing.length) return t.fail('queues', `mapped queue(s) not found: ${missing.join(', ')}`);
      t.pass('queues', `${queues.length} queue(s)`);
    } catch (e) {
      return t.fail(
        e instanceof VendorCallError && e.kind === 'auth' ? 'permission' : 'queues',
        `routing queues: ${errorText(e)}`,
      );
    }
    return t.done();
  }

  /**
   * Setup step: creates the Open Messaging integration that posts agent messages to `webhookUrl`, signed with the
   * integration's `webhookSignatureSecret` (`POST /api/v2/conversations/messaging/integrations/open`).
   * @returns the new integration's id (store it as `config.openMessagingIntegrationId`)
   * @throws TargetError
   */
  async createOpenMessagingIntegration(
    integration: Integration,
    opts: { name: string; webhookUrl: string },
  ): Promise<{ openMessagingIntegrationId: string }> {
    const res = await this.api(integration).call(
      'POST',
      '/api/v2/conversations/messaging/integrations/open',
      {
        name: opts.name,
        outboundNotificationWebhookUrl: opts.webhookUrl,
        outboundNotificationWebhookSignatureSecretToken: integration.secrets.webhookSignatureSecret,
      },
    );
    const id = z.object({ id: z.string().min(1) }).safeParse(res.json);
    if (!id.success) throw new TargetError('unavailable', 'Genesys returned no integration id');
    return { openMessagingIntegrationId: id.data.id };
  }

  /**
   * Setup route (`POST /v1/integrations/{id}/setup`): {@link createOpenMessagingIntegration}.
   * @returns `{ openMessagingIntegrationId }` to store in the config
   */
  async setup(
    integration: Integration,
    opts: { name: string; webhookUrl: string },
  ): Promise<Record<string, string>> {
    return this.createOpenMessagingIntegration(integration, opts);
  }

  private async conversation(api: GenesysApi, conversationId: string) {
    return Conversation.parse(
      (await api.call('GET', `/api/v2/conversations/${encodeURIComponent(conversationId)}`)).json ?? {},
    );
  }

  private api(integration: Integration): GenesysApi {
    return new GenesysApi(this.http, this.tokens, integration.id, integration.config, integration.secrets);
  }
}

function openMessagingId(config: GenesysCloudConfig): string {
  if (!config.openMessagingIntegrationId) {
    throw new TargetError(
      'invalid',
      'the Open Messaging integration is not set up',
      'config.openMessagingIntegrationId',
    );
  }
  return config.openMessagingIntegrationId;
}

function contactState(contact: ExternalContact): ContactState {
  const s = ContactState.safeParse(contact.state);
  if (!s.success) throw new TargetError('invalid', 'the contact state is not a Genesys contact', 'state');
  return s.data;
}
