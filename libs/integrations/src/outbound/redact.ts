/** Options of {@link redactVendorText}. */
export interface RedactOptions {
  /** Known secret values (API keys, tokens) to remove wherever they appear, also URL- or base64-encoded. */
  secrets?: readonly (string | undefined | null)[];
  /** Longest result, characters (default 200); longer text is cut and ends with `…`. */
  maxLength?: number;
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]+/g;

const PATTERNS: readonly [RegExp, string][] = [
  // Authorization header values and "Bearer <token>" anywhere
  [/\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  // JSON Web Tokens (header.payload.signature)
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
  // Provider key formats: OpenAI sk-…, Standard Webhooks whsec_…, GitHub/Slack/Google/AWS styles
  [/\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}/g, '[redacted-key]'],
  [/\bwhsec_[A-Za-z0-9+/=]{8,}/g, '[redacted-key]'],
  [
    /\b(gh[pousr]_[A-Za-z0-9]{16,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{20,}|AKIA[0-9A-Z]{16})\b/g,
    '[redacted-key]',
  ],
  // key=value / "key": "value" pairs whose name says secret
  [
    /((?:api[_-]?key|apikey|secret|password|passwd|token|access[_-]?token|client[_-]?secret|authorization)["']?\s*[:=]\s*["']?)[^"'\s,&}]{4,}/gi,
    '$1[redacted]',
  ],
  // e-mail addresses
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[redacted-email]'],
  // long opaque strings (hex ≥ 32, base64/base64url ≥ 40): keys, hashes, signatures
  [/\b[0-9a-fA-F]{32,}\b/g, '[redacted]'],
  [/[A-Za-z0-9+/_-]{40,}={0,2}/g, '[redacted]'],
];

/**
 * Makes a vendor's error text safe for a log line, a stored error or a suggestion: removes the known
 * `secrets` (verbatim, URL-encoded and base64), bearer/basic tokens, JWTs, well-known key formats,
 * `apiKey=…`-style pairs, e-mail addresses and long opaque strings; collapses control characters and
 * whitespace; truncates to `maxLength` characters.
 * @param text any text (e.g. an HTTP error body); null/undefined give ''
 */
export function redactVendorText(text: string | null | undefined, opts: RedactOptions = {}): string {
  let s = String(text ?? '');
  const secrets = (opts.secrets ?? []).filter((x): x is string => typeof x === 'string' && x.length >= 4);
  for (const secret of secrets.sort((a, b) => b.length - a.length)) {
    for (const form of new Set([
      secret,
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
    ])) {
      s = s.split(form).join('[redacted]');
    }
  }
  for (const [re, by] of PATTERNS) s = s.replace(re, by);
  s = s.replace(CONTROL_CHARS, ' ').replace(/\s+/g, ' ').trim();
  const max = opts.maxLength ?? 200;
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}
