import { z } from 'zod';

/** Escalation paths of seed 003. */
export const ESCALATION_PATHS = ['form', 'live_agent', 'callback'] as const;
export type EscalationPath = (typeof ESCALATION_PATHS)[number];

/** Rule categories; the regulated ones (legal, medical, fraud, regulated transactions) win over the model. */
export const REGULATED_CATEGORIES = ['legal', 'medical', 'fraud', 'regulated'] as const;
const CATEGORIES = [...REGULATED_CATEGORIES, 'general'] as const;
export type RuleCategory = (typeof CATEGORIES)[number];

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone');

const base = {
  id: z.string().min(1).max(100),
  category: z.enum(CATEGORIES).default('general'),
  /** Path the rule forces; absent = escalate and let the policy choose. */
  path: z.enum(ESCALATION_PATHS).optional(),
  enabled: z.boolean().default(true),
};

/** A tenant keyword rule: fires when the turn contains one of the words or phrases (case-insensitive, whole words). */
export const KeywordRuleSchema = z.object({
  ...base,
  kind: z.literal('keyword'),
  keywords: z.array(z.string().trim().min(1).max(200)).min(1).max(500),
});

/** A tenant routing condition: fires when every given criterion holds (intent, channel, sentiment, attributes, time). */
export const RoutingConditionSchema = z.object({
  ...base,
  kind: z.literal('condition'),
  when: z
    .object({
      intents: z.array(z.string().min(1)).min(1).optional(),
      channels: z.array(z.string().min(1)).min(1).optional(),
      /** Fires when the conversation's sentiment score (-1..1) is below this. */
      sentimentBelow: z.number().min(-1).max(1).optional(),
      attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      time: z
        .object({ timeZone, days: z.array(z.enum(DAYS)).min(1).optional(), from: HHMM, to: HHMM })
        .optional(),
    })
    .refine((w) => Object.values(w).some((v) => v !== undefined), 'needs at least one criterion'),
});

/** One tenant rule (keyword rule or routing condition). */
export const EscalationRuleSchema = z.discriminatedUnion('kind', [KeywordRuleSchema, RoutingConditionSchema]);
/** A tenant's rule list; ids must be unique. */
export const EscalationRulesSchema = z
  .array(EscalationRuleSchema)
  .max(1000)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((r, i) => {
      if (seen.has(r.id))
        ctx.addIssue({ code: 'custom', message: `duplicate rule id ${r.id}`, path: [i, 'id'] });
      seen.add(r.id);
    });
  });

export type EscalationRule = z.infer<typeof EscalationRuleSchema>;

/** What rules are evaluated against. */
export interface RuleContext {
  text: string;
  intent?: string;
  channel?: string;
  /** Sentiment score in [-1, 1]. */
  sentiment?: number;
  attributes?: Record<string, string | number | boolean>;
  now?: Date;
}

/** A rule that fired, with what matched. */
export interface RuleMatch {
  ruleId: string;
  kind: EscalationRule['kind'];
  category: RuleCategory;
  path?: EscalationPath;
  regulated: boolean;
  /** The keyword found, or the criteria that held. */
  evidence: string;
}

/**
 * Parses and validates a tenant's rules (zod). Throws a `ZodError` whose issues name the field path
 * (e.g. `[2, "when", "time", "from"]`), for the REST layer's 400 problem+json.
 */
export function parseRules(input: unknown): EscalationRule[] {
  return EscalationRulesSchema.parse(input);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function keywordPattern(k: string): RegExp {
  const words = k.trim().split(/\s+/).map(escapeRegExp).join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${words}(?![\\p{L}\\p{N}])`, 'iu');
}

function localTime(now: Date, tz: string): { day: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    day: get('weekday').slice(0, 3).toLowerCase(),
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function conditionHolds(
  when: z.infer<typeof RoutingConditionSchema>['when'],
  ctx: RuleContext,
): string | null {
  const held: string[] = [];
  if (when.intents) {
    if (!ctx.intent || !when.intents.includes(ctx.intent)) return null;
    held.push(`intent=${ctx.intent}`);
  }
  if (when.channels) {
    if (!ctx.channel || !when.channels.includes(ctx.channel)) return null;
    held.push(`channel=${ctx.channel}`);
  }
  if (when.sentimentBelow !== undefined) {
    if (ctx.sentiment === undefined || !(ctx.sentiment < when.sentimentBelow)) return null;
    held.push(`sentiment=${ctx.sentiment}<${when.sentimentBelow}`);
  }
  if (when.attributes) {
    for (const [k, v] of Object.entries(when.attributes)) {
      if (ctx.attributes?.[k] !== v) return null;
      held.push(`${k}=${String(v)}`);
    }
  }
  if (when.time) {
    const { day, minutes } = localTime(ctx.now ?? new Date(), when.time.timeZone);
    if (when.time.days && !when.time.days.includes(day as (typeof DAYS)[number])) return null;
    const from = toMinutes(when.time.from);
    const to = toMinutes(when.time.to);
    // A window whose end is before its start wraps past midnight (e.g. 18:00–08:00).
    const inside = from <= to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
    if (!inside) return null;
    held.push(`time ${when.time.from}-${when.time.to} ${when.time.timeZone}`);
  }
  return held.join(', ');
}

/**
 * Evaluates the rules against a turn and its context. Returns the rules that fired: regulated categories first,
 * then in the tenant's order.
 */
export function evaluateRules(rules: EscalationRule[], ctx: RuleContext): RuleMatch[] {
  const matches: RuleMatch[] = [];
  for (const rule of rules) {
    if (!rule.enabled) continue;
    let evidence: string | null = null;
    if (rule.kind === 'keyword') {
      const hit = rule.keywords.find((k) => keywordPattern(k).test(ctx.text));
      evidence = hit === undefined ? null : `keyword "${hit}"`;
    } else {
      evidence = conditionHolds(rule.when, ctx);
    }
    if (evidence === null) continue;
    matches.push({
      ruleId: rule.id,
      kind: rule.kind,
      category: rule.category,
      path: rule.path,
      regulated: (REGULATED_CATEGORIES as readonly string[]).includes(rule.category),
      evidence,
    });
  }
  return matches.sort((a, b) => Number(b.regulated) - Number(a.regulated));
}
