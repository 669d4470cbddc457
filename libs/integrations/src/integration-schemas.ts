import { z } from 'zod';
import { AmazonConnectConfigSchema, AmazonConnectSecretsSchema } from './ccaas/amazon-connect.schema';

/**
 * Genesys Cloud region domains (https://developer.genesys.cloud/platform/api/ "Regions"): the login host is
 * `login.{domain}`, the API host `api.{domain}`.
 */
export const GENESYS_CLOUD_REGIONS = [
  'mypurecloud.com',
  'use2.us-gov-pure.cloud',
  'usw2.pure.cloud',
  'cac1.pure.cloud',
  'sae1.pure.cloud',
  'mypurecloud.ie',
  'euw2.pure.cloud',
  'mypurecloud.de',
  'euc2.pure.cloud',
  'mec1.pure.cloud',
  'aps1.pure.cloud',
  'apne2.pure.cloud',
  'apne3.pure.cloud',
  'mypurecloud.com.au',
  'mypurecloud.jp',
] as const;

/** A CCaaS queue mapping: the handoff's `intent` or `category` equal to `value` (case-insensitive) → `queueId`. */
const ccaasQueueMapping = z.object({
  match: z.enum(['intent', 'category']),
  value: z.string().min(1),
  queueId: z.string().min(1),
  name: z.string().min(1).optional(),
});

/**
 * Typed integration records (table `integrations`, one row per tenant integration, owned by
 * {@link IntegrationStore}). `config` holds the non-secret settings and `secrets` the credentials
 * (stored encrypted); both are validated by the schema of the integration's `type`. New CCaaS adapters
 * add a member here; any URL in their config is called through `OutboundHttp` and listed in
 * {@link OUTBOUND_URL_FIELDS}.
 */
export const IntegrationConfigSchemas = {
  /** OmniBots Agent Desktop (internal adapter): no credentials, optional default queue (seed 000). */
  internal: {
    config: z.object({ defaultQueueId: z.uuid().nullable().default(null) }),
    secrets: z.object({}).default({}),
  },
  /** Genesys Cloud AudioHook (voice) — per-tenant API key and client secret (base64) for RFC 9421 signatures. */
  genesys_audiohook: {
    config: z.object({
      organizationId: z.uuid(),
      /** Send final transcripts back to Genesys as AudioHook `event` messages. */
      sendTranscriptEvents: z.boolean().default(false),
      language: z.string().default('en-US'),
      /**
       * speech-to-text provider: offline Moonshine (in process, the default: WER 4 % on real read speech
       * over telephony audio vs PocketSphinx's 54 %, docs/audiohook.md), offline pocketsphinx, Google Cloud
       * Speech-to-Text, the service's OpenAI-compatible transcription server (`OPENAI_STT_*`) or Vosk server
       * (`VOSK_STT_*`).
       */
      sttProvider: z.enum(['moonshine', 'pocketsphinx', 'google', 'openai', 'vosk']).default('moonshine'),
      /**
       * Tenant vocabulary: entity and product names the callers say (hotel, product, place names), passed as
       * recognition hints to engines that take them (OpenAI `prompt`, Google `speechContexts`, Vosk `phrase_list`).
       */
      vocabulary: z.array(z.string().trim().min(1).max(100)).max(500).default([]),
    }),
    secrets: z.object({ apiKey: z.string().min(8), clientSecret: z.base64().optional() }),
  },
  /** 8x8 Event Streaming over the Pulsar WebSocket reader. */
  eightbyeight: {
    config: z.object({
      /** 8x8 tenant name in the topic path `persistent/{tenant}/event-v1/all`. */
      eightByEightTenant: z.string().min(1),
      /** Regional host, e.g. `pulsar-ws-euw2.8x8.com`, or `127.0.0.1:PORT` in tests. */
      host: z.string().min(1),
      /** `wss` in production; `ws` allowed for local test servers. */
      scheme: z.enum(['wss', 'ws']).default('wss'),
      receiverQueueSize: z.number().int().min(1).max(10000).default(1000),
    }),
    secrets: z.object({ apiKey: z.string().min(1) }),
  },
  /** Google CCAI / Pub/Sub push subscription feeding Agent Assist. */
  ccai: {
    config: z.object({
      projectId: z.string().min(1),
      /** Full subscription name `projects/{p}/subscriptions/{s}` mapped to this tenant. */
      subscription: z.string().regex(/^projects\/[^/]+\/subscriptions\/[^/]+$/),
      /** Expected `aud` of the push OIDC token. */
      audience: z.string().min(1),
      /** Expected `email` claim (push service account). */
      serviceAccountEmail: z.email(),
    }),
    secrets: z.object({ serviceAccountKeyJson: z.string().optional() }).default({}),
  },
  /**
   * Dialogflow CX as the Agent Assist suggestion source (seed 001 "Dialogflow CX or RAG"): a tenant with an
   * enabled `dialogflow_cx` integration is in `google_native` mode — suggestion-service answers each final
   * customer utterance with `Sessions.DetectIntent` on this agent (one CX session per interaction) instead of
   * retrieval from its knowledge bases, and publishes the result as the same `assist.suggestion`
   * (`generator: dialogflow`). Credentials: a service account key with the "Dialogflow API Client" role.
   */
  dialogflow_cx: {
    config: z
      .object({
        projectId: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id'),
        /** Agent location, e.g. `global`, `us-central1`, `europe-west1` (regional agents use a regional endpoint). */
        location: z
          .string()
          .regex(/^[a-z0-9-]{2,40}$/)
          .default('global'),
        /** The CX agent id (a UUID, from the agent's resource name `projects/…/agents/<id>`). */
        agentId: z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a Dialogflow CX agent id'),
        /** Query language (BCP-47) sent with every query, unless the utterance names one. */
        languageCode: z.string().min(2).max(35).default('en'),
        /**
         * gRPC host; default `dialogflow.googleapis.com` for `global`, `<location>-dialogflow.googleapis.com`
         * otherwise. Must be a `dialogflow.googleapis.com` host unless `allowInsecure` (local test servers).
         */
        apiEndpoint: z.string().min(1).max(253).optional(),
        port: z.number().int().min(1).max(65535).default(443),
        /** Plaintext gRPC without credentials (local test servers only). */
        allowInsecure: z.boolean().default(false),
        /** DetectIntent deadline, ms. */
        timeoutMs: z.number().int().min(200).max(60000).default(5000),
      })
      .refine(
        (c) => c.allowInsecure || !c.apiEndpoint || /(^|\.)dialogflow\.googleapis\.com$/.test(c.apiEndpoint),
        {
          message: 'must be a dialogflow.googleapis.com host (or set allowInsecure for a local test server)',
          path: ['apiEndpoint'],
        },
      ),
    secrets: z.object({ serviceAccountKeyJson: z.string().min(2).optional() }).default({}),
  },
  /**
   * Google sign-in for the assist widget in Google CCAI agent desktops (seed 001 "Google CCAI: OAuth"): the
   * desktop signs the agent in with Google (OpenID Connect) and sends the agent's ID token; the assist gateway
   * verifies it (signature against the issuer's JWKS, `iss`, `aud` = `clientId`, `exp`) and issues the widget
   * session bound to the Google account (`sub`).
   */
  google_oauth: {
    config: z.object({
      /** OpenID issuer; discovery at `<issuer>/.well-known/openid-configuration`. */
      issuer: z.url().default('https://accounts.google.com'),
      /** The OAuth 2.0 client id of the desktop's Google sign-in: the ID token's required `aud`. */
      clientId: z.string().min(1),
      /** Google Workspace domain the account must belong to (`hd` claim), if set. */
      hostedDomain: z.string().min(1).max(253).optional(),
      /** Allow plain-http endpoints (local test providers only). */
      allowInsecureHttp: z.boolean().default(false),
    }),
    secrets: z.object({}).default({}),
  },
  /**
   * Salesforce token exchange for the assist widget (seed 001): the tenant's Lightning component sends
   * the Salesforce user's access token; the assist gateway verifies it at the org's My Domain
   * (`/services/oauth2/userinfo`, and `/services/oauth2/introspect` when a connected-app secret is set),
   * checks the org id, and issues the widget session.
   */
  salesforce_identity: {
    config: z.object({
      /** The org's My Domain, e.g. `https://acme.my.salesforce.com` (userinfo + introspection endpoints). */
      myDomainUrl: z.url(),
      /** Salesforce org id (`00D…`, 15 or 18 characters): tokens of another org are refused. */
      orgId: z.string().regex(/^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/, 'must be a Salesforce org id (00D…)'),
      /** Connected app consumer key: with `clientSecret`, tokens are introspected and must be this app's. */
      clientId: z.string().min(1).optional(),
      /**
       * "Save summary" from the widget: the work record field the note is written to with the agent's token
       * (`PATCH /services/data/v{apiVersion}/sobjects/{workRecordObject}/{interactionId}`), e.g. a custom
       * `Agent_Summary__c` or the field Einstein Work Summaries maps its summary to. Unset: no summary action.
       */
      summaryField: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'a Salesforce field API name')
        .optional(),
      /** sObject of the work record the widget's interaction id names (`MessagingSession`, `VoiceCall`, `Case`, …). */
      workRecordObject: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'a Salesforce object API name')
        .default('MessagingSession'),
      /** REST API version of the record update. */
      apiVersion: z
        .string()
        .regex(/^[1-9][0-9]\.0$/, 'a Salesforce API version such as 62.0')
        .default('62.0'),
      /** Allow plain-http endpoints (local test servers only). */
      allowInsecureHttp: z.boolean().default(false),
    }),
    secrets: z.object({ clientSecret: z.string().min(1).optional() }).default({}),
  },
  /**
   * Genesys Cloud agent sign-in for the assist widget: OAuth 2.0 Authorization Code with PKCE
   * (RFC 7636, S256) as a public client (no secret). Either an OpenID Connect `issuer` (discovery;
   * identity from the validated id_token) or the org's explicit Genesys Cloud endpoints
   * (`authorizeUrl`/`tokenUrl`, identity from `GET {apiBaseUrl}/api/v2/users/me`).
   */
  genesys_oauth: {
    config: z
      .object({
        /** OpenID Connect issuer; discovery at `<issuer>/.well-known/openid-configuration`. */
        issuer: z.url().optional(),
        /** e.g. `https://login.mypurecloud.com/oauth/authorize` (region-specific). */
        authorizeUrl: z.url().optional(),
        /** e.g. `https://login.mypurecloud.com/oauth/token`. */
        tokenUrl: z.url().optional(),
        /** e.g. `https://api.mypurecloud.com`: `/api/v2/users/me` (identity), `/api/v2/conversations/{id}` (participation). */
        apiBaseUrl: z.url().optional(),
        /** The Genesys Cloud OAuth client (grant type "Code Authorization" with PKCE). */
        clientId: z.string().min(1),
        /** Registered redirect URI: the assist gateway's `/v1/auth/genesys/callback`. */
        redirectUri: z.url(),
        scopes: z.array(z.string().min(1)).min(1).default(['openid']),
        /**
         * Wrap-up code id applied with the widget's "Save summary" note when the agent picks none
         * (`POST …/communications/{communicationId}/wrapup {code, notes}`); needs `apiBaseUrl` and the
         * `conversations` scope.
         */
        wrapupCodeId: z.string().min(1).max(200).optional(),
        /**
         * Digital path: after the agent's sign-in, the gateway subscribes to the conversation's
         * message topic through the Genesys Notification API (the agent's token; needs the
         * `notifications` and `conversations` scopes and `apiBaseUrl`) and forwards each customer and
         * agent message to Agent Assist, without the desktop forwarding chat lines.
         */
        digitalForwarding: z.boolean().default(false),
        /** Allow plain-http endpoints (local test providers only). */
        allowInsecureHttp: z.boolean().default(false),
      })
      .refine((c) => c.issuer || (c.authorizeUrl && c.tokenUrl && c.apiBaseUrl), {
        message: 'set issuer, or authorizeUrl + tokenUrl + apiBaseUrl',
        path: ['issuer'],
      }),
    secrets: z.object({}).default({}),
  },
  /**
   * The tenant's signing secrets for the webhooks we send (Standard Webhooks, `whsec_` + base64 of 24
   * random bytes). Managed by `/v1/webhook-secret` only (never created through `/v1/integrations`):
   * `current` signs; during a rotation `previous` signs too until `config.previousExpiresAt`.
   */
  webhook_signing: {
    config: z.object({ previousExpiresAt: z.iso.datetime().nullable().default(null) }),
    secrets: z.object({
      current: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/),
      previous: z
        .string()
        .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/)
        .optional(),
    }),
  },
  /**
   * Genesys Cloud as an escalation target over Open Messaging (`@hub/ccaas` vendor `genesys-cloud`): an OAuth
   * client-credentials client (Admin > Integrations > OAuth), its region (→ `login.{region}` / `api.{region}`),
   * the Open Messaging integration created for the hub, and queue mappings. `loginBaseUrl`/`apiBaseUrl` replace
   * the region's hosts (local test servers; vetted by the outbound URL policy like every other URL).
   */
  genesys_cloud: {
    config: z.object({
      /** Genesys Cloud region domain, e.g. `mypurecloud.com` (us-east-1), `mypurecloud.ie`, `euw2.pure.cloud`. */
      region: z.enum(GENESYS_CLOUD_REGIONS),
      /** OAuth client id (grant type Client Credentials). */
      clientId: z.string().min(1),
      /** Id of the Open Messaging integration the hub posts into (created by the setup step). */
      openMessagingIntegrationId: z.string().min(1).optional(),
      /** Queue when no mapping matches. */
      defaultQueueId: z.string().min(1).optional(),
      /** First match wins: by the handoff's intent or category (case-insensitive). */
      queueMappings: z.array(ccaasQueueMapping).max(200).default([]),
      /** Wrap-up code used when the hub's final summary is written back as the wrap-up note. */
      wrapUpCodeId: z.string().min(1).optional(),
      /** Replaces `https://login.{region}` (tests with a local server only). */
      loginBaseUrl: z.url().optional(),
      /** Replaces `https://api.{region}` (tests with a local server only). */
      apiBaseUrl: z.url().optional(),
      /** Per-request timeout, ms. */
      requestTimeoutMs: z.number().int().min(500).max(60000).default(10000),
    }),
    secrets: z.object({
      clientSecret: z.string().min(1),
      /** The Open Messaging `outboundNotificationWebhookSignatureSecretToken` (HMAC key of `X-Hub-Signature-256`). */
      webhookSignatureSecret: z.string().min(16),
    }),
  },
  /**
   * 8x8 Contact Center as an escalation target over the Chat Gateway API (`@hub/ccaas` vendor `eightbyeight-cc`;
   * not the `eightbyeight` Agent Assist event stream): API key (Admin Console, product "Chat Gateway"), the CC
   * tenant, the API base URL, the webhook and Chat API channel registered for the hub, and routing.
   */
  eightbyeight_cc: {
    config: z.object({
      /** Contact Center tenant id (Configuration Manager > Profile > Tenant Label): `X-8x8-Tenant`, `x-8x8-tenant-id`. */
      tenantId: z.string().min(1),
      /** 8x8 customer id expected in `x-8x8-customer-id` of webhooks (optional extra check). */
      customerId: z.string().min(1).optional(),
      /** API base URL (region), `https://api.8x8.com` unless 8x8 gave you another. */
      baseUrl: z.url().default('https://api.8x8.com'),
      /** Chat API channel the hub creates conversations in (created by the setup step). */
      channelId: z.string().min(1).optional(),
      /** Webhook registered for the channel (created by the setup step). */
      webhookId: z.string().min(1).optional(),
      defaultQueueId: z.string().min(1).optional(),
      /** First match wins: by the handoff's intent or category (case-insensitive). */
      queueMappings: z.array(ccaasQueueMapping).max(200).default([]),
      /** Skill-based routing: a match assigns the conversation to an 8x8 script (which routes by skill). */
      skillGroups: z
        .array(
          z.object({
            match: z.enum(['intent', 'category']),
            value: z.string().min(1),
            scriptId: z.string().min(1),
            name: z.string().min(1).optional(),
          }),
        )
        .max(200)
        .default([]),
      /** Per-request timeout, ms. */
      requestTimeoutMs: z.number().int().min(500).max(60000).default(10000),
      /** Webhooks whose `x-8x8-transmission-time` is further than this from now are refused (replays), ms. */
      maxWebhookAgeMs: z.number().int().min(10000).max(3600000).default(300000),
      /**
       * After a create whose answer was lost (timeout, connection reset, 502/504), how long the retry waits for 8x8's
       * `CONVERSATION_UPDATE` carrying our `caseId` before creating again, ms (docs/vendors/8x8.md → Reconciliation).
       */
      reconcileWaitMs: z.number().int().min(0).max(60000).default(5000),
    }),
    secrets: z.object({ apiKey: z.string().min(8) }),
  },
  /** OpenAI-compatible chat completions / embeddings provider (summaries, answer generation). */
  llm: {
    config: z.object({
      baseUrl: z.url(),
      model: z.string().min(1),
      embeddingModel: z.string().min(1).optional(),
      /** Request timeout, ms. */
      timeoutMs: z.number().int().min(100).max(120000).default(15000),
    }),
    secrets: z.object({ apiKey: z.string().optional() }).default({}),
  },
  /** Amazon Connect contact center (escalation target of @hub/ccaas, seed 004). */
  amazon_connect: { config: AmazonConnectConfigSchema, secrets: AmazonConnectSecretsSchema },
  /**
   * Twilio Programmable Messaging (https://www.twilio.com/docs/messaging/api/message-resource) for the SMS of
   * scheduled callbacks (`POST /2010-04-01/Accounts/{accountSid}/Messages.json`). Sender: `from` (an E.164 Twilio
   * number) or `messagingServiceSid`. Requests authenticate with HTTP Basic `apiKeySid:apiKeySecret` when an API key
   * is set, else `accountSid:authToken`; `authToken` (the account's primary Auth Token) always verifies the
   * `X-Twilio-Signature` of delivery-status callbacks. `baseUrl` replaces `https://api.twilio.com` (local test
   * servers; vetted by the outbound URL policy).
   */
  sms_twilio: {
    config: z
      .object({
        accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID (AC + 32 hex digits)'),
        from: z
          .string()
          .regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number')
          .optional(),
        messagingServiceSid: z
          .string()
          .regex(/^MG[0-9a-fA-F]{32}$/, 'a Messaging Service SID (MG + 32 hex digits)')
          .optional(),
        baseUrl: z.url().default('https://api.twilio.com'),
        /** Per-request timeout, ms. */
        requestTimeoutMs: z.number().int().min(500).max(60000).default(10000),
      })
      .refine((c) => Boolean(c.from) !== Boolean(c.messagingServiceSid), {
        message: 'set exactly one of from or messagingServiceSid',
        path: ['from'],
      }),
    secrets: z
      .object({
        authToken: z.string().min(16),
        apiKeySid: z
          .string()
          .regex(/^SK[0-9a-fA-F]{32}$/, 'a Twilio API key SID (SK + 32 hex digits)')
          .optional(),
        apiKeySecret: z.string().min(1).optional(),
      })
      .refine((s) => Boolean(s.apiKeySid) === Boolean(s.apiKeySecret), {
        message: 'set apiKeySid and apiKeySecret together',
        path: ['apiKeySecret'],
      }),
  },
  /**
   * A team calendar over CalDAV (RFC 4791; `@hub/calendars` CalDavCalendar) for scheduled callbacks: the calendar
   * collection URL and optional HTTP Basic credentials.
   */
  calendar_caldav: {
    config: z.object({ calendarUrl: z.url() }),
    secrets: z
      .object({ username: z.string().min(1).optional(), password: z.string().optional() })
      .default({}),
  },
  /**
   * A team calendar in Google Calendar (API v3 freeBusy / events). Secrets: an OAuth 2.0 web client (`clientId`,
   * `clientSecret`) with the `refreshToken` of the calendar owner's consent — access tokens are then fetched from
   * `tokenUrl` (default `https://oauth2.googleapis.com/token`), cached and refreshed — or, for compatibility, a
   * static `accessToken` used as stored (≈ 1 h). `baseUrl` replaces the API root (local test servers).
   */
  calendar_google: {
    config: z.object({
      calendarId: z.string().min(1),
      baseUrl: z.url().optional(),
      tokenUrl: z.url().optional(),
    }),
    secrets: z
      .object({
        accessToken: z.string().min(1).optional(),
        clientId: z.string().min(1).optional(),
        clientSecret: z.string().min(1).optional(),
        refreshToken: z.string().min(1).optional(),
      })
      .refine((s) => s.accessToken || (s.clientId && s.clientSecret && s.refreshToken), {
        message: 'set clientId, clientSecret and refreshToken (or a static accessToken)',
        path: ['refreshToken'],
      }),
  },
  /**
   * A team calendar in Microsoft 365 through Microsoft Graph (getSchedule / calendar events). Secrets, one of:
   * delegated — `clientId`, `clientSecret`, `refreshToken` (scope `config.scope`, default
   * `offline_access https://graph.microsoft.com/Calendars.ReadWrite`); app-only — `clientId`, `clientSecret`
   * (client credentials, scope `https://graph.microsoft.com/.default`; needs `config.tenantId` or `tokenUrl`); or a
   * static `accessToken` (compatibility). `tokenUrl` defaults to
   * `https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token` (`common` without `tenantId`).
   */
  calendar_microsoft: {
    config: z.object({
      user: z.string().min(1),
      schedule: z.string().min(1).optional(),
      baseUrl: z.url().optional(),
      /** Entra ID (Azure AD) tenant: GUID or domain. */
      tenantId: z
        .string()
        .regex(/^[A-Za-z0-9.-]{1,100}$/, 'an Entra ID tenant id (GUID) or domain')
        .optional(),
      tokenUrl: z.url().optional(),
      /** Scopes of a delegated refresh (space-separated). */
      scope: z.string().min(1).optional(),
    }),
    secrets: z
      .object({
        accessToken: z.string().min(1).optional(),
        clientId: z.string().min(1).optional(),
        clientSecret: z.string().min(1).optional(),
        refreshToken: z.string().min(1).optional(),
      })
      .refine((s) => s.accessToken || (s.clientId && s.clientSecret), {
        message:
          'set clientId and clientSecret (+ refreshToken for delegated access), or a static accessToken',
        path: ['clientSecret'],
      }),
  },
} as const;

export type IntegrationType = keyof typeof IntegrationConfigSchemas;
export const IntegrationTypeSchema = z.enum(
  Object.keys(IntegrationConfigSchemas) as [IntegrationType, ...IntegrationType[]],
);
export type IntegrationConfig<T extends IntegrationType> = z.infer<
  (typeof IntegrationConfigSchemas)[T]['config']
>;
export type IntegrationSecrets<T extends IntegrationType> = z.infer<
  (typeof IntegrationConfigSchemas)[T]['secrets']
>;

/**
 * The URLs of hosts we connect to in an integration's (validated) config, with the request field each
 * comes from: vetted by the outbound URL policy when the integration is written (400 naming the field)
 * and again at connect time. A new adapter with a URL in its config adds it here.
 */
export function outboundUrlsOf(
  type: IntegrationType,
  config: Record<string, unknown>,
): { field: string; url: string }[] {
  const fields: Partial<Record<IntegrationType, readonly string[]>> = {
    llm: ['baseUrl'],
    amazon_connect: ['endpoint'],
    genesys_oauth: ['issuer', 'authorizeUrl', 'tokenUrl', 'apiBaseUrl'],
    salesforce_identity: ['myDomainUrl'],
    google_oauth: ['issuer'],
    genesys_cloud: ['loginBaseUrl', 'apiBaseUrl'],
    eightbyeight_cc: ['baseUrl'],
    calendar_caldav: ['calendarUrl'],
    calendar_google: ['baseUrl', 'tokenUrl'],
    calendar_microsoft: ['baseUrl', 'tokenUrl'],
    sms_twilio: ['baseUrl'],
  };
  const out = (fields[type] ?? [])
    .filter((f) => typeof config[f] === 'string')
    .map((f) => ({ field: `config.${f}`, url: config[f] as string }));
  if (type === 'genesys_cloud' && typeof config['region'] === 'string') {
    if (typeof config['loginBaseUrl'] !== 'string')
      out.push({ field: 'config.region', url: `https://login.${config['region']}/` });
    if (typeof config['apiBaseUrl'] !== 'string')
      out.push({ field: 'config.region', url: `https://api.${config['region']}/` });
  }
  if (type === 'eightbyeight' && typeof config['host'] === 'string') {
    out.push({ field: 'config.host', url: `${String(config['scheme'] ?? 'wss')}://${config['host']}/` });
  }
  return out;
}

/**
 * Parses a stored integration row's config/secrets for its type.
 * @throws ZodError naming the offending field
 */
export function parseIntegration<T extends IntegrationType>(
  type: T,
  config: unknown,
  secrets: unknown,
): { config: IntegrationConfig<T>; secrets: IntegrationSecrets<T> } {
  const s = IntegrationConfigSchemas[type];
  return {
    config: s.config.parse(config ?? {}) as IntegrationConfig<T>,
    secrets: s.secrets.parse(secrets ?? {}) as IntegrationSecrets<T>,
  };
}

/**
 * The `genesys_audiohook` vocabulary from knowledge-base entity names as stored (often upper case: "GOLDEN WOK",
 * as suggestion-service's `GET /v1/knowledge-bases/{id}/vocabulary` returns them): title case ("Golden Wok"),
 * apostrophes and "and" kept, duplicates (same letters) dropped, names over 100 characters skipped, at most `limit`
 * (500, the integration's limit). Used by the console's "fill from knowledge base" and the evaluations.
 */
export function vocabularyFromEntityNames(names: Iterable<string>, limit = 500): string[] {
  const out = new Map<string, string>();
  for (const name of names) {
    const t = name
      .trim()
      .replace(/\s+/g, ' ')
      .toLowerCase()
      .replace(/(^|[\s-])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase())
      .replace(/\bAnd\b/g, 'and');
    const key = t.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (t && t.length <= 100 && !out.has(key)) out.set(key, t);
    if (out.size >= limit) break;
  }
  return [...out.values()];
}
