import { z } from 'zod';
import { ESCALATION_PATHS, EscalationRulesSchema, type EscalationClass } from '@hub/escalation';

/** Placeholders a message template may use (anything else in `{{…}}` is a 400 naming the template). */
export const TEMPLATE_PLACEHOLDERS = [
  'intent',
  'lastCustomerMessage',
  'customerName',
  'channel',
  /** The live queue's estimated wait in words ("six minutes"); empty when unknown. */
  'estimatedWait',
] as const;
export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

const template = z
  .string()
  .min(1)
  .max(2000)
  .superRefine((t, ctx) => {
    for (const m of t.matchAll(PLACEHOLDER)) {
      if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(m[1])) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {{${m[1]}}}; allowed: ${TEMPLATE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
        });
      }
    }
  });

const detector = z
  .object({
    enabled: z.boolean().default(true),
    /** Mean cosine to the class's closest prototypes needed to fire, in [-1, 1]. */
    threshold: z.number().min(-1).max(1).optional(),
    /** Required lead over the ordinary-request prototypes. */
    margin: z.number().min(-2).max(2).optional(),
  })
  .strict();

const DETECTOR_CLASSES = [
  'human_request',
  'complaint',
  'frustration',
  'legal_advice',
  'medical_advice',
  'financial_advice',
] as const satisfies readonly EscalationClass[];

/** Defaults of the message templates (seed 003's examples). */
export const DEFAULT_TEMPLATES = {
  handoffMessage: "I'm taking over for the assistant — I see you're trying to {{intent}}.",
  handoffMessageWithoutIntent:
    'I\'m taking over for the assistant — I see you asked: "{{lastCustomerMessage}}". Let me help.',
  offerMessage:
    'That is a request I want to make sure we get exactly right. I can offer you these options — which works best?',
  /** The live path's `message` when the queue has an estimated wait (docs/business-hours.md). */
  liveAgentWait: 'The average wait is {{estimatedWait}}.',
} as const;

/** Paths the live agent may fall through to when it is unavailable (outside hours, at capacity, …). */
export const FALLTHROUGH_PATHS = ['callback', 'form'] as const;

/** The seed's guardrail prompt block (seed 003, "Tune the agent prompt"), the default of `guardrailPrompt`. */
export const DEFAULT_GUARDRAIL_PROMPT =
  'When you encounter a request that is sensitive, complex, or outside your competence, do NOT guess or invent ' +
  'a policy. Instead offer the customer one of three paths: 1. A self-service form for routine but structured ' +
  'changes. 2. A live agent for sensitive or judgment-heavy requests. 3. A scheduled callback for after-hours ' +
  'or research-heavy requests. Always present all three; let the customer choose.';

/**
 * A tenant's escalation configuration (`PUT /v1/escalation/config`), stored as one JSON document per tenant in
 * `escalation_settings`. Every field has a default, so `{}` is a valid configuration:
 * - `retrieval`: the retrieval-confidence signal — on/off, the knowledge base searched when the bot sends no
 *   result of its own, and the threshold (absent: the suggestion service's own).
 * - `detectors`: per intent-detector class on/off, threshold and margin (absent: the library's tuned defaults).
 * - `scope`: the bot's in-scope example utterances with intents (the out-of-scope detector trains on them; at least
 *   2 intents with 10 examples each when given) and the share of held-out examples it may reject.
 * - `rules`: keyword rules and routing conditions of @hub/escalation (`parseRules`); regulated categories win.
 * - `paths`: which of form / live agent / callback the tenant offers; the live agent's queue; the form template.
 * - `templates`: the AI handoff message (with and without a detected intent) and the offer line; placeholders
 *   `{{intent}}`, `{{lastCustomerMessage}}`, `{{customerName}}`, `{{channel}}`; `intentLabels` turns intent ids
 *   into phrases ("change_beneficiary" → "change your beneficiary"; default: underscores → spaces).
 * - `guardrailPrompt`: the system-prompt block served with the tool manifest.
 * - `fallthrough`: when the live agent is unavailable (outside the queue's business hours, at capacity, no agent
 *   online, …), the paths offered instead, in order (default callback, then form); the first enabled one is the
 *   decision's `fallthrough.to` and is offered first. `templates.liveAgentWait` renders the live path's
 *   estimated wait (`{{estimatedWait}}`, "six minutes").
 */
export const EscalationConfigSchema = z
  .object({
    retrieval: z
      .object({
        enabled: z.boolean().default(true),
        knowledgeBaseId: z.uuid().optional(),
        /** Best chunk's confidence in [0, 1] below which the bot should not guess. */
        threshold: z.number().min(0).max(1).optional(),
      })
      .strict()
      .default({ enabled: true }),
    detectors: z
      .object(
        Object.fromEntries(DETECTOR_CLASSES.map((c) => [c, detector.optional()])) as {
          [K in (typeof DETECTOR_CLASSES)[number]]: z.ZodOptional<typeof detector>;
        },
      )
      .strict()
      .default({}),
    scope: z
      .object({
        enabled: z.boolean().default(true),
        examples: z
          .array(
            z
              .object({ text: z.string().trim().min(1).max(500), intent: z.string().min(1).max(200) })
              .strict(),
          )
          .max(20_000)
          .default([]),
        rejectRate: z.number().min(0).max(0.2).optional(),
      })
      .strict()
      .default({ enabled: true, examples: [] })
      .superRefine((s, ctx) => {
        if (!s.examples.length) return;
        const counts = new Map<string, number>();
        for (const e of s.examples) counts.set(e.intent, (counts.get(e.intent) ?? 0) + 1);
        if (counts.size < 2)
          ctx.addIssue({ code: 'custom', path: ['examples'], message: 'needs at least 2 intents' });
        const thin = [...counts].find(([, n]) => n < 10);
        if (thin) {
          ctx.addIssue({
            code: 'custom',
            path: ['examples'],
            message: `intent ${thin[0]} has ${thin[1]} examples; each intent needs at least 10`,
          });
        }
      }),
    rules: EscalationRulesSchema.default([]),
    paths: z
      .object({
        form: z
          .object({ enabled: z.boolean().default(true), templateId: z.string().min(1).max(200).optional() })
          .strict()
          .default({ enabled: true }),
        live_agent: z
          .object({ enabled: z.boolean().default(true), queueId: z.uuid().optional() })
          .strict()
          .default({ enabled: true }),
        callback: z
          .object({ enabled: z.boolean().default(true) })
          .strict()
          .default({ enabled: true }),
      })
      .strict()
      .default({ form: { enabled: true }, live_agent: { enabled: true }, callback: { enabled: true } }),
    templates: z
      .object({
        handoffMessage: template.default(DEFAULT_TEMPLATES.handoffMessage),
        handoffMessageWithoutIntent: template.default(DEFAULT_TEMPLATES.handoffMessageWithoutIntent),
        offerMessage: template.default(DEFAULT_TEMPLATES.offerMessage),
        liveAgentWait: template.default(DEFAULT_TEMPLATES.liveAgentWait),
        intentLabels: z.record(z.string().min(1).max(200), z.string().min(1).max(300)).default({}),
      })
      .strict()
      .default({ ...DEFAULT_TEMPLATES, intentLabels: {} }),
    guardrailPrompt: z.string().min(1).max(8000).default(DEFAULT_GUARDRAIL_PROMPT),
    fallthrough: z
      .array(z.enum(FALLTHROUGH_PATHS))
      .min(1)
      .max(FALLTHROUGH_PATHS.length)
      .refine((a) => new Set(a).size === a.length, { message: 'each path at most once' })
      .default([...FALLTHROUGH_PATHS]),
  })
  .strict();

/** A validated tenant configuration (defaults applied). */
export type EscalationConfig = z.infer<typeof EscalationConfigSchema>;

/** The configuration of a tenant that never wrote one. */
export const DEFAULT_ESCALATION_CONFIG: EscalationConfig = EscalationConfigSchema.parse({});

/** Paths in the order the bot offers them (seed 003: form, live agent, callback). */
export const PATH_ORDER = ESCALATION_PATHS;
