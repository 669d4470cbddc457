import { AuthConfigSchema } from '@hub/auth';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  DatabaseConfigSchema,
  HttpConfigSchema,
  HttpProtectionConfigSchema,
  KafkaConfigSchema,
  RedisConfigSchema,
  bool,
  csv,
  signingSecret,
} from '@hub/config';
import { OutboundConfigSchema, SecretsConfigSchema } from '@hub/integrations';

/** With NODE_ENV=production FORM_LINK_SECRET must be set (every replica must verify every form link). */
function requireFormLinkSecretInProduction(
  c: { NODE_ENV?: string; FORM_LINK_SECRET?: string },
  ctx: z.RefinementCtx,
): void {
  if (c.NODE_ENV === 'production' && !c.FORM_LINK_SECRET)
    ctx.addIssue({
      code: 'custom',
      path: ['FORM_LINK_SECRET'],
      message: 'is required in production (signs form links; every replica must share it)',
    });
}

/** HUB_TEST_CLOCK_ADJUSTABLE is a test seam: refused with NODE_ENV=production. */
function refuseTestClockInProduction(
  c: { NODE_ENV?: string; HUB_TEST_CLOCK_ADJUSTABLE?: boolean },
  ctx: z.RefinementCtx,
): void {
  if (c.NODE_ENV === 'production' && c.HUB_TEST_CLOCK_ADJUSTABLE)
    ctx.addIssue({
      code: 'custom',
      path: ['HUB_TEST_CLOCK_ADJUSTABLE'],
      message: 'is a test seam and is refused in production',
    });
}

/**
 * Environment of the handoff orchestrator (validated once in main.ts by `loadConfig`; a bad value
 * stops the service at start with a message naming the variable).
 */
const HandoffOrchestratorConfigFields = z.object({
  ...HttpConfigSchema.shape,
  ...HttpProtectionConfigSchema.shape,
  ...AuthConfigSchema.shape,
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  ...DatabaseConfigSchema.shape,
  ...KafkaConfigSchema.shape,
  ...RedisConfigSchema.shape,
  ...SecretsConfigSchema.shape,
  ...OutboundConfigSchema.shape,
  /** After a webhook secret rotation, the previous secret keeps signing this long, hours (0 = revoke at once). */
  WEBHOOK_SECRET_ROTATION_OVERLAP_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 30)
    .default(24),
  /** Longest pause between two scans for due handoff timeouts, ms (a precise timer handles the nearest one). */
  HANDOFF_TIMER_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(250),
  /**
   * How long a withdrawing handoff (timeout or bot cancel) waits for the router's answer, ms; then it
   * fails with the reason it was withdrawn for and the outcome is announced (durable: counted from the
   * stored `withdraw_requested_at`).
   */
  HANDOFF_WITHDRAW_GRACE_MS: z.coerce.number().int().min(50).max(600_000).default(5000),
  /**
   * External contact centers (docs/ccaas.md): attempts of one vendor call (start / end / customer message)
   * on throttling or an outage, exponential backoff from CCAAS_RETRY_BASE_MS capped at CCAAS_RETRY_MAX_MS;
   * then the handoff fails with `error` (start) or the call is given up (logged, counted).
   */
  CCAAS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  CCAAS_RETRY_BASE_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  CCAAS_RETRY_MAX_MS: z.coerce.number().int().min(10).max(300_000).default(15_000),
  /** Redis lease of a vendor stream (Connect participant websocket) held by one replica, ms (renewed at 1/3). */
  CCAAS_BRIDGE_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** How often each replica looks for open contacts whose stream nobody holds, ms. */
  CCAAS_BRIDGE_SCAN_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /**
   * How often the platform is asked whether the agent ended an accepted contact, for vendors that do not
   * notify it (Genesys Cloud `pollEnded`), ms.
   */
  CCAAS_POLL_ENDED_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /**
   * Wrap-up note ("save summary", Genesys): durable attempts (each one runs the CCAAS_MAX_ATTEMPTS in-process
   * retries) before it is given up, and the first delay between them, ms (exponential, jittered, capped at 1 h;
   * fired by the handoff timer loop from `ccaas_contacts.summary_retry_at`).
   */
  CCAAS_SUMMARY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  CCAAS_SUMMARY_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
  /** Due callback deliveries are scanned at most this often, ms. */
  CALLBACK_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(250),
  /** Timeout of one callback POST, ms. */
  CALLBACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** Attempts (durable, across restarts) before a callback delivery is given up (`failed`). */
  CALLBACK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  /** First retry delay of a failed callback, ms (doubles per attempt, capped at 10 min). */
  CALLBACK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(1000),
  /** Also POST intermediate outcomes (requested, routed, offered) to the callback URL. */
  CALLBACK_INTERMEDIATE: bool().default(false),
  /**
   * Accept `http:` callback URLs (default: `https:` only). For development and tests with a local
   * callback server.
   */
  HANDOFF_CALLBACK_ALLOW_HTTP: bool().default(false),
  /**
   * Let callbacks reach non-public addresses (loopback, RFC 1918, link-local incl. 169.254.169.254, CGNAT,
   * ULA, multicast …) — IP literals at intake and resolved addresses at delivery (SSRF protection off).
   * Default false; development and tests with a local callback server only.
   */
  HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS: bool().default(false),
  /**
   * Comma-separated host suffixes callback hosts must match (`example.com` admits `example.com` and
   * `hooks.example.com`; a leading `.` or `*.` is ignored); unset → any public host.
   */
  HANDOFF_CALLBACK_ALLOWED_HOSTS: csv()
    .transform((list) => list.map((h) => h.toLowerCase().replace(/^\*?\./, '')))
    .pipe(
      z.array(
        z.hostname({
          error: 'each entry must be a host name or suffix such as example.com or .example.com',
        }),
      ),
    )
    .optional(),
  /** Sentences in an extractive (library) summary. */
  SUMMARY_MAX_SENTENCES: z.coerce.number().int().min(1).max(20).default(3),
  /** Upper bound on the LLM summary call, ms (the integration's own `timeoutMs` applies if lower). */
  SUMMARY_LLM_MAX_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /**
   * Base URL of the suggestion service for the retrieval-confidence signal of escalation decisions
   * (`POST {url}/v1/knowledge-bases/{id}/search`, called with the decision request's own credential). Absent →
   * only the bot's own retrieval result is used.
   */
  ESCALATION_SUGGESTION_URL: z.url().optional(),
  /** Upper bound on that search call, ms; on timeout the retrieval signal is reported unavailable. */
  ESCALATION_RETRIEVAL_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1500),
  /**
   * Base URL of the work-item router for the live-agent path of escalation decisions
   * (`GET {url}/v1/queues/{id}/availability`: business hours, online agents, capacity, estimated wait; called
   * with the decision request's own credential, which needs `routing:read`). Absent → the live path is reported
   * unavailable (`router_unavailable`, code `not_configured`).
   */
  ESCALATION_ROUTER_URL: z.url().optional(),
  /** Upper bound on that availability call, ms; on timeout the live path is reported unavailable. */
  ESCALATION_ROUTER_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1000),
  /**
   * Local embedding model of the intent detectors (tools/models/fetch-models.sh installs both). The scope detector
   * always runs over all-MiniLM-L6-v2 ⊕ e5-small-v2 (SCOPE_EMBEDDING_MODEL of @hub/escalation); both are checked at start.
   */
  ESCALATION_MODEL: z.enum(['all-minilm-l6-v2', 'all-minilm-l6-v2-q']).default('all-minilm-l6-v2'),
  /**
   * Load both embedding models at start (default) so the first decision does not wait ~1–3 s for them; false →
   * on the first decision (the test harness, whose in-process services mostly make no decision). The model files
   * are checked at start either way.
   */
  ESCALATION_PRELOAD_MODELS: bool().default(true),
  /** How long a decision waits for a tenant's scope classifier still being trained, ms (then: signal unavailable). */
  ESCALATION_SCOPE_TRAINING_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  /**
   * Folder of the trained scope detectors, one file per scope hash (ScopeDetectorStore of @hub/escalation): a
   * start reads a tenant's detector instead of embedding its scope and training again (minutes for a large
   * scope). Default `~/.cache/engagement-hub/scope-detectors`; empty → keep them in memory only.
   */
  ESCALATION_SCOPE_STORE_DIR: z
    .string()
    .default(join(homedir(), '.cache', 'engagement-hub', 'scope-detectors')),
  /**
   * Scheduled customer callbacks (docs/callbacks.md): SMTP server of the confirmation / reminder e-mails
   * (`smtp://host:port`, `smtps://user:pass@host:465`; nodemailer URL syntax). Unset → e-mail notifications stay
   * queued and are retried (logged).
   */
  CUSTOMER_CALLBACK_SMTP_URL: z
    .url()
    .refine((u) => /^smtps?:\/\//.test(u), { message: 'must be an smtp:// or smtps:// URL' })
    .optional(),
  /** Sender of those e-mails (and ORGANIZER of their iCalendar invites). */
  CUSTOMER_CALLBACK_MAIL_FROM: z.email().default('callbacks@engagement-hub.invalid'),
  /** The reminder fires this long before the slot, minutes (seed 003: 15). */
  CUSTOMER_CALLBACK_REMINDER_LEAD_MIN: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /**
   * Public origin of this service as the tenants' SMS provider reaches it (`https://hub.example.com`): Twilio posts
   * delivery statuses of callback SMS to `{origin}/v1/sms/twilio/{integrationId}/status?n=…` and signs that exact
   * URL. Unset → no status callbacks are requested (and the route refuses every post).
   */
  SMS_STATUS_CALLBACK_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Pause between scans for due callback notifications, ms. */
  CUSTOMER_CALLBACK_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(1000),
  /**
   * Tests only (refused with NODE_ENV=production): lets in-process tests move the customer-callback clock forward
   * (`CallbackClock.advance`) to reach reminder and slot times without waiting. Default false.
   */
  HUB_TEST_CLOCK_ADJUSTABLE: bool().default(false),
  /** Serve the OpenAPI document at /docs (UI) and /docs-json. */
  OPENAPI_ENABLED: bool().default(true),
  /**
   * Secure forms (docs/forms.md): HS256 key of form links (≥ 32 bytes, shared by every replica). Unset → a
   * random per-process key (links die with the process; development only); required with NODE_ENV=production.
   */
  FORM_LINK_SECRET: signingSecret().optional(),
  /** `production` makes FORM_LINK_SECRET mandatory. */
  NODE_ENV: z.string().optional(),
  /** Origin of the hub-hosted form page in issued links (`https://forms.example.com`); unset → the API request's origin. */
  FORMS_PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Form page requests (GET + POST `/forms/{token}`) per client IP per minute. */
  FORM_PAGE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Submit attempts per form link per 10 minutes (invalid ones included). */
  FORM_SUBMIT_ATTEMPTS_PER_LINK: z.coerce.number().int().min(1).max(1000).default(10),
});

/** {@link HandoffOrchestratorConfigFields} with the cross-variable checks. */
export const HandoffOrchestratorConfigSchema = HandoffOrchestratorConfigFields.superRefine((c, ctx) => {
  requireFormLinkSecretInProduction(c, ctx);
  refuseTestClockInProduction(c, ctx);
});
export type HandoffOrchestratorConfig = z.infer<typeof HandoffOrchestratorConfigSchema>;
