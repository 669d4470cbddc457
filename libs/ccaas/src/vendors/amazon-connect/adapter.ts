import {
  DescribeContactFlowCommand,
  GetContactAttributesCommand,
  ListContactFlowsCommand,
  type ContactFlowSummary,
  ListQueuesCommand,
  StartChatContactCommand,
  StartOutboundVoiceContactCommand,
  StopContactCommand,
  type QueueSummary,
} from '@aws-sdk/client-connect';
import {
  CompleteAttachmentUploadCommand,
  CreateParticipantConnectionCommand,
  GetAttachmentCommand,
  GetTranscriptCommand,
  SendEventCommand,
  SendMessageCommand,
  StartAttachmentUploadCommand,
} from '@aws-sdk/client-connectparticipant';
import {
  AmazonConnectConfigSchema,
  AmazonConnectSecretsSchema,
  OutboundUrlRefusedError,
  type AmazonConnectConfig,
  type AmazonConnectSecrets,
  type OutboundHttp,
} from '@hub/integrations';
import {
  TargetError,
  type CustomerFile,
  type EscalationTargetAdapter,
  type FileLimits,
  type ExternalContact,
  type HandoffContext,
  type PlatformQueue,
  type TargetEventSink,
  type TargetStream,
  type TestConnectionReport,
  type TestConnectionStep,
  currentLeg,
} from '../../core/target';
import { buildContactAttributes } from './attributes';
import { ConnectClientFactory, type ConnectIntegration } from './aws-clients';
import { toTargetError } from './errors';
import { fetchCustomerFile, VendorCallError } from '../vendor-http';
import { CONNECT_EVENT, openParticipantStream, type ConnectChatItem } from './participant-stream';

export const AMAZON_CONNECT = 'amazon_connect';

/** What the orchestrator persists (encrypted) for one Connect contact. */
export interface ConnectContactState {
  mode: 'chat' | 'voice';
  instanceId: string;
  contactId: string;
  contactFlowId: string;
  queueId?: string;
  participantId?: string;
  participantToken?: string;
  connectionToken?: string;
  /** ISO time the connection token expires. */
  connectionExpiry?: string;
  websocketUrl?: string;
  websocketExpiry?: string;
  attributesBytes: number;
  transcript: { kept: number; omitted: number };
}

/** Connect's largest `text/plain` message, characters. */
const MAX_MESSAGE_CHARS = 16_384;

/**
 * Chat attachments Amazon Connect accepts (Administrator Guide "Enable attachments to share files using chat":
 * at most 20 MB; .csv .doc .docx .heic .jfif .jpeg .jpg .mov .mp4 .pdf .png .ppt .pptx .rtf .txt .wav .xls .xlsx),
 * as MIME types. Attachments must be enabled on the instance (an S3 bucket for them).
 */
export const CONNECT_FILE_LIMITS: FileLimits = {
  maxBytes: 20 * 1024 * 1024,
  contentTypes: [
    'text/csv',
    'application/msword',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'image/heic',
    'image/jpeg',
    'video/quicktime',
    'video/mp4',
    'application/pdf',
    'image/png',
    'application/vnd.ms-powerpoint',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    'application/rtf',
    'text/plain',
    'audio/wav',
    'audio/x-wav',
    'application/vnd.ms-excel',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ],
};

const eq = (a?: string, b?: string) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** The first mapping whose intent and category (when set) match the handoff's. Pure. */
export function pickMapping<T extends { intent?: string; category?: string }>(
  rules: readonly T[],
  ctx: Pick<HandoffContext, 'intent' | 'category'>,
): T | undefined {
  return rules.find(
    (r) =>
      (r.intent === undefined || eq(r.intent, ctx.intent)) &&
      (r.category === undefined || eq(r.category, ctx.category)),
  );
}

/** Digits of a phone number in E.164 (`+` and 8–15 digits), or null. */
export function toE164(phone: string | undefined): string | null {
  if (!phone) return null;
  const digits = phone.replace(/[^\d]/g, '');
  return digits.length >= 8 && digits.length <= 15 ? `+${digits}` : null;
}

/**
 * Amazon Connect as an escalation target (seed 004), over the AWS SDK v3 (`@aws-sdk/client-connect`,
 * `client-connectparticipant`, `client-sts`):
 * - chat handoff → `StartChatContact` (flow from the flow mappings or the default; `ob_*` + custom
 *   attributes within 32,768 bytes, {@link buildContactAttributes}; `ClientToken` = handoff id, so a retried
 *   start returns the same contact) → `CreateParticipantConnection` (`ConnectParticipant: true`,
 *   websocket + connection credentials) → the participant websocket ({@link openStream});
 * - voice/phone handoff with a phone number → `StartOutboundVoiceContact` (queue from the queue mappings);
 * - customer lines → `SendMessage`; end → `StopContact` (an already ended contact is fine);
 * - errors → {@link TargetError} ({@link toTargetError}): throttling and outages retriable, bad
 *   parameters / unknown resources `invalid` naming the field.
 */
export class AmazonConnectAdapter implements EscalationTargetAdapter<
  AmazonConnectConfig,
  AmazonConnectSecrets
> {
  readonly type = AMAZON_CONNECT;
  readonly configSchema = AmazonConnectConfigSchema;
  readonly secretsSchema = AmazonConnectSecretsSchema;
  private readonly clients: ConnectClientFactory;

  /**
   * @param http the outbound HTTP of `@hub/integrations`: its URL policy vets the `endpoint` override, the
   *   participant websocket URL, customer file downloads and attachment upload URLs
   * @param opts.heartbeatMs participant websocket heartbeat interval (default 10 s)
   */
  constructor(
    private readonly http: OutboundHttp,
    private readonly opts: { heartbeatMs?: number; requestTimeoutMs?: number } = {},
  ) {
    this.clients = new ConnectClientFactory(http.policy, { requestTimeoutMs: opts.requestTimeoutMs });
  }

  /** @throws TargetError (see class doc) */
  async start(ctx: HandoffContext, integration: ConnectIntegration): Promise<ExternalContact> {
    const { config } = integration;
    const { connect, participant } = await this.clients.clients(integration);
    const flow = pickMapping(config.flowMappings, ctx)?.contactFlowId ?? config.defaultContactFlowId;
    const queueId = pickMapping(config.queueMappings, ctx)?.queueId;
    const built = buildContactAttributes(ctx, { queueId });
    const phone = toE164(ctx.customer.phone);
    const base = {
      instanceId: config.instanceId,
      contactFlowId: flow,
      queueId,
      attributesBytes: built.totalBytes,
      transcript: built.transcript,
    };
    if ((ctx.channel === 'voice' || ctx.channel === 'phone') && phone) {
      const out = await connect
        .send(
          new StartOutboundVoiceContactCommand({
            InstanceId: config.instanceId,
            ContactFlowId: flow,
            DestinationPhoneNumber: phone,
            SourcePhoneNumber: config.sourcePhoneNumber,
            QueueId: queueId,
            Attributes: built.attributes,
            ClientToken: ctx.handoffId,
          }),
        )
        .catch((e: unknown) => {
          throw toTargetError(e, 'StartOutboundVoiceContact', 'contact.phone');
        });
      if (!out.ContactId)
        throw new TargetError('unavailable', 'StartOutboundVoiceContact returned no ContactId');
      const state: ConnectContactState = { mode: 'voice', contactId: out.ContactId, ...base };
      return { externalContactId: out.ContactId, state: { ...state } };
    }
    const chat = await connect
      .send(
        new StartChatContactCommand({
          InstanceId: config.instanceId,
          ContactFlowId: flow,
          Attributes: built.attributes,
          ParticipantDetails: { DisplayName: (ctx.customer.name ?? 'Customer').slice(0, 256) },
          ChatDurationInMinutes: config.chatDurationMinutes,
          SupportedMessagingContentTypes: ['text/plain'],
          ClientToken: ctx.handoffId,
        }),
      )
      .catch((e: unknown) => {
        throw toTargetError(e, 'StartChatContact', 'config.defaultContactFlowId');
      });
    if (!chat.ContactId || !chat.ParticipantToken) {
      throw new TargetError('unavailable', 'StartChatContact returned no ContactId / ParticipantToken');
    }
    // Within the participant token's window: connect now (ConnectParticipant: true starts the chat flow).
    const conn = await participant
      .send(
        new CreateParticipantConnectionCommand({
          ParticipantToken: chat.ParticipantToken,
          Type: ['WEBSOCKET', 'CONNECTION_CREDENTIALS'],
          ConnectParticipant: true,
        }),
      )
      .catch((e: unknown) => {
        throw toTargetError(e, 'CreateParticipantConnection');
      });
    const state: ConnectContactState = {
      mode: 'chat',
      contactId: chat.ContactId,
      participantId: chat.ParticipantId,
      participantToken: chat.ParticipantToken,
      connectionToken: conn.ConnectionCredentials?.ConnectionToken,
      connectionExpiry: conn.ConnectionCredentials?.Expiry,
      websocketUrl: conn.Websocket?.Url,
      websocketExpiry: conn.Websocket?.ConnectionExpiry,
      ...base,
    };
    return { externalContactId: chat.ContactId, state: { ...state } };
  }

  /**
   * Opens (or re-opens) the participant websocket of a chat contact; a websocket URL past its expiry is
   * renewed with `CreateParticipantConnection` (the participant token stays valid for the chat).
   * @throws TargetError `invalid` for a voice contact (no stream) or a URL the outbound policy refuses
   */
  async openStream(
    contact: ExternalContact,
    integration: ConnectIntegration,
    sink: TargetEventSink,
  ): Promise<TargetStream> {
    const s = contact.state as unknown as ConnectContactState;
    if (s.mode !== 'chat' || !s.participantToken) {
      throw new TargetError('invalid', 'voice contacts have no participant stream', 'channel');
    }
    let url = s.websocketUrl;
    if (!url || !s.websocketExpiry || Date.parse(s.websocketExpiry) - 10_000 < Date.now()) {
      const { participant } = await this.clients.clients(integration);
      const conn = await participant
        .send(
          new CreateParticipantConnectionCommand({
            ParticipantToken: s.participantToken,
            Type: ['WEBSOCKET'],
          }),
        )
        .catch((e: unknown) => {
          throw toTargetError(e, 'CreateParticipantConnection');
        });
      url = conn.Websocket?.Url;
      if (!url) throw new TargetError('unavailable', 'CreateParticipantConnection returned no websocket URL');
    }
    try {
      this.http.policy.checkUrl(url);
      await this.http.policy.resolve(new URL(url));
    } catch (e) {
      if (e instanceof OutboundUrlRefusedError) {
        throw new TargetError(
          'invalid',
          `participant websocket URL refused: ${e.message}`,
          'config.endpoint',
        );
      }
      throw new TargetError('unavailable', `participant websocket: ${(e as Error).message}`);
    }
    const { participant } = await this.clients.clients(integration);
    const connectionToken = s.connectionToken;
    const replay = async (): Promise<ConnectChatItem[]> => {
      if (!connectionToken) return [];
      const items: ConnectChatItem[] = [];
      let next: string | undefined;
      do {
        const page = await participant.send(
          new GetTranscriptCommand({
            ConnectionToken: connectionToken,
            SortOrder: 'ASCENDING',
            ScanDirection: 'FORWARD',
            MaxResults: 100,
            NextToken: next,
          }),
        );
        items.push(...((page.Transcript ?? []) as ConnectChatItem[]));
        next = page.NextToken;
      } while (next && items.length < 5000);
      return items;
    };
    try {
      return await openParticipantStream({
        url,
        replay,
        heartbeatMs: this.opts.heartbeatMs,
        onEvent: async (eventId, event) =>
          sink.report({
            tenantId: integration.tenantId,
            integrationId: integration.id,
            externalContactId: contact.externalContactId,
            eventId: `aws-connect:${eventId}`,
            event:
              event.kind === 'agent_file' && connectionToken
                ? await this.resolveAttachment(event, connectionToken, integration)
                : event,
          }),
      });
    } catch (e) {
      throw new TargetError('unavailable', `participant websocket: ${(e as Error).message}`);
    }
  }

  /** `SendMessage` (`text/plain`, `ClientToken` = our message id: a retried send is not duplicated). */
  async sendCustomerMessage(
    contact: ExternalContact,
    message: { messageId: string; text: string; at: string },
    integration: ConnectIntegration,
  ): Promise<void> {
    const s = contact.state as unknown as ConnectContactState;
    if (s.mode !== 'chat' || !s.connectionToken) {
      throw new TargetError(
        'invalid',
        'this Connect contact is a voice call: it takes no chat messages',
        'channel',
      );
    }
    const { participant } = await this.clients.clients(integration);
    await participant
      .send(
        new SendMessageCommand({
          ConnectionToken: s.connectionToken,
          ContentType: 'text/plain',
          Content: message.text.slice(0, MAX_MESSAGE_CHARS),
          ClientToken: message.messageId.slice(0, 500),
        }),
      )
      .catch((e: unknown) => {
        throw toTargetError(e, 'SendMessage');
      });
  }

  /** An agent attachment's download URL and size (`GetAttachment`; the URL is pre-signed and expires). */
  private async resolveAttachment(
    event: Extract<import('../../core/target').TargetEvent, { kind: 'agent_file' }>,
    connectionToken: string,
    integration: ConnectIntegration,
  ) {
    const { participant } = await this.clients.clients(integration);
    const out = await participant
      .send(new GetAttachmentCommand({ AttachmentId: event.file.id, ConnectionToken: connectionToken }))
      .catch((e: unknown) => {
        throw toTargetError(e, 'GetAttachment');
      });
    if (!out.Url) throw new TargetError('unavailable', 'GetAttachment returned no URL');
    return {
      ...event,
      file: { ...event.file, url: out.Url, sizeBytes: Number(out.AttachmentSizeInBytes ?? 0) },
    };
  }

  readonly fileLimits = CONNECT_FILE_LIMITS;

  /**
   * Participant `SendEvent` with `application/vnd.amazonaws.connect.event.typing` (the agent sees "customer is
   * typing"). Chat contacts only; a voice contact has no participant connection (no-op).
   * @throws TargetError
   */
  async sendCustomerTyping(contact: ExternalContact, integration: ConnectIntegration): Promise<void> {
    const s = contact.state as unknown as ConnectContactState;
    if (s.mode !== 'chat' || !s.connectionToken) return;
    const { participant } = await this.clients.clients(integration);
    await participant
      .send(new SendEventCommand({ ConnectionToken: s.connectionToken, ContentType: CONNECT_EVENT.typing }))
      .catch((e: unknown) => {
        throw toTargetError(e, 'SendEvent');
      });
  }

  /**
   * A customer file into the chat: the file is downloaded from `file.url` through the outbound policy (at most
   * {@link CONNECT_FILE_LIMITS}.maxBytes), then `StartAttachmentUpload` (`ClientToken` = our message id) → `PUT` to the
   * pre-signed `UploadMetadata.Url` with its `HeadersToInclude` (vetted by the policy too) →
   * `CompleteAttachmentUpload`. Chat contacts only.
   * @throws TargetError (`invalid` naming `file.url`, `channel` for a voice contact)
   */
  async sendCustomerFile(
    contact: ExternalContact,
    file: CustomerFile,
    integration: ConnectIntegration,
  ): Promise<void> {
    const s = contact.state as unknown as ConnectContactState;
    if (s.mode !== 'chat' || !s.connectionToken) {
      throw new TargetError('invalid', 'this Connect contact is a voice call: it takes no files', 'channel');
    }
    const bytes = await fetchCustomerFile(this.http, file.url, CONNECT_FILE_LIMITS.maxBytes);
    const { participant } = await this.clients.clients(integration);
    const clientToken = file.messageId.slice(0, 500);
    const started = await participant
      .send(
        new StartAttachmentUploadCommand({
          ConnectionToken: s.connectionToken,
          ContentType: file.contentType.split(';')[0].trim().toLowerCase(),
          AttachmentSizeInBytes: bytes.length,
          AttachmentName: file.name.slice(0, 256),
          ClientToken: clientToken,
        }),
      )
      .catch((e: unknown) => {
        throw toTargetError(e, 'StartAttachmentUpload');
      });
    const upload = started.UploadMetadata;
    if (!started.AttachmentId || !upload?.Url)
      throw new TargetError('unavailable', 'StartAttachmentUpload returned no upload URL');
    let res;
    try {
      res = await this.http.request(upload.Url, {
        method: 'PUT',
        headers: { ...(upload.HeadersToInclude ?? {}) },
        body: bytes,
        signal: AbortSignal.timeout(60_000),
      });
    } catch (e) {
      if (e instanceof OutboundUrlRefusedError)
        throw new TargetError('invalid', `attachment upload URL refused: ${e.message}`, 'config.endpoint');
      throw new VendorCallError('unavailable', `attachment upload failed (${(e as Error).name})`, undefined);
    }
    res.discard();
    if (!res.ok) {
      throw new VendorCallError(
        res.status >= 500 ? 'unavailable' : 'invalid',
        `attachment upload answered ${res.status}`,
        res.status,
        'file',
      );
    }
    await participant
      .send(
        new CompleteAttachmentUploadCommand({
          ConnectionToken: s.connectionToken,
          AttachmentIds: [started.AttachmentId],
          ClientToken: clientToken,
        }),
      )
      .catch((e: unknown) => {
        throw toTargetError(e, 'CompleteAttachmentUpload');
      });
  }

  /** `StopContact`; a contact that is already over (`ContactNotFoundException`, `InvalidRequestException`) is success. */
  async end(
    contact: ExternalContact,
    _reason: 'timeout' | 'withdrawn' | 'customer_left',
    integration: ConnectIntegration,
  ): Promise<void> {
    const s = contact.state as unknown as ConnectContactState;
    const { connect } = await this.clients.clients(integration);
    try {
      // After a voice transfer the customer is on the newest leg (followed from the contact events).
      await connect.send(
        new StopContactCommand({ InstanceId: s.instanceId, ContactId: currentLeg(contact) ?? s.contactId }),
      );
    } catch (e) {
      const t = toTargetError(e, 'StopContact');
      if (t.vendorCode === 'ContactNotFoundException' || t.vendorCode === 'InvalidRequestException') return;
      throw t;
    }
  }

  /** `GetContactAttributes` of the contact (readable after the handoff; admin/debug). */
  async contactAttributes(
    contact: ExternalContact,
    integration: ConnectIntegration,
  ): Promise<Record<string, string>> {
    const s = contact.state as unknown as ConnectContactState;
    const { connect } = await this.clients.clients(integration);
    const out = await connect
      .send(new GetContactAttributesCommand({ InstanceId: s.instanceId, InitialContactId: s.contactId }))
      .catch((e: unknown) => {
        throw toTargetError(e, 'GetContactAttributes');
      });
    return out.Attributes ?? {};
  }

  /**
   * `ListContactFlows` (type `CONTACT_FLOW`, all pages): id, name and — in `name` — whether it is published,
   * so the admin UI offers only flows `checkConfiguration` will accept. @throws TargetError
   */
  async listFlows(integration: ConnectIntegration): Promise<PlatformQueue[]> {
    const { connect } = await this.clients.clients(integration);
    const out: PlatformQueue[] = [];
    let next: string | undefined;
    do {
      const page = await connect
        .send(
          new ListContactFlowsCommand({
            InstanceId: integration.config.instanceId,
            ContactFlowTypes: ['CONTACT_FLOW'],
            NextToken: next,
            MaxResults: 100,
          }),
        )
        .catch((e: unknown) => {
          throw toTargetError(e, 'ListContactFlows', 'config.instanceId');
        });
      out.push(
        ...(page.ContactFlowSummaryList ?? [])
          .filter((f: ContactFlowSummary) => f.Id && f.ContactFlowState !== 'ARCHIVED')
          .map((f: ContactFlowSummary) => ({
            id: f.Id as string,
            name: f.Name ?? f.Id ?? '',
            kind: 'flow' as const,
            published: f.ContactFlowStatus === 'PUBLISHED',
          })),
      );
      next = page.NextToken;
    } while (next && out.length < 10_000);
    return out;
  }

  /** `ListQueues` (standard queues, all pages). @throws TargetError */
  async listQueues(integration: ConnectIntegration): Promise<PlatformQueue[]> {
    const { connect } = await this.clients.clients(integration);
    const out: PlatformQueue[] = [];
    let next: string | undefined;
    do {
      const page = await connect
        .send(
          new ListQueuesCommand({
            InstanceId: integration.config.instanceId,
            QueueTypes: ['STANDARD'],
            NextToken: next,
            MaxResults: 100,
          }),
        )
        .catch((e: unknown) => {
          throw toTargetError(e, 'ListQueues', 'config.instanceId');
        });
      out.push(
        ...(page.QueueSummaryList ?? [])
          .filter((q: QueueSummary) => q.Id)
          .map((q: QueueSummary) => ({
            id: q.Id as string,
            name: q.Name ?? q.Id ?? '',
            kind: 'queue' as const,
          })),
      );
      next = page.NextToken;
    } while (next && out.length < 10_000);
    return out;
  }

  /**
   * Refuses a configuration whose contact flows (default and mapped) are not published and active
   * (`DescribeContactFlow`: `Status` PUBLISHED, `State` ACTIVE).
   * @throws TargetError `invalid` naming the field (`config.defaultContactFlowId`, `config.flowMappings.N.contactFlowId`);
   *         other kinds as {@link toTargetError}
   */
  async checkConfiguration(integration: ConnectIntegration): Promise<void> {
    const { connect } = await this.clients.clients(integration);
    const flows: [string, string][] = [
      ['config.defaultContactFlowId', integration.config.defaultContactFlowId],
      ...integration.config.flowMappings.map(
        (m, i) => [`config.flowMappings.${i}.contactFlowId`, m.contactFlowId] as [string, string],
      ),
    ];
    for (const [field, id] of flows) {
      const out = await connect
        .send(
          new DescribeContactFlowCommand({ InstanceId: integration.config.instanceId, ContactFlowId: id }),
        )
        .catch((e: unknown) => {
          const t = toTargetError(e, 'DescribeContactFlow', field);
          throw t.kind === 'invalid' ? new TargetError('invalid', t.message, field, t.vendorCode) : t;
        });
      const f = out.ContactFlow;
      if (f?.Status !== 'PUBLISHED' || (f.State && f.State !== 'ACTIVE')) {
        throw new TargetError(
          'invalid',
          `contact flow ${id} is not published (status ${f?.Status ?? 'unknown'}, state ${f?.State ?? 'unknown'})`,
          field,
          'ContactFlowNotPublished',
        );
      }
    }
  }

  /**
   * Test Connection: `credentials` (keys present / role assumed through STS), `queues` (`ListQueues`:
   * also proves region, instance and the signature), `flow` (default flow published). A failing step is
   * named: `credentials` (unknown key, bad signature, STS refused), `region` (host unreachable),
   * `instance` (instance not found in the region), `permission` (AccessDenied: the missing IAM action),
   * `flow` (unpublished or unknown flow). Never throws.
   */
  async testConnection(integration: ConnectIntegration): Promise<TestConnectionReport> {
    const steps: TestConnectionStep[] = [];
    const fail = (step: string, detail: string): TestConnectionReport => {
      steps.push({ step, ok: false, detail });
      return { ok: false, steps, failedStep: step };
    };
    let clients;
    try {
      clients = await this.clients.clients(integration);
      await clients.credentials();
      steps.push({
        step: 'credentials',
        ok: true,
        detail: integration.config.roleArn
          ? `assumed ${integration.config.roleArn}`
          : 'access key configured',
      });
    } catch (e) {
      const t = toTargetError(e, 'credentials');
      if (t.field === 'config.endpoint') return fail('region', t.message);
      return fail(t.kind === 'unavailable' ? 'region' : 'credentials', t.message);
    }
    const classify = (t: TargetError, action: string): TestConnectionReport => {
      if (t.vendorCode === 'AccessDeniedException')
        return fail('permission', `${t.message} (needs ${action})`);
      if (t.kind === 'auth') return fail('credentials', t.message);
      if (t.kind === 'unavailable' || t.kind === 'throttled') {
        return fail('region', `cannot reach Amazon Connect in ${integration.config.region}: ${t.message}`);
      }
      if (t.vendorCode === 'ResourceNotFoundException' && action === 'connect:ListQueues') {
        return fail(
          'instance',
          `instance ${integration.config.instanceId} not found in ${integration.config.region}`,
        );
      }
      return fail(action === 'connect:ListQueues' ? 'queues' : 'flow', t.message);
    };
    try {
      const queues = await this.listQueues(integration);
      steps.push({ step: 'region', ok: true, detail: integration.config.region });
      steps.push({ step: 'queues', ok: true, detail: `${queues.length} queue(s)` });
    } catch (e) {
      return classify(toTargetError(e, 'ListQueues'), 'connect:ListQueues');
    }
    try {
      await this.checkConfiguration(integration);
      steps.push({ step: 'flow', ok: true, detail: 'contact flows published' });
    } catch (e) {
      return classify(toTargetError(e, 'DescribeContactFlow'), 'connect:DescribeContactFlow');
    }
    return { ok: true, steps };
  }

  /** Closes the SDK clients' sockets. */
  destroy(): void {
    this.clients.destroy();
  }
}
