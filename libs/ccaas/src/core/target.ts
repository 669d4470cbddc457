import type { z } from 'zod';

/**
 * The seam between the handoff orchestrator and a contact-center platform ("escalation target").
 *
 * The orchestrator picks a target by the integration's `type` (`internal` = our own work-item router, or an
 * external platform: Amazon Connect, Genesys Cloud, 8x8 Contact Center). Every target reports progress as the
 * same normalized {@link TargetEvent}s, so the handoff state machine, durable timers, audit rows, outcome events
 * and callback deliveries are one code path for all of them. A vendor is one folder under `src/vendors/<vendor>`
 * exporting one {@link EscalationTargetAdapter}; adding a vendor means adding a folder and registering it in
 * `src/vendors/index.ts`.
 */

/** One line of the conversation as handed to the platform (oldest first). */
export interface ContextMessage {
  role: 'customer' | 'bot' | 'agent' | 'system';
  text: string;
  /** ISO-8601 timestamp. */
  at: string;
}

/** Everything a platform receives when a handoff starts (built by the orchestrator from the handoff row). */
export interface HandoffContext {
  tenantId: string;
  handoffId: string;
  integrationId: string;
  conversationId: string;
  botSessionId: string;
  channel: string;
  customer: { id?: string; name?: string; email?: string; phone?: string };
  /** Full transcript; adapters cut it to the platform's limits (the full one stays in our log). */
  transcript: ContextMessage[];
  summary?: string;
  intent?: string;
  /** Normalized sentiment, -1 … 1. */
  sentiment?: { label: string; score: number };
  escalationReason?: string;
  /** Custom attributes from the bot (string values). */
  attributes: Record<string, string>;
  /** Category (routing data), used with intent by the vendor's queue mappings. */
  category?: string;
  /** 0–100, higher first. */
  priority: number;
  /** How long the platform has to get an agent to join, ms; after it the orchestrator ends the contact. */
  timeoutMs?: number;
}

/** An integration as an adapter sees it: its id and its validated, decrypted config and secrets. */
export interface TargetIntegration<C = Record<string, unknown>, S = Record<string, unknown>> {
  id: string;
  tenantId: string;
  config: C;
  secrets: S;
}

/**
 * The platform-side contact a handoff became. `state` is the adapter's own JSON (persisted by the orchestrator
 * with the handoff, encrypted: it may hold participant tokens); it is passed back on every later call.
 */
export interface ExternalContact {
  externalContactId: string;
  state: Record<string, unknown>;
}

/** Normalized progress of an external contact (every vendor maps its events to these). */
export type TargetEvent =
  | { kind: 'queued'; at: string; queue?: string }
  | { kind: 'accepted'; at: string; agent: { id?: string; name?: string } }
  | {
      kind: 'agent_message';
      at: string;
      messageId: string;
      text: string;
      agent?: { id?: string; name?: string };
    }
  | { kind: 'agent_typing'; at: string }
  | {
      kind: 'agent_file';
      at: string;
      /** Vendor message/item id (dedupe key). */
      messageId: string;
      /**
       * The agent's attachment: the platform's id, name, MIME type, size in bytes (0 when the platform does not
       * report it) and a download URL (Connect: `GetAttachment`'s pre-signed URL, valid for a limited time).
       */
      file: { id: string; name: string; contentType: string; sizeBytes: number; url: string };
      agent?: { id?: string; name?: string };
    }
  | {
      kind: 'transferred';
      at: string;
      queue?: string;
      /**
       * Platforms that make a new contact per transfer leg (Amazon Connect voice): the leg the customer is on now.
       * The orchestrator follows it ({@link contactLegs}); later calls (`end`) address it.
       */
      toLeg?: string;
    }
  | {
      kind: 'ended';
      at: string;
      by: 'agent' | 'customer' | 'system';
      /** The leg that ended (per-leg platforms): the end of a leg the handoff was transferred away from is no end. */
      leg?: string;
    }
  | {
      kind: 'failed';
      at: string;
      reason: 'error' | 'timeout' | 'rejected';
      detail: string;
      /** As for `ended`. */
      leg?: string;
    };

/**
 * The transfer legs of a contact the orchestrator follows, oldest first (`state.legs`, kept in the encrypted
 * contact state; absent = no transfer yet: the only leg is `externalContactId`).
 */
export function contactLegs(contact: ExternalContact): string[] {
  const legs = contact.state['legs'];
  return Array.isArray(legs) && legs.length && legs.every((l) => typeof l === 'string')
    ? (legs as string[])
    : [contact.externalContactId];
}

/** The leg the customer is on now (the last of {@link contactLegs}). */
export function currentLeg(contact: ExternalContact): string {
  return contactLegs(contact).at(-1) ?? contact.externalContactId;
}

/** A customer's file after the handoff (`hub.conversation.messages.v1` `kind: file`). */
export interface CustomerFile {
  messageId: string;
  name: string;
  contentType: string;
  /** Size in bytes, as the bot platform declared it. */
  sizeBytes: number;
  /** Where the file is fetched from (vetted by the outbound policy before any byte is read). */
  url: string;
  at: string;
}

/** What a platform accepts as a customer file (checked by the orchestrator before {@link EscalationTargetAdapter.sendCustomerFile}). */
export interface FileLimits {
  /** Largest file, bytes. */
  maxBytes: number;
  /** Accepted MIME types (exact, lower case). */
  contentTypes: readonly string[];
}

/**
 * Checks a customer file against a platform's limits.
 * @returns null when accepted, else `{ field, message }` naming `file.sizeBytes` or `file.contentType`
 */
export function checkFileLimits(
  file: Pick<CustomerFile, 'contentType' | 'sizeBytes'>,
  limits: FileLimits,
): { field: string; message: string } | null {
  if (file.sizeBytes > limits.maxBytes) {
    return { field: 'file.sizeBytes', message: `larger than the platform's ${limits.maxBytes} bytes` };
  }
  const type = file.contentType.split(';')[0].trim().toLowerCase();
  if (!limits.contentTypes.includes(type)) {
    return { field: 'file.contentType', message: `${type} is not a type the platform accepts` };
  }
  return null;
}

/** Where receivers (webhooks, websockets, streams) deliver normalized events. Implemented by the orchestrator. */
export interface TargetEventSink {
  /**
   * Records one event for the handoff that owns `externalContactId` (idempotent per `eventId`: a vendor retry
   * or a duplicate delivery is dropped).
   */
  report(event: {
    tenantId: string;
    integrationId: string;
    externalContactId: string;
    /** Vendor's event/message id (dedupe key). */
    eventId: string;
    event: TargetEvent;
  }): Promise<void>;
}

/** One step of Test Connection (`POST /v1/integrations/{id}/test`). */
export interface TestConnectionStep {
  step: 'credentials' | 'region' | 'permission' | 'queues' | 'flow' | 'webhook' | string;
  ok: boolean;
  /** Human-readable, redacted (no secret, no raw vendor body). */
  detail?: string;
}
export interface TestConnectionReport {
  ok: boolean;
  steps: TestConnectionStep[];
  /** The first failing step, when `ok` is false. */
  failedStep?: string;
}

/** A queue (or flow / skill group) on the platform, for the admin UI's mapping pickers. */
export interface PlatformQueue {
  id: string;
  name: string;
  kind?: 'queue' | 'flow' | 'skill_group' | 'script';
  /** Flows: whether it is published (only published flows can be mapped). */
  published?: boolean;
}

/** Errors an adapter throws; the orchestrator's failure policy keys on `kind`. */
export type TargetErrorKind =
  /** 429 / TooManyRequests / LimitExceeded: retry with backoff. */
  | 'throttled'
  /** Platform down, 5xx, connection refused, timeout: retry with backoff, then `failed(error)`. */
  | 'unavailable'
  /** Bad credentials (401) or forbidden (403): not retried. */
  | 'auth'
  /** Bad parameter or unknown resource (400/404): not retried; `field` names the config field / parameter. */
  | 'invalid';

export class TargetError extends Error {
  constructor(
    readonly kind: TargetErrorKind,
    message: string,
    readonly field?: string,
    /** Vendor error code (`x-amzn-errortype`, …), redacted of values. */
    readonly vendorCode?: string,
  ) {
    super(message);
    this.name = 'TargetError';
  }
  get retriable(): boolean {
    return this.kind === 'throttled' || this.kind === 'unavailable';
  }
}

/**
 * One vendor. Config/secrets schemas are zod objects registered with `@hub/integrations`
 * (`IntegrationConfigSchemas`); every outbound call goes through `OutboundHttp`/`OutboundUrlPolicy` of
 * `@hub/integrations` (SSRF policy, no redirects with credentials, redacted errors).
 */
export interface EscalationTargetAdapter<C = Record<string, unknown>, S = Record<string, unknown>> {
  /** Integration type, e.g. `amazon_connect`, `genesys_cloud`, `eightbyeight_cc`. */
  readonly type: string;
  readonly configSchema: z.ZodType<C>;
  readonly secretsSchema: z.ZodType<S>;
  /** Creates the platform contact with the context; throws {@link TargetError}. */
  start(ctx: HandoffContext, integration: TargetIntegration<C, S>): Promise<ExternalContact>;
  /** Forwards one customer line after the handoff (`hub.conversation.messages.v1`). */
  sendCustomerMessage(
    contact: ExternalContact,
    message: { messageId: string; text: string; at: string },
    integration: TargetIntegration<C, S>,
  ): Promise<void>;
  /**
   * Tells the agent the customer is typing (best effort: the orchestrator does not retry it). Optional: platforms
   * without a documented customer-typing call leave it out.
   * @throws TargetError
   */
  sendCustomerTyping?(contact: ExternalContact, integration: TargetIntegration<C, S>): Promise<void>;
  /** Limits of {@link sendCustomerFile} (size, MIME types), per the platform's documentation. */
  readonly fileLimits?: FileLimits;
  /**
   * Forwards one customer file (already checked against {@link fileLimits}); its URL is fetched (or handed to the
   * platform) only after the outbound policy vetted it. Idempotent per `file.messageId` where the platform allows.
   * @throws TargetError (`invalid` naming `file.url` when the policy refuses it)
   */
  sendCustomerFile?(
    contact: ExternalContact,
    file: CustomerFile,
    integration: TargetIntegration<C, S>,
  ): Promise<void>;
  /** Ends the platform contact (timeout, withdrawal, customer left). Idempotent. */
  end(
    contact: ExternalContact,
    reason: 'timeout' | 'withdrawn' | 'customer_left',
    integration: TargetIntegration<C, S>,
  ): Promise<void>;
  /** Authenticate, check region/host and permissions, list queues; names the failing step. Never throws. */
  testConnection(integration: TargetIntegration<C, S>): Promise<TestConnectionReport>;
  listQueues(integration: TargetIntegration<C, S>): Promise<PlatformQueue[]>;
  /**
   * Checks a configuration against the platform when an integration is created or changed (e.g. Connect's
   * `DescribeContactFlow`: unpublished flows are refused). Optional.
   * @throws TargetError `invalid` naming the field → 422; other kinds → the write is refused as unverifiable
   */
  checkConfiguration?(integration: TargetIntegration<C, S>): Promise<void>;
  /**
   * For platforms that push events over a connection WE hold (Amazon Connect's participant websocket),
   * opens it for one contact and reports its normalized events to `sink` until the contact ends or
   * {@link TargetStream.close}. Platforms that call our webhook instead leave this out (their
   * {@link WebhookReceiver} feeds the sink). The orchestrator decides which replica holds the stream.
   * @throws TargetError when the connection cannot be opened (retriable kinds are retried by the caller)
   */
  openStream?(
    contact: ExternalContact,
    integration: TargetIntegration<C, S>,
    sink: TargetEventSink,
  ): Promise<TargetStream>;
  /**
   * For platforms that notify neither a webhook nor a stream when the agent ends the conversation (Genesys Open
   * Messaging): reads the contact's state from the platform. The orchestrator calls it on its durable poll
   * schedule while the handoff is accepted and reports a non-null result to its sink (deduped by `eventId`).
   * @returns the `ended` event (stable `eventId`), or null while the contact lives
   * @throws TargetError
   */
  pollEnded?(
    contact: ExternalContact,
    integration: TargetIntegration<C, S>,
  ): Promise<{ externalContactId: string; eventId: string; event: TargetEvent } | null>;
  /**
   * The platform's contact flows (Amazon Connect `ListContactFlows`), for the flow-mapping pickers. Platforms
   * without a flow directory the hub can route to leave it out (the route answers 422 "not supported by <type>").
   * @throws TargetError
   */
  listFlows?(integration: TargetIntegration<C, S>): Promise<PlatformQueue[]>;
  /**
   * The contact's attributes as the platform holds them now (Amazon Connect `GetContactAttributes`: readable
   * after the handoff, including what the contact flow added). Optional.
   * @throws TargetError
   */
  contactAttributes?(
    contact: ExternalContact,
    integration: TargetIntegration<C, S>,
  ): Promise<Record<string, string>>;
  /**
   * One-time setup at the platform for the hub (Genesys: the Open Messaging integration; 8x8: webhook + Chat API
   * channel), pointing the platform's webhooks at `webhookUrl` (`POST /v1/ccaas/webhooks/{integrationId}`).
   * @returns the config fields to store in the integration (ids the platform assigned)
   * @throws TargetError (`invalid` naming the missing field, e.g. `queueId`)
   */
  setup?(
    integration: TargetIntegration<C, S>,
    opts: { name: string; webhookUrl: string; queueId?: string },
  ): Promise<Record<string, string>>;
  /** Writes the hub's final summary back as the wrap-up note, where the platform has one (Genesys). */
  saveSummary?(
    contact: ExternalContact,
    summary: string,
    integration: TargetIntegration<C, S>,
  ): Promise<void>;
}

/** A live stream of one contact's events (see {@link EscalationTargetAdapter.openStream}). */
export interface TargetStream {
  /** Settles when the stream is over: the contact ended (resolves) or the connection was lost (rejects). */
  readonly done: Promise<void>;
  /** Closes the connection (idempotent); `done` resolves. */
  close(): Promise<void>;
}

/** What a vendor's adapter and receiver are built with (the orchestrator provides them). */
export interface TargetDeps {
  /** `OutboundHttp` of `@hub/integrations`: every call to a tenant-configured host goes through it or its `policy`. */
  http: import('@hub/integrations').OutboundHttp;
  /**
   * A durable key/value journal (the orchestrator: Redis, 7 days) for vendors without idempotency keys (8x8 Chat
   * Gateway): what a call created is written right after the vendor answered and read before a retry re-creates it.
   * Without it the adapter keeps no journal (retries may duplicate).
   */
  journal?: StartJournal;
  /**
   * Counts what a vendor's reconciliation did (the orchestrator: `hub_ccaas_reconciliations_total{type,outcome}`):
   * `adopted` (a create whose answer was lost turned out to exist and is used), `duplicate_closed` (a second
   * platform contact of one handoff was closed), `uncertain_send` (a customer line whose answer was lost is sent
   * again: it may show twice at the platform — a residual risk made visible).
   */
  reconciliation?: (e: { type: string; outcome: ReconciliationOutcome }) => void;
}

/** See {@link TargetDeps.reconciliation}. */
export type ReconciliationOutcome = 'adopted' | 'duplicate_closed' | 'uncertain_send';

/** See {@link TargetDeps.journal}. Keys are namespaced by the adapter (`<type>:<integration>:…`). */
export interface StartJournal {
  get(key: string): Promise<string | null>;
  /** Stores `value` under `key` (overwrites). */
  put(key: string, value: string): Promise<void>;
}

/** One vendor in the registry (`src/vendors/index.ts`). */
export interface EscalationTargetRegistration {
  type: string;
  createAdapter: (deps: TargetDeps) => EscalationTargetAdapter<never, never>;
  /** For vendors that call our webhook (`POST /v1/ccaas/webhooks/{integrationId}`). */
  createWebhookReceiver?: (deps: TargetDeps) => WebhookReceiver<never, never>;
}

/**
 * A signed-webhook receiver of a vendor (Genesys `X-Hub-Signature-256`, 8x8 `x-8x8-signature`). The HTTP route
 * hands it the raw body and headers; it verifies the signature (throwing {@link WebhookRejectedError} → 401) and
 * returns the normalized events, which the route passes to the {@link TargetEventSink}.
 */
export interface WebhookReceiver<C = Record<string, unknown>, S = Record<string, unknown>> {
  readonly type: string;
  verifyAndParse(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
    integration: TargetIntegration<C, S>,
  ): Promise<{ externalContactId: string; eventId: string; event: TargetEvent }[]>;
}

export class WebhookRejectedError extends Error {
  constructor(readonly reason: string) {
    super(`webhook rejected: ${reason}`);
    this.name = 'WebhookRejectedError';
  }
}
