import { z } from 'zod';
import { IntegrationConfigSchemas, type IntegrationType } from '@hub/integration-schemas';

/** One input of a generated integration form. */
export interface FieldSpec {
  /** Property name in `config` / `secrets`. */
  key: string;
  kind: 'text' | 'secret' | 'number' | 'boolean' | 'select' | 'json';
  required: boolean;
  options?: string[];
  defaultValue?: unknown;
  /** e.g. `uri`, `uuid`, `email` (from the schema), shown as a hint. */
  format?: string;
}

/** Types an admin creates here (`webhook_signing` has its own API), with the seeds' names. */
/**
 * Label of every integration type an admin can add (all but `webhook_signing`, which the services manage). A
 * `Record` over the type union: a type added to @hub/integrations fails the console's typecheck until it is named
 * here, so the console never silently lacks one.
 */
const INTEGRATION_LABELS: Record<Exclude<IntegrationType, 'webhook_signing'>, string> = {
  internal: 'Internal (OmniBots Agent Desktop)',
  amazon_connect: 'Amazon Connect',
  eightbyeight_cc: '8x8 Contact Center (Chat Gateway)',
  genesys_cloud: 'Genesys Cloud (Open Messaging)',
  genesys_audiohook: 'Genesys AudioHook (voice)',
  genesys_oauth: 'Genesys Cloud agent sign-in (PKCE)',
  eightbyeight: '8x8 Event Streaming (Agent Assist)',
  ccai: 'Google CCAI (Pub/Sub)',
  dialogflow_cx: 'Google Dialogflow CX (suggestion source, google_native)',
  google_oauth: 'Google agent sign-in (CCAI widget)',
  salesforce_identity: 'Salesforce agent sign-in (token exchange)',
  llm: 'LLM provider (OpenAI-compatible)',
  sms_twilio: 'SMS: Twilio (callback reminders)',
  calendar_caldav: 'Team calendar: CalDAV',
  calendar_google: 'Team calendar: Google Calendar',
  calendar_microsoft: 'Team calendar: Microsoft 365',
};

/** The add-integration choices, in the order above. */
export const INTEGRATION_TYPES = (
  Object.entries(INTEGRATION_LABELS) as [Exclude<IntegrationType, 'webhook_signing'>, string][]
).map(([value, label]) => ({ value, label }));

/** Contact-center types with Test Connection and the platform's queue/flow lists. */
export const EXTERNAL_TYPES = new Set(['amazon_connect', 'genesys_cloud', 'eightbyeight_cc']);

/** Fields edited by the mapping editor (filled from the platform's lists), not by the generic form. */
export const MAPPING_FIELDS = new Set(['queueMappings', 'flowMappings', 'skillGroups']);

interface JsonSchemaNode {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  anyOf?: JsonSchemaNode[];
  allOf?: JsonSchemaNode[];
}

function objectNode(schema: z.ZodType): JsonSchemaNode {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  return js.allOf?.find((n) => n.properties) ?? js;
}

function specOf(key: string, node: JsonSchemaNode, required: boolean, secret: boolean): FieldSpec {
  const n = node.anyOf?.find((a) => a.type !== 'null') ?? node;
  const type = Array.isArray(n.type) ? n.type.find((t) => t !== 'null') : n.type;
  const base = { key, required, defaultValue: node.default ?? n.default, format: n.format };
  if (n.enum) return { ...base, kind: 'select', options: n.enum.map(String) };
  if (type === 'boolean') return { ...base, kind: 'boolean' };
  if (type === 'integer' || type === 'number') return { ...base, kind: 'number' };
  if (type === 'array' || type === 'object') return { ...base, kind: 'json' };
  return { ...base, kind: secret ? 'secret' : 'text' };
}

/**
 * The inputs of an integration type, derived from the platform's own zod schema of the type
 * (`@hub/integrations` integration-schemas: the orchestrator validates with the same one).
 */
export function fieldsOf(type: IntegrationType): { config: FieldSpec[]; secrets: FieldSpec[] } {
  const s = IntegrationConfigSchemas[type];
  const part = (schema: z.ZodType, secret: boolean) => {
    const node = objectNode(schema);
    const req = new Set(node.required ?? []);
    return Object.entries(node.properties ?? {})
      .filter(([k]) => !MAPPING_FIELDS.has(k))
      .map(([k, v]) => specOf(k, v, req.has(k) && v.default === undefined, secret));
  };
  return { config: part(s.config, false), secrets: part(s.secrets, true) };
}

/** Form values (strings/booleans as typed) → the JSON the API takes; empty inputs are left out. */
export function toPayload(
  fields: FieldSpec[],
  values: Record<string, unknown>,
): {
  value: Record<string, unknown>;
  errors: Record<string, string>;
} {
  const value: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const v = values[f.key];
    if (v === undefined || v === '' || v === null) continue;
    if (f.kind === 'number') {
      const n = Number(v);
      if (Number.isNaN(n)) errors[f.key] = 'Enter a number';
      else value[f.key] = n;
    } else if (f.kind === 'json') {
      try {
        value[f.key] = JSON.parse(String(v));
      } catch {
        errors[f.key] = 'Enter valid JSON';
      }
    } else value[f.key] = v;
  }
  return { value, errors };
}

/**
 * Validates `config` and `secrets` with the type's schema before sending.
 * @returns field errors keyed `config.<field>` / `secrets.<field>` (the API's `errors[].field` paths)
 */
export function validateIntegration(
  type: IntegrationType,
  config: Record<string, unknown>,
  secrets: Record<string, unknown> | undefined,
): Record<string, string> {
  const s = IntegrationConfigSchemas[type];
  const out: Record<string, string> = {};
  const add = (prefix: string, r: { success: boolean; error?: z.ZodError }) => {
    for (const i of r.error?.issues ?? []) {
      const key = `${prefix}.${i.path.map(String).join('.')}`.replace(/\.$/, '');
      out[key] ??= i.message;
    }
  };
  add('config', s.config.safeParse(config));
  if (secrets !== undefined) add('secrets', s.secrets.safeParse(secrets));
  return out;
}

/** `instanceId` → "Instance id". */
export function labelOf(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ');
  // acronyms on the whole phrase, so a leading one is caught too ("API key", "STT provider")
  const lower = words
    .toLowerCase()
    .replace(/\b(url|id|api|llm|uri|stt|oidc|e164|sid)\b/g, (m) => m.toUpperCase());
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}
