import { timingSafeEqual, createHash } from 'node:crypto';
import { httpbis, createVerifier, type Request as SignedMessage } from 'http-message-signatures';
import { isInnerList, parseDictionary, serializeDictionary, type InnerList } from 'structured-headers';

/** Header fields as Node gives them (lower-case names). */
export type HeaderFields = Record<string, string | string[] | undefined>;

/** A request as seen by the verifier. */
export interface SignedRequest {
  method: string;
  /** The request target exactly as received (`/path?query`), for `@request-target`. */
  target: string;
  /** The `Host` header value, for `@authority` (lower-cased here, per RFC 9421 §2.2.3). */
  authority: string;
  headers: HeaderFields;
}

/** Why a signature was refused. */
export type SignatureFailure =
  | 'unsigned'
  | 'malformed'
  | 'missing_label'
  | 'missing_component'
  | 'missing_parameter'
  | 'unsupported_algorithm'
  | 'keyid_mismatch'
  | 'nonce_too_short'
  | 'created_in_future'
  | 'expired'
  | 'mismatch';

export type SignatureVerdict =
  | { ok: true; nonce?: string; createdSec?: number; expiresSec?: number }
  | { ok: false; reason: SignatureFailure; detail: string };

/** Options of {@link verifyHmacSignature}. */
export interface HmacVerifyOptions {
  /** Signature label to verify, e.g. `sig1`. */
  label: string;
  /** HMAC key (raw bytes). */
  key: Buffer;
  /** Expected `keyid` parameter (compared in constant time), if it must be present. */
  keyid?: string;
  /** Component identifiers that must be covered (e.g. `@authority`, `x-api-key`). */
  requiredComponents?: string[];
  /** Signature parameters that must be present (e.g. `nonce`, `expires`). */
  requiredParams?: string[];
  /** Current time, seconds since the epoch. */
  nowSec: number;
  /** Oldest accepted `created`, seconds before now (unset: no limit). */
  maxAgeSec?: number;
  /** Allowed clock difference, seconds. */
  clockSkewSec: number;
  /** Shortest accepted `nonce`, characters. */
  minNonceLength?: number;
}

const fail = (reason: SignatureFailure, detail: string): SignatureVerdict => ({ ok: false, reason, detail });

/** Constant-time string equality (compares SHA-256 digests so lengths do not leak). */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

function headerValue(headers: HeaderFields, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Verifies one HTTP message signature made with `hmac-sha256` (RFC 9421, "HTTP Message
 * Signatures"). Structured fields are parsed with `structured-headers` (RFC 8941/9651); the
 * signature base (RFC 9421 §2.5) is built and the HMAC compared in constant time by
 * `http-message-signatures`. `@request-target` and `@authority` are taken from the raw request
 * line and `Host` header (not a re-serialized URL).
 *
 * Checks, in order: both headers present and parseable; the label exists; required parameters
 * and covered components; `alg` (if given) is `hmac-sha256`; `keyid`; nonce length; `created`
 * not in the future and not older than `maxAgeSec`; `expires` not passed (all with
 * `clockSkewSec`); then the signature itself.
 *
 * @returns a verdict; never throws for bad input
 */
export async function verifyHmacSignature(
  req: SignedRequest,
  opts: HmacVerifyOptions,
): Promise<SignatureVerdict> {
  const inputHeader = headerValue(req.headers, 'signature-input');
  const sigHeader = headerValue(req.headers, 'signature');
  if (!inputHeader && !sigHeader) return fail('unsigned', 'no Signature / Signature-Input header');
  if (!inputHeader || !sigHeader)
    return fail('malformed', 'Signature and Signature-Input must both be present');

  let inputs: ReturnType<typeof parseDictionary>;
  let sigs: ReturnType<typeof parseDictionary>;
  try {
    inputs = parseDictionary(inputHeader);
    sigs = parseDictionary(sigHeader);
  } catch (e) {
    return fail('malformed', `unparseable signature header: ${(e as Error).message}`);
  }
  const input = inputs.get(opts.label);
  const sig = sigs.get(opts.label);
  if (!input || !sig) return fail('missing_label', `no signature labelled ${opts.label}`);
  if (!isInnerList(input)) return fail('malformed', 'Signature-Input member is not an inner list');
  if (!(sig[0] instanceof ArrayBuffer)) return fail('malformed', 'Signature member is not a byte sequence');

  const [items, params] = input as InnerList;
  const covered = new Set(items.map((item) => String(item[0])));
  for (const c of opts.requiredComponents ?? []) {
    if (!covered.has(c)) return fail('missing_component', `component "${c}" is not signed`);
  }
  for (const p of opts.requiredParams ?? []) {
    if (!params.has(p)) return fail('missing_parameter', `signature parameter "${p}" is missing`);
  }
  const alg = params.get('alg');
  if (alg !== undefined && alg !== 'hmac-sha256') return fail('unsupported_algorithm', `alg ${String(alg)}`);
  const keyid = params.get('keyid');
  if (opts.keyid !== undefined && (typeof keyid !== 'string' || !constantTimeEqual(keyid, opts.keyid))) {
    return fail('keyid_mismatch', 'keyid does not match the API key');
  }
  const nonce = params.get('nonce');
  if (nonce !== undefined && typeof nonce !== 'string') return fail('malformed', 'nonce must be a string');
  if (opts.minNonceLength && (nonce ?? '').length < opts.minNonceLength) {
    return fail('nonce_too_short', `nonce shorter than ${opts.minNonceLength} characters`);
  }
  const created = params.get('created');
  const expires = params.get('expires');
  if (created !== undefined && typeof created !== 'number')
    return fail('malformed', 'created must be an integer');
  if (expires !== undefined && typeof expires !== 'number')
    return fail('malformed', 'expires must be an integer');
  const skew = opts.clockSkewSec;
  if (created !== undefined && created > opts.nowSec + skew)
    return fail('created_in_future', `created ${created}`);
  if (
    created !== undefined &&
    opts.maxAgeSec !== undefined &&
    opts.nowSec - created > opts.maxAgeSec + skew
  ) {
    return fail('expired', `signature created ${opts.nowSec - created} s ago`);
  }
  if (expires !== undefined && opts.nowSec > expires + skew) return fail('expired', `expired at ${expires}`);

  // Only the selected label goes to the library (it would otherwise try every signature).
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = v;
  headers['signature-input'] = serializeDictionary(new Map([[opts.label, input]]));
  headers['signature'] = serializeDictionary(new Map([[opts.label, sig]]));
  const message: SignedMessage = { method: req.method, url: `http://${req.authority}${req.target}`, headers };
  const verifier = createVerifier(opts.key, 'hmac-sha256');
  try {
    const ok = await httpbis.verifyMessage(
      {
        keyLookup: async () => ({
          id: typeof keyid === 'string' ? keyid : undefined,
          algs: ['hmac-sha256'],
          verify: verifier,
        }),
        tolerance: skew,
        componentParser: (name) => {
          if (name === '@request-target') return [req.target];
          if (name === '@authority') return [req.authority.trim().toLowerCase()];
          return null;
        },
      },
      message,
    );
    if (ok !== true) return fail('mismatch', 'signature does not match');
  } catch (e) {
    return fail('mismatch', `signature base could not be verified: ${(e as Error).message}`);
  }
  return {
    ok: true,
    nonce: typeof nonce === 'string' ? nonce : undefined,
    createdSec: created,
    expiresSec: expires,
  };
}

/** Components every AudioHook signature must cover (Genesys AudioHook "Authentication"). */
export const AUDIOHOOK_SIGNED_COMPONENTS = [
  '@request-target',
  '@authority',
  'audiohook-organization-id',
  'audiohook-session-id',
  'audiohook-correlation-id',
  'x-api-key',
];

/** Signature parameters every AudioHook signature must carry. */
export const AUDIOHOOK_SIGNATURE_PARAMS = ['keyid', 'nonce', 'alg', 'created', 'expires'];
