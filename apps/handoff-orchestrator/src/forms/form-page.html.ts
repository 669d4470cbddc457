import { createHash } from 'node:crypto';
import type { FieldError, FormField, FormTemplate } from './form.schemas';

/** HTML-escapes text for element content and double-quoted attribute values. */
export function esc(v: unknown): string {
  return String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The page's only style sheet (inline, allowed by its hash in the CSP; no script at all). */
const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
main{max-width:36rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;border:1px solid #d0d5dd}
h1{font-size:1.5rem;margin:0 0 .5rem}
.field{margin:1.25rem 0}
label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{margin:.1rem 0 .35rem;color:#475467;font-size:.9rem}
.error{margin:.1rem 0 .35rem;color:#b42318;font-weight:600}
input,select,textarea{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #667085;border-radius:4px}
input[type=checkbox]{width:auto}
label.inline{display:inline}
[aria-invalid=true]{border:2px solid #b42318}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
button{font:inherit;font-weight:600;padding:.6rem 1.5rem;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
.summary{border:2px solid #b42318;padding:.75rem 1rem;border-radius:4px;margin-bottom:1rem}
.summary h2{font-size:1.1rem;margin:0 0 .25rem}
a{color:#1d4ed8}
`;

const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/**
 * Content-Security-Policy of every form page: nothing may load or run (`default-src 'none'`, no script),
 * the one inline style sheet by its hash, the form posts only back to this origin, no framing (clickjacking),
 * no `<base>`.
 */
export const FORM_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers of every form page (the token is in the path: no referrer, no caching, no indexing). */
export const FORM_PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': FORM_PAGE_CSP,
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-robots-tag': 'noindex, nofollow',
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const INPUT_TYPES: Record<string, string> = {
  text: 'text',
  email: 'email',
  phone: 'tel',
  date: 'date',
  number: 'number',
};

function fieldHtml(f: FormField, value: string | undefined, error: string | undefined): string {
  const id = `f-${f.name}`;
  const described = [f.help ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  const common =
    `id="${id}" name="${esc(f.name)}"` +
    (f.required ? ' required aria-required="true"' : '') +
    (described ? ` aria-describedby="${described}"` : '') +
    (error ? ' aria-invalid="true"' : '') +
    (f.autocomplete ? ` autocomplete="${esc(f.autocomplete)}"` : f.sensitive ? ' autocomplete="off"' : '');
  const hint = f.help ? `<p class="hint" id="${id}-hint">${esc(f.help)}</p>` : '';
  const err = error ? `<p class="error" id="${id}-error">Error: ${esc(error)}</p>` : '';
  const label = `${esc(f.label)}${f.required ? ' <span aria-hidden="true">*</span>' : ' (optional)'}`;
  if (f.type === 'checkbox') {
    return `<div class="field">${hint}${err}<input type="checkbox" ${common}${value ? ' checked' : ''}> <label class="inline" for="${id}">${label}</label></div>`;
  }
  let control: string;
  if (f.type === 'textarea') {
    const attrs =
      (f.maxLength ? ` maxlength="${f.maxLength}"` : '') + (f.minLength ? ` minlength="${f.minLength}"` : '');
    control = `<textarea ${common} rows="4"${attrs}>${esc(value ?? '')}</textarea>`;
  } else if (f.type === 'select') {
    const opts = (f.options ?? [])
      .map(
        (o) =>
          `<option value="${esc(o.value)}"${o.value === value ? ' selected' : ''}>${esc(o.label)}</option>`,
      )
      .join('');
    control = `<select ${common}><option value="">Choose…</option>${opts}</select>`;
  } else {
    const type = INPUT_TYPES[f.type] ?? 'text';
    const attrs =
      (f.maxLength ? ` maxlength="${f.maxLength}"` : '') +
      (f.minLength ? ` minlength="${f.minLength}"` : '') +
      (f.pattern && f.type === 'text' ? ` pattern="${esc(f.pattern)}"` : '') +
      (f.min !== undefined ? ` min="${esc(f.min)}"` : '') +
      (f.max !== undefined ? ` max="${esc(f.max)}"` : '') +
      (f.type === 'number' ? ' step="any" inputmode="decimal"' : '');
    control = `<input type="${type}" ${common}${attrs} value="${esc(value ?? '')}">`;
  }
  return `<div class="field"><label for="${id}">${label}</label>${hint}${err}${control}</div>`;
}

/**
 * The form page: one labelled control per field (`<label for>`), hint and error tied to it with
 * `aria-describedby`, `aria-invalid` on invalid fields, an error summary (`role="alert"`) linking to each
 * invalid field, native controls only (keyboard operable, no script). Sensitive fields are never
 * filled from `values`.
 * @param action the form's own URL (`/forms/{token}`)
 */
export function renderFormPage(
  template: FormTemplate,
  action: string,
  values: Record<string, unknown>,
  errors: readonly FieldError[] = [],
): string {
  const byField = new Map(errors.map((e) => [e.field, e.message]));
  const summary = errors.length
    ? `<div class="summary" role="alert" aria-labelledby="summary-title"><h2 id="summary-title">Please correct ${
        errors.length === 1 ? 'this field' : `these ${errors.length} fields`
      }</h2><ul>${errors
        .map((e) => {
          const f = template.fields.find((x) => x.name === e.field);
          return `<li><a id="summary-${esc(e.field)}" href="#f-${esc(e.field)}">${esc(f?.label ?? e.field)}: ${esc(e.message)}</a></li>`;
        })
        .join('')}</ul></div>`
    : '';
  const fields = template.fields
    .map((f) => {
      const v = f.sensitive ? undefined : values[f.name];
      return fieldHtml(f, v === undefined || v === null ? undefined : String(v), byField.get(f.name));
    })
    .join('\n');
  return page(
    (errors.length ? 'Error: ' : '') + template.title,
    `<h1>${esc(template.title)}</h1>
${template.description ? `<p>${esc(template.description)}</p>` : ''}
${summary}
<p class="hint">Fields marked * are required.</p>
<form method="post" action="${esc(action)}" novalidate>
${fields}
<button type="submit" id="form-send">Send</button>
</form>`,
  );
}

/** The page after a successful submit (with a link back to the chat when the link has a return URL). */
export function renderSuccessPage(template: FormTemplate, returnUrl: string | null): string {
  return page(
    `Sent: ${template.title}`,
    `<h1 id="done">Thank you — your form was sent</h1>
<p role="status">We received your ${esc(template.title)}. You can close this page${returnUrl ? ' or go back to the conversation' : ''}.</p>
${returnUrl ? `<p><a href="${esc(returnUrl)}">Back to the conversation</a></p>` : ''}`,
  );
}

/** The page of an unusable link (expired, used, invalid, unknown). */
export function renderProblemPage(title: string, message: string): string {
  return page(title, `<h1>${esc(title)}</h1>\n<p role="alert">${esc(message)}</p>`);
}
