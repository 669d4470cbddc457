import { z } from 'zod';
import { EscalationRulesSchema } from '@hub/escalation-rules';
import { issuesToErrors } from '../../api/client';
import type { EscalationConfig } from './types';

/** Placeholders message templates may use (orchestrator escalation-config.ts `TEMPLATE_PLACEHOLDERS`). */
export const TEMPLATE_PLACEHOLDERS = [
  'intent',
  'lastCustomerMessage',
  'customerName',
  'channel',
  'estimatedWait',
];

function template(value: string): string | null {
  if (!value.trim()) return 'Enter the message';
  if (value.length > 2000) return 'At most 2000 characters';
  for (const m of value.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    if (!TEMPLATE_PLACEHOLDERS.includes(m[1])) {
      return `unknown placeholder {{${m[1]}}}; allowed: ${TEMPLATE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`;
    }
  }
  return null;
}

const range = (min: number, max: number) => z.number().min(min).max(max).optional();
const Shape = z.object({
  retrieval: z.object({ threshold: range(0, 1), knowledgeBaseId: z.uuid().optional() }),
  detectors: z.record(z.string(), z.object({ threshold: range(-1, 1), margin: range(-2, 2) })),
  scope: z.object({ rejectRate: range(0, 0.2) }),
  paths: z.object({ live_agent: z.object({ queueId: z.uuid().optional() }) }),
  guardrailPrompt: z.string().min(1, 'Enter the guardrail prompt').max(8000),
  fallthrough: z.array(z.enum(['callback', 'form'])).min(1, 'Keep at least one fallback path'),
});

/**
 * Checks the configuration before `PUT /v1/escalation/config`: numeric ranges, template placeholders, and the
 * rules with the platform's own rule schema (`@hub/escalation` rules.ts).
 * @returns field errors keyed by the API's paths (`detectors.complaint.threshold`, `rules.0.keywords`, …)
 */
export function validateConfig(c: EscalationConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  const shape = Shape.safeParse(c);
  if (!shape.success) Object.assign(errors, issuesToErrors(shape.error.issues));
  const rules = EscalationRulesSchema.safeParse(c.rules);
  if (!rules.success) {
    for (const [k, v] of Object.entries(issuesToErrors(rules.error.issues))) errors[`rules.${k}`] ??= v;
  }
  for (const k of [
    'handoffMessage',
    'handoffMessageWithoutIntent',
    'offerMessage',
    'liveAgentWait',
  ] as const) {
    const e = template(c.templates[k]);
    if (e) errors[`templates.${k}`] = e;
  }
  return errors;
}
