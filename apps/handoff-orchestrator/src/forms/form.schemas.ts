import { z } from 'zod';

/** Field types a form template may use (rendered as the matching HTML input type). */
export const FORM_FIELD_TYPES = [
  'text',
  'textarea',
  'email',
  'phone',
  'date',
  'number',
  'select',
  'checkbox',
] as const;
export type FormFieldType = (typeof FORM_FIELD_TYPES)[number];

const isoDate = z.iso.date();

/** Does `pattern` compile as a JavaScript (Unicode) regular expression? */
function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/**
 * One field of a template. `name` is the key in prefilled data, the submitted form and the webhook payload.
 * Validation: `required`; `pattern` (whole value, JavaScript regex, text/textarea/phone); `minLength` /
 * `maxLength` (characters, text/textarea); `min` / `max` (number: numeric; date: ISO `YYYY-MM-DD`);
 * `options` (select). `sensitive`: the value never enters the transcript, the logs, the conversation note
 * or prefilled data; it is sent only in the signed webhook to the tenant's backend.
 */
export const FormFieldSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _ (starting with a letter), ≤ 63'),
    label: z.string().trim().min(1).max(200),
    type: z.enum(FORM_FIELD_TYPES),
    required: z.boolean().default(false),
    sensitive: z.boolean().default(false),
    help: z.string().max(500).optional(),
    pattern: z.string().min(1).max(500).refine(compiles, 'must be a valid regular expression').optional(),
    /** Shown with a `pattern` error ("7 digits, no spaces"). */
    patternHint: z.string().max(200).optional(),
    minLength: z.number().int().min(0).max(10_000).optional(),
    maxLength: z.number().int().min(1).max(10_000).optional(),
    min: z.union([z.number(), isoDate]).optional(),
    max: z.union([z.number(), isoDate]).optional(),
    options: z
      .array(z.object({ value: z.string().min(1).max(200), label: z.string().min(1).max(200) }).strict())
      .min(1)
      .max(200)
      .optional(),
    /** HTML `autocomplete` token (e.g. `street-address`, `postal-code`, `tel`). */
    autocomplete: z
      .string()
      .regex(/^[a-z0-9 -]{1,100}$/)
      .optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.type === 'select' && !f.options)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'is required for a select field' });
    if (f.type !== 'select' && f.options)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'only a select field has options' });
    if (f.pattern && !['text', 'textarea', 'phone'].includes(f.type))
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'only text, textarea and phone fields' });
    if ((f.minLength !== undefined || f.maxLength !== undefined) && !['text', 'textarea'].includes(f.type))
      ctx.addIssue({ code: 'custom', path: ['minLength'], message: 'only text and textarea fields' });
    if (f.minLength !== undefined && f.maxLength !== undefined && f.minLength > f.maxLength)
      ctx.addIssue({ code: 'custom', path: ['maxLength'], message: 'must be ≥ minLength' });
    for (const k of ['min', 'max'] as const) {
      const v = f[k];
      if (v === undefined) continue;
      if (f.type === 'number' && typeof v !== 'number')
        ctx.addIssue({ code: 'custom', path: [k], message: 'must be a number for a number field' });
      else if (f.type === 'date' && typeof v !== 'string')
        ctx.addIssue({ code: 'custom', path: [k], message: 'must be a date (YYYY-MM-DD) for a date field' });
      else if (f.type !== 'number' && f.type !== 'date')
        ctx.addIssue({ code: 'custom', path: [k], message: 'only number and date fields' });
    }
    if (f.min !== undefined && f.max !== undefined && f.min > f.max)
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'must be ≥ min' });
  });
export type FormField = z.infer<typeof FormFieldSchema>;

/** Where the customer fills the form in: the hub's page (`/forms/{token}`), or the tenant's own page. */
export const FormTargetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hosted') }).strict(),
  z
    .object({
      type: z.literal('external'),
      /** The tenant's page; the link is `url?form_token=<JWT>` (the page posts back to `/forms/{token}`). */
      url: z.url({ protocol: /^https$/, error: 'must be an https URL' }),
    })
    .strict(),
]);
export type FormTarget = z.infer<typeof FormTargetSchema>;

/** Bounds of a link's lifetime, seconds: 1 minute … 7 days. */
export const LINK_TTL_MIN_S = 60;
export const LINK_TTL_MAX_S = 604_800;

/** `POST /v1/forms/templates` and `PUT /v1/forms/templates/{id}` body. */
export const FormTemplateBodySchema = z
  .object({
    /** Slug, unique per tenant (`address-change`). */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and - (≤ 63)'),
    title: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    fields: z.array(FormFieldSchema).min(1).max(50),
    target: FormTargetSchema.default({ type: 'hosted' }),
    /**
     * The tenant's backend: each submission is POSTed there, signed (Standard Webhooks, the tenant's
     * `/v1/webhook-secret`). Checked against the outbound URL policy (HANDOFF_CALLBACK_*).
     */
    webhookUrl: z.url({ protocol: /^https?$/ }),
    /** Lifetime of the template's links, seconds (default 24 h; a link request may ask for less). */
    linkTtlSeconds: z.number().int().min(LINK_TTL_MIN_S).max(LINK_TTL_MAX_S).default(86_400),
    /** Internal note posted to the conversation on submit (default `form <name> submitted`). No values. */
    noteText: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.fields.forEach((f, i) => {
      if (seen.has(f.name))
        ctx.addIssue({
          code: 'custom',
          path: ['fields', i, 'name'],
          message: `duplicate field name ${f.name}`,
        });
      seen.add(f.name);
    });
  });
export type FormTemplateBody = z.infer<typeof FormTemplateBodySchema>;

/** A stored template (API view). */
export const FormTemplateSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  fields: z.array(FormFieldSchema),
  target: FormTargetSchema,
  webhookUrl: z.string(),
  linkTtlSeconds: z.number().int(),
  noteText: z.string().nullable(),
  revision: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type FormTemplate = z.infer<typeof FormTemplateSchema>;
export const FormTemplateListSchema = z.object({ items: z.array(FormTemplateSchema) });

/** A prefilled value (what the bot gathered in the chat). */
const prefilledValue = z.union([z.string().max(10_000), z.number(), z.boolean()]);

/**
 * `POST /v1/forms/links` body = the `send_secure_form` tool call's arguments (snake_case, as in the tool
 * manifest) plus the conversation it belongs to. `prefilled_data` is checked against the template (unknown
 * or sensitive field, invalid value → 400 naming `prefilled_data.<field>`) and stays on the server.
 */
export const IssueFormLinkBodySchema = z
  .object({
    /** The template's id, or its name (`address-change`, as the escalation config's `paths.form.templateId`). */
    template_id: z.string().min(1).max(200),
    prefilled_data: z.record(z.string(), prefilledValue).default({}),
    /** Where the success page links back to (the chat). */
    return_url: z.url({ protocol: /^https?$/ }).optional(),
    /** The conversation the internal note is posted to; default: the decision's conversation. */
    conversation_id: z.string().min(1).max(200).optional(),
    decision_id: z.uuid().optional(),
    handoff_id: z.uuid().optional(),
    /** Shorter lifetime than the template's, seconds. */
    expires_in: z.number().int().min(LINK_TTL_MIN_S).max(LINK_TTL_MAX_S).optional(),
  })
  .strict();
export type IssueFormLinkBody = z.infer<typeof IssueFormLinkBodySchema>;

export const IssuedFormLinkSchema = z.object({
  linkId: z.uuid(),
  templateId: z.uuid().describe('The template’s id (also when the request named it)'),
  /** The link to send to the customer (single use, expires at `expiresAt`). */
  url: z.string(),
  expiresAt: z.iso.datetime(),
  conversationId: z.string().nullable(),
});
export type IssuedFormLink = z.infer<typeof IssuedFormLinkSchema>;

/** A validation problem of one form field (`field` = the field's name). */
export interface FieldError {
  field: string;
  message: string;
}

/** Submitted (or prefilled) values after validation: numbers as numbers, checkboxes as booleans. */
export type FormValues = Record<string, string | number | boolean>;

/** The zod schema of one field's value as submitted from an HTML form (a string; '' = not given). */
function valueSchema(f: FormField): z.ZodType<string | number | boolean | undefined> {
  const present = (s: z.ZodType<string | number | boolean>) =>
    z
      .string()
      .transform((v) => (f.type === 'textarea' ? v.replace(/\r\n/g, '\n') : v.trim()))
      .pipe(
        z.union([
          z.literal('').transform(() => undefined),
          s as z.ZodType<string | number | boolean, string>,
        ]),
      );
  switch (f.type) {
    case 'text':
    case 'textarea': {
      let s = z.string();
      if (f.minLength !== undefined) s = s.min(f.minLength, `must be at least ${f.minLength} characters`);
      s = s.max(f.maxLength ?? 10_000, `must be at most ${f.maxLength ?? 10_000} characters`);
      return present(withPattern(s, f));
    }
    case 'email':
      return present(z.email('must be an e-mail address such as name@example.com').max(320));
    case 'phone':
      return present(
        withPattern(
          z
            .string()
            .transform((v) => v.replace(/[\s().-]/g, ''))
            .pipe(z.e164('must be a phone number in international format, such as +44 20 7946 0958')),
          f,
        ),
      );
    case 'date': {
      let s: z.ZodType<string, string> = z.iso.date('must be a date (YYYY-MM-DD)');
      if (typeof f.min === 'string') {
        const min = f.min;
        s = s.refine((v) => v >= min, `must be on or after ${min}`);
      }
      if (typeof f.max === 'string') {
        const max = f.max;
        s = s.refine((v) => v <= max, `must be on or before ${max}`);
      }
      return present(s);
    }
    case 'number': {
      let n = z.number('must be a number');
      if (typeof f.min === 'number') n = n.min(f.min, `must be at least ${f.min}`);
      if (typeof f.max === 'number') n = n.max(f.max, `must be at most ${f.max}`);
      return present(
        z
          .string()
          .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
          .transform(Number)
          .pipe(n),
      );
    }
    case 'select': {
      const values = (f.options ?? []).map((o) => o.value);
      return present(z.string().refine((v) => values.includes(v), 'must be one of the listed options'));
    }
    case 'checkbox':
      return z
        .string()
        .optional()
        .transform((v) => (v === 'on' || v === 'true' ? true : undefined));
  }
}

function withPattern<T extends z.ZodType<string, string>>(s: T, f: FormField): z.ZodType<string, string> {
  if (!f.pattern) return s;
  const re = new RegExp(`^(?:${f.pattern})$`, 'u');
  return s.refine((v) => re.test(v), f.patternHint ? `must match: ${f.patternHint}` : 'has the wrong format');
}

/**
 * Validates submitted values against a template's fields (server side; the HTML page's own `required`
 * / `pattern` attributes are only a convenience). Values come as strings (an HTML form); unknown keys are
 * ignored; an empty value counts as absent.
 * @returns the typed values of the given fields, or the problems, one per field, in field order
 */
export function validateFormValues(
  fields: readonly FormField[],
  raw: Record<string, unknown>,
): { ok: true; values: FormValues } | { ok: false; errors: FieldError[] } {
  const values: FormValues = {};
  const errors: FieldError[] = [];
  for (const f of fields) {
    const input = raw[f.name];
    const given = Array.isArray(input) ? input[input.length - 1] : input;
    const r = valueSchema(f).safeParse(
      given === undefined || given === null ? (f.type === 'checkbox' ? undefined : '') : String(given),
    );
    if (!r.success) {
      errors.push({ field: f.name, message: r.error.issues[0]?.message ?? 'is invalid' });
    } else if (r.data === undefined) {
      if (f.required)
        errors.push({ field: f.name, message: f.type === 'checkbox' ? 'must be checked' : 'is required' });
    } else {
      values[f.name] = r.data;
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, values };
}

/**
 * Checks a link request's `prefilled_data` against the template: every key must be a non-sensitive field
 * of it (sensitive values must never pass through the bot) and its value must be valid for that field.
 * `required` is not enforced (the customer fills in the rest).
 * @returns the normalized values, or the problems with `field` = `prefilled_data.<name>`
 */
export function validatePrefilled(
  fields: readonly FormField[],
  data: Record<string, string | number | boolean>,
): { ok: true; values: FormValues } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const key of Object.keys(data)) {
    const f = byName.get(key);
    if (!f) errors.push({ field: `prefilled_data.${key}`, message: 'is not a field of the template' });
    else if (f.sensitive)
      errors.push({
        field: `prefilled_data.${key}`,
        message: 'is a sensitive field: the customer enters it on the form, it cannot be prefilled',
      });
  }
  const known = fields.filter((f) => !f.sensitive && f.name in data).map((f) => ({ ...f, required: false }));
  const checked = validateFormValues(known, data);
  if (!checked.ok)
    errors.push(...checked.errors.map((e) => ({ field: `prefilled_data.${e.field}`, message: e.message })));
  return errors.length ? { ok: false, errors } : { ok: true, values: checked.ok ? checked.values : {} };
}
