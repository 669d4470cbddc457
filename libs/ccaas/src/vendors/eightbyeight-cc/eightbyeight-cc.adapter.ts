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
  awaitReportedConversation,
  eightByEightKeys,
  outcomeUnknown,
  type ReconciliationCounter,
} from './eightbyeight-cc.reconcile';
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
  /** Counts reconciliation outcomes (`adopted`, `duplicate_closed`, `uncertain_send`). */
  count?: ReconciliationCounter;
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
  private readonly count: ReconciliationCounter;

  constructor(opts: EightByEightCcTargetOptions = {}) {
    this.http = opts.http ?? strictOutboundHttp();
    this.journal = opts.journal;
    this.count = opts.count ?? (() => undefined);
  }

  /**
   * Creates the conversation — or, when the journal has the one already created for this handoff (a retried
   * `start` command after a crash or a failed store), returns it without calling 8x8.
   *
   * Reconciliation of a lost answer (the Chat Gateway has no idempotency key): `caseId` is the handoff id, and 8x8
   * reports every conversation's `user.caseId` in its `CONVERSATION_UPDATE` webhooks, which the receiver journals.
   * Before a create, an `attempt` mark is journaled; when a later attempt finds it (an earlier answer may have been
   * lost), it first waits up to `config.reconcileWaitMs` for the conversation 8x8 reported for the case and adopts
   * it (counted `adopted`) instead of creating a second one. If a second one was created anyway (the webhook came
   * late), whichever conversation is not the handoff's is closed (the user leaves it; counted `duplicate_closed`) —
   * here when the report came before this answer, by the receiver when it comes after — and its events reach no
   * handoff (the orchestrator knows only the handoff's conversation).
   * @returns contact id = 8x8 `conversationId`; state `{ conversationId, assignment }`
   * @throws TargetError (`invalid` naming `config.channelId` / `config.defaultQueueId`, …)
   */
  async start(ctx: HandoffContext, integration: Integration): Promise<ExternalContact> {
    const channelId = integration.config.channelId;
    if (!channelId)
      throw new TargetError('invalid', 'the Chat API channel is not set up', 'config.channelId');
    const assignment = resolveEightByEightAssignment(ctx, integration.config);
    const contact = (id: string): ExternalContact => ({
      externalContactId: id,
      state: { conversationId: id, assignment },
    });
    const key = eightByEightKeys.conversation(integration.id, ctx.handoffId);
    const reportedKey = eightByEightKeys.reported(integration.id, ctx.handoffId);
    const attemptKey = eightByEightKeys.attempt(integration.id, ctx.handoffId);
    const journal = this.journal;
    const known = await journal?.get(key);
    if (known) return contact(known);
    // '' = no create in doubt; 'sent' = a create left (a crash may have lost its answer); 'unknown' = one failed
    // without an answer.
    const mark = (await journal?.get(attemptKey)) ?? '';
    if (journal && mark) {
      const reported = await awaitReportedConversation(
        journal,
        reportedKey,
        integration.config.reconcileWaitMs ?? 5000,
      );
      if (reported) {
        await journal.put(key, reported);
        this.count('adopted');
        return contact(reported);
      }
    }
    if (mark !== 'unknown') await journal?.put(attemptKey, 'sent');
    const history = eightByEightHistory(ctx);
    let res;
    try {
      res = await this.gateway(integration).call('POST', '/chat-gateway/v1/conversations', {
        channelId,
        user: eightByEightUser(ctx),
        assignment,
        ...(history.length ? { history: { messages: history } } : {}),
      });
    } catch (e) {
      if (outcomeUnknown(e)) await journal?.put(attemptKey, 'unknown');
      else if (mark !== 'unknown') await journal?.put(attemptKey, '');
      throw e;
    }
    const created = Created.safeParse(res.json);
    if (!created.success) throw new TargetError('unavailable', '8x8 returned no conversation id');
    const id = created.data.conversationId;
    if (journal) {
      await journal.put(key, id);
      // Written before read, as the receiver does the other way round: one of the two sees the other's key.
      const reported = await journal.get(reportedKey);
      if (reported && reported !== id) await this.closeDuplicate(reported, integration);
    }
    return contact(id);
  }

  /**
   * Closes a conversation 8x8 created for a handoff that has another one (a create whose answer was lost): the
   * user leaves it, so its interaction is terminated and no agent works it. Idempotent (404/409 = gone).
   * @throws TargetError
   */
  async closeDuplicate(conversationId: string, integration: Integration): Promise<void> {
    await this.end({ externalContactId: conversationId, state: {} }, 'withdrawn', integration);
    this.count('duplicate_closed');
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
    const key = eightByEightKeys.message(integration.id, contact.externalContactId, message.messageId);
    if (await this.journal?.get(key)) return;
    try {
      await this.gateway(integration).call(
        'POST',
        `/chat-gateway/v1/conversations/${encodeURIComponent(contact.externalContactId)}/messages`,
        { authorType: 'user', text: message.text },
      );
    } catch (e) {
      // The message API takes no client id and 8x8 echoes nothing we could match: the retry may add the line
      // twice. Counted, not silent (docs/vendors/8x8.md → Limits).
      if (outcomeUnknown(e)) this.count('uncertain_send');
      throw e;
    }
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
