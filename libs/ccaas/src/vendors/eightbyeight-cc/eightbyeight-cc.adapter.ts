import { z } from 'zod';
import { IntegrationConfigSchemas, type OutboundHttp } from '@hub/integrations';
import { ConnectionTest, VendorCallError, errorText, strictOutboundHttp } from '../vendor-http';
import {
  TargetError,
  type EscalationTargetAdapter,
  type ExternalContact,
  type HandoffContext,
  type PlatformQueue,
  type StartJournal,
  type TargetIntegration,
  type TestConnectionReport,
} from '../../core/target';
import {
  EightByEightChatGateway,
  type EightByEightCcConfig,
  type EightByEightCcSecrets,
} from './eightbyeight-cc.client';
import {
  eightByEightHistory,
  eightByEightUser,
  resolveEightByEightAssignment,
} from './eightbyeight-cc.mapper';

type Integration = TargetIntegration<EightByEightCcConfig, EightByEightCcSecrets>;

/** The notification version of webhooks the hub registers (Chat Gateway `EventVersion`). */
export const EIGHTBYEIGHT_NOTIFICATION_VERSION = 'Chat Gateway v1.0';

const Created = z.object({ conversationId: z.string().min(1) });
const Channel = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  routingOptions: z.looseObject({ type: z.string().optional(), id: z.string().optional() }).optional(),
  webHookId: z.string().optional(),
});
const Channels = z.looseObject({
  _embedded: z.looseObject({ channels: z.array(Channel).default([]) }).optional(),
});

/** Options of {@link EightByEightCcTarget}. */
export interface EightByEightCcTargetOptions {
  /** Outbound HTTP of the hosting service (its `OUTBOUND_*` policy). Default: https only, public addresses only. */
  http?: OutboundHttp;
  /**
   * Durable journal making retries safe (the Chat Gateway API has no idempotency key and no conversation
   * search): the conversation created for a handoff and the customer lines already sent are recorded right
   * after 8x8 answered, and looked up before a retry re-creates / re-sends them.
   */
  journal?: StartJournal;
}

/**
 * 8x8 Contact Center as an escalation target through the Chat Gateway API (integration type `eightbyeight_cc`;
 * 8x8 "Contact Center Chat Gateway" OpenAPI v1 and "Workflow — Connecting 3rd party channel").
 *
 * - {@link start}: `POST /chat-gateway/v1/conversations` with `channelId`, `user` (name, email, phone, `caseId`,
 *   `additionalProperties` = case category, media type, priority, intent, summary, sentiment and the bot's custom
 *   fields), `assignment` (the mapped queue, or a script for skill groups) and `history.messages` (the transcript:
 *   the agent's case notes). Answer 202 `{ conversationId }`.
 * - {@link sendCustomerMessage}: `POST /chat-gateway/v1/conversations/{id}/messages` `{ authorType: "user", text }`.
 * - {@link end}: `PATCH /chat-gateway/v1/conversations/{id}/participants/user` `{ removed: true }` (the user leaves:
 *   the interaction is terminated).
 * - The agent's side arrives on the webhook ({@link EightByEightCcWebhookReceiver}).
 * The Chat Gateway has no wrap-up note, so there is no `saveSummary`.
 */
export class EightByEightCcTarget implements EscalationTargetAdapter<
  EightByEightCcConfig,
  EightByEightCcSecrets
> {
  readonly type = 'eightbyeight_cc';
  readonly configSchema = IntegrationConfigSchemas.eightbyeight_cc
    .config as unknown as z.ZodType<EightByEightCcConfig>;
  readonly secretsSchema = IntegrationConfigSchemas.eightbyeight_cc
    .secrets as unknown as z.ZodType<EightByEightCcSecrets>;
  private readonly http: OutboundHttp;
  private readonly journal?: StartJournal;

  constructor(opts: EightByEightCcTargetOptions = {}) {
    this.http = opts.http ?? strictOutboundHttp();
    this.journal = opts.journal;
  }

  /**
   * Creates the conversation — or, when the journal has the one already created for this handoff (a retried
   * `start` command after a crash or a failed store), returns it without calling 8x8.
   * @returns contact id = 8x8 `conversationId`; state `{ conversationId, assignment }`
   * @throws TargetError (`invalid` naming `config.channelId` / `config.defaultQueueId`, …)
   */
  async start(ctx: HandoffContext, integration: Integration): Promise<ExternalContact> {
    const channelId = integration.config.channelId;
    if (!channelId)
      throw new TargetError('invalid', 'the Chat API channel is not set up', 'config.channelId');
    const assignment = resolveEightByEightAssignment(ctx, integration.config);
    const key = `eightbyeight_cc:${integration.id}:conversation:${ctx.handoffId}`;
    const known = await this.journal?.get(key);
    if (known) return { externalContactId: known, state: { conversationId: known, assignment } };
    const history = eightByEightHistory(ctx);
    const res = await this.gateway(integration).call('POST', '/chat-gateway/v1/conversations', {
      channelId,
      user: eightByEightUser(ctx),
      assignment,
      ...(history.length ? { history: { messages: history } } : {}),
    });
    const created = Created.safeParse(res.json);
    if (!created.success) throw new TargetError('unavailable', '8x8 returned no conversation id');
    await this.journal?.put(key, created.data.conversationId);
    return {
      externalContactId: created.data.conversationId,
      state: { conversationId: created.data.conversationId, assignment },
    };
  }

  /**
   * Adds the customer's line to the conversation (`authorType: user`); a line the journal records as sent
   * (a redelivered Kafka message) is not sent again.
   */
  async sendCustomerMessage(
    contact: ExternalContact,
    message: { messageId: string; text: string; at: string },
    integration: Integration,
  ): Promise<void> {
    const key = `eightbyeight_cc:${integration.id}:message:${contact.externalContactId}:${message.messageId}`;
    if (await this.journal?.get(key)) return;
    await this.gateway(integration).call(
      'POST',
      `/chat-gateway/v1/conversations/${encodeURIComponent(contact.externalContactId)}/messages`,
      { authorType: 'user', text: message.text },
    );
    await this.journal?.put(key, '1');
  }

  /** The user leaves the conversation (terminates the interaction); a conversation that is gone (404) counts as ended. */
  async end(
    contact: ExternalContact,
    _reason: 'timeout' | 'withdrawn' | 'customer_left',
    integration: Integration,
  ): Promise<void> {
    try {
      await this.gateway(integration).call(
        'PATCH',
        `/chat-gateway/v1/conversations/${encodeURIComponent(contact.externalContactId)}/participants/user`,
        { removed: true },
      );
    } catch (e) {
      if (e instanceof VendorCallError && (e.status === 404 || e.status === 409)) return;
      throw e;
    }
  }

  /**
   * The routing targets the admin UI can map: the queue of every Chat API channel (`GET /chat-gateway/v1/channels`),
   * the configured queues and the skill-group scripts. (The Chat Gateway API has no queue directory; names of
   * queues only known by id are their ids.)
   */
  async listQueues(integration: Integration): Promise<PlatformQueue[]> {
    const res = Channels.parse(
      (await this.gateway(integration).call('GET', '/chat-gateway/v1/channels?size=100')).json ?? {},
    );
    const out = new Map<string, PlatformQueue>();
    for (const c of res._embedded?.channels ?? []) {
      const q = c.routingOptions?.id;
      if (q && !out.has(`queue:${q}`))
        out.set(`queue:${q}`, { id: q, name: `${q} (channel ${c.name ?? c.id})`, kind: 'queue' });
    }
    const cfg = integration.config;
    for (const q of [
      ...(cfg.defaultQueueId ? [{ queueId: cfg.defaultQueueId, name: undefined as string | undefined }] : []),
      ...cfg.queueMappings,
    ]) {
      if (!out.has(`queue:${q.queueId}`))
        out.set(`queue:${q.queueId}`, { id: q.queueId, name: q.name ?? q.queueId, kind: 'queue' });
    }
    for (const g of cfg.skillGroups) {
      if (!out.has(`script:${g.scriptId}`))
        out.set(`script:${g.scriptId}`, { id: g.scriptId, name: g.name ?? g.value, kind: 'skill_group' });
    }
    return [...out.values()];
  }

  /**
   * Test Connection: `credentials` (`GET /chat-gateway/v1/webhooks` accepts the API key; unreachable host →
   * `region`), `permission` (403: the key lacks the Chat Gateway product or the tenant is not the customer's),
   * `webhook` (the registered webhook exists), `queues` (the channel exists and routes to a queue). Never throws.
   */
  async testConnection(integration: Integration): Promise<TestConnectionReport> {
    const t = new ConnectionTest();
    const gw = this.gateway(integration);
    try {
      await gw.call('GET', '/chat-gateway/v1/webhooks?size=1');
      t.pass('credentials');
      t.pass('region');
      t.pass('permission');
    } catch (e) {
      if (e instanceof VendorCallError && e.status === 401)
        return t.fail('credentials', 'the API key was refused');
      if (e instanceof VendorCallError && e.status === 403) {
        t.pass('credentials');
        t.pass('region');
        return t.fail(
          'permission',
          `the key may not use the Chat Gateway for tenant ${integration.config.tenantId}`,
        );
      }
      return t.fail('region', errorText(e));
    }
    const { webhookId, channelId } = integration.config;
    if (!webhookId) return t.fail('webhook', 'config.webhookId is not set (run the setup)');
    try {
      await gw.call('GET', `/chat-gateway/v1/webhooks/${encodeURIComponent(webhookId)}`);
      t.pass('webhook');
    } catch (e) {
      return t.fail('webhook', errorText(e));
    }
    if (!channelId) return t.fail('queues', 'config.channelId is not set (run the setup)');
    try {
      const c = Channel.parse(
        (await gw.call('GET', `/chat-gateway/v1/channels/${encodeURIComponent(channelId)}`)).json,
      );
      if (!c.routingOptions?.id) return t.fail('queues', `channel ${channelId} routes to no queue`);
      t.pass('queues', `channel ${channelId} → queue ${c.routingOptions.id}`);
    } catch (e) {
      return t.fail('queues', errorText(e));
    }
    return t.done();
  }

  /**
   * Setup: registers the hub's webhook (`POST /chat-gateway/v1/webhooks`; 8x8 then sends `WEB_HOOK_VERIFY`, which
   * the receiver answers 2xx) and a Chat API channel routed to `queueId` that uses it (`POST /chat-gateway/v1/channels`).
   * @returns ids to store as `config.webhookId` and `config.channelId`
   * @throws TargetError
   */
  async registerWebhookAndChannel(
    integration: Integration,
    opts: { name: string; webhookUrl: string; queueId: string },
  ): Promise<{ webhookId: string; channelId: string }> {
    const gw = this.gateway(integration);
    const wh = z.looseObject({ id: z.string().min(1) }).safeParse(
      (
        await gw.call('POST', '/chat-gateway/v1/webhooks', {
          name: opts.name,
          uri: opts.webhookUrl,
          version: EIGHTBYEIGHT_NOTIFICATION_VERSION,
        })
      ).json,
    );
    if (!wh.success) throw new TargetError('unavailable', '8x8 returned no webhook id');
    const ch = z.looseObject({ id: z.string().min(1) }).safeParse(
      (
        await gw.call('POST', '/chat-gateway/v1/channels', {
          name: opts.name,
          type: 'ChatAPI',
          webHookId: wh.data.id,
          routingOptions: { type: 'queue', id: opts.queueId },
        })
      ).json,
    );
    if (!ch.success) throw new TargetError('unavailable', '8x8 returned no channel id');
    return { webhookId: wh.data.id, channelId: ch.data.id };
  }

  /**
   * Setup route (`POST /v1/integrations/{id}/setup`): {@link registerWebhookAndChannel}, the channel routed to
   * `queueId` (default `config.defaultQueueId`).
   * @returns `{ webhookId, channelId }` to store in the config
   * @throws TargetError `invalid` (field `queueId`) without a queue
   */
  async setup(
    integration: Integration,
    opts: { name: string; webhookUrl: string; queueId?: string },
  ): Promise<Record<string, string>> {
    const queueId = opts.queueId ?? integration.config.defaultQueueId;
    if (!queueId) {
      throw new TargetError(
        'invalid',
        'the channel needs a queue: give queueId or set config.defaultQueueId',
        'queueId',
      );
    }
    return this.registerWebhookAndChannel(integration, { ...opts, queueId });
  }

  private gateway(integration: Integration): EightByEightChatGateway {
    return new EightByEightChatGateway(this.http, integration.config, integration.secrets);
  }
}
