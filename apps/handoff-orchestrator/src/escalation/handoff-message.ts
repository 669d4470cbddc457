import type { TemplatePlaceholder } from './escalation-config';

/** Values a message template is rendered with; a missing value renders as an empty string. */
export type TemplateValues = Partial<Record<TemplatePlaceholder, string>>;

/**
 * Renders a message template: each `{{name}}` (whitespace inside the braces allowed) is replaced by its value.
 * Only the placeholders of `TEMPLATE_PLACEHOLDERS` exist (the configuration schema refuses others), so this is
 * a substitution, not a template language: values are inserted literally (no further expansion, no HTML escaping —
 * the result is chat text). Whitespace runs left by empty values are collapsed.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template
    .replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name: string) => values[name as TemplatePlaceholder] ?? '')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/**
 * The phrase for an intent id in a handoff message: the tenant's label if it has one, else the id with `_`/`-`
 * turned into spaces (`change_beneficiary` → `change beneficiary`).
 */
export function intentPhrase(intent: string, labels: Record<string, string>): string {
  return labels[intent] ?? intent.replace(/[_-]+/g, ' ').trim();
}

/** Text of a turn shortened to at most `max` characters (on a word boundary, with an ellipsis). */
export function shorten(text: string, max = 160): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
