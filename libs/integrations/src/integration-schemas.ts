import { z } from 'zod';
import { AmazonConnectConfigSchema, AmazonConnectSecretsSchema } from './ccaas/amazon-connect.schema';

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
      /** speech-to-text provider: offline pocketsphinx or Google Cloud Speech-to-Text. */
      sttProvider: z.enum(['pocketsphinx', 'google']).default('pocketsphinx'),
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
  };
  const out = (fields[type] ?? [])
    .filter((f) => typeof config[f] === 'string')
    .map((f) => ({ field: `config.${f}`, url: config[f] as string }));
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
