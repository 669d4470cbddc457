import {
  OutboundHttp,
  OutboundRedirectRefusedError,
  OutboundUrlPolicy,
  OutboundUrlRefusedError,
  redactVendorText,
} from '@hub/integrations';
import { TargetError, type TestConnectionReport, type TestConnectionStep } from '../core/target';

/**
 * A failed vendor REST call: a {@link TargetError} with the HTTP status (undefined when no answer came). Kinds:
 * 429 → `throttled`; 5xx, 408, network errors, timeouts, refused redirects → `unavailable`; 401/403 → `auth`;
 * other 4xx → `invalid` (`vendorCode` = the vendor's error code); a URL the outbound policy refuses → `invalid`
 * naming the config field of the host.
 */
export class VendorCallError extends TargetError {
  constructor(
    kind: TargetError['kind'],
    message: string,
    readonly status: number | undefined,
    field?: string,
    vendorCode?: string,
  ) {
    super(kind, message, field, vendorCode);
    this.name = 'VendorCallError';
  }
}

/** One vendor request. */
export interface VendorRequest {
  method: string;
  headers: Record<string, string>;
  /** Request body text (JSON or form). */
  body?: string;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** Names the vendor in messages, e.g. `Genesys api`. */
  label: string;
  /** Config field of the host (`config.baseUrl`, `config.region`), for refused or unreachable URLs. */
  hostField: string;
  /** Secret values to redact from vendor text. */
  secrets: readonly string[];
  /** Reads the vendor's error code from its JSON error body. */
  errorCode?: (body: unknown) => string | undefined;
}

/**
 * Sends one request through `OutboundHttp` (SSRF policy, pinned addresses, no redirects) and reads the whole body.
 * @returns status and parsed JSON body (undefined when empty or not JSON) of a 2xx answer
 * @throws VendorCallError
 */
export async function vendorRequest(
  http: OutboundHttp,
  url: string,
  req: VendorRequest,
): Promise<{ status: number; json: unknown }> {
  let res;
  try {
    res = await http.request(url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (e) {
    if (e instanceof OutboundUrlRefusedError) {
      throw new VendorCallError(
        'invalid',
        `URL refused by the outbound policy: ${e.message}`,
        undefined,
        req.hostField,
      );
    }
    if (e instanceof OutboundRedirectRefusedError)
      throw new VendorCallError('unavailable', e.message, e.status, req.hostField);
    const code = (e as { code?: string }).code;
    throw new VendorCallError(
      'unavailable',
      `${req.label} host unreachable (${code ?? (e as Error).name})`,
      undefined,
      req.hostField,
    );
  }
  const text = await res.text();
  const json = parseJson(text);
  if (res.ok) return { status: res.status, json };
  const message = (json as { message?: unknown } | undefined)?.message;
  const detail = redactVendorText(typeof message === 'string' ? message : text, { secrets: req.secrets });
  const kind: TargetError['kind'] =
    res.status === 429
      ? 'throttled'
      : res.status >= 500 || res.status === 408
        ? 'unavailable'
        : res.status === 401 || res.status === 403
          ? 'auth'
          : 'invalid';
  throw new VendorCallError(
    kind,
    `${req.label} ${req.method} ${new URL(url).pathname} → ${res.status}${detail ? `: ${detail}` : ''}`,
    res.status,
    undefined,
    req.errorCode?.(json),
  );
}

/**
 * The strictest outbound policy (https only, public addresses only, any host): what a vendor adapter uses when the
 * hosting service does not hand it its own `OUTBOUND_*` policy.
 */
export function strictOutboundHttp(): OutboundHttp {
  return new OutboundHttp(
    new OutboundUrlPolicy({ allowHttp: false, allowPrivateNetworks: false, allowedHostSuffixes: [] }),
  );
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Collects the steps of a Test Connection run (`POST /v1/integrations/{id}/test`); stops at the first failure. */
export class ConnectionTest {
  readonly steps: TestConnectionStep[] = [];

  /** Records passed steps, in order. */
  pass(step: string, detail?: string): void {
    this.steps.push({ step, ok: true, ...(detail ? { detail } : {}) });
  }

  /** Records the failing step. @returns the final report (not ok, `failedStep` = `step`) */
  fail(step: string, detail: string): TestConnectionReport {
    this.steps.push({ step, ok: false, detail });
    return { ok: false, steps: this.steps, failedStep: step };
  }

  /** The report when every step passed. */
  done(): TestConnectionReport {
    return { ok: true, steps: this.steps };
  }
}

/** An error's message (redacted already when it is a {@link VendorCallError}). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Downloads a customer file through `http` (the outbound policy vets `url` and every address it resolves to;
 * redirects refused), reading at most `maxBytes`.
 * @returns the bytes
 * @throws VendorCallError `invalid` naming `file.url` (refused by the policy, not 2xx, larger than `maxBytes`),
 *         `unavailable` (unreachable, timeout)
 */
export async function fetchCustomerFile(
  http: OutboundHttp,
  url: string,
  maxBytes: number,
  timeoutMs = 30_000,
): Promise<Buffer> {
  let res;
  try {
    res = await http.request(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    if (e instanceof OutboundUrlRefusedError || e instanceof OutboundRedirectRefusedError) {
      throw new VendorCallError('invalid', `file URL refused: ${e.message}`, undefined, 'file.url');
    }
    throw new VendorCallError(
      'unavailable',
      `file URL unreachable (${(e as Error).name})`,
      undefined,
      'file.url',
    );
  }
  if (!res.ok) {
    res.discard();
    throw new VendorCallError('invalid', `file URL answered ${res.status}`, res.status, 'file.url');
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += c.length;
    if (n > maxBytes)
      throw new VendorCallError('invalid', `file larger than ${maxBytes} bytes`, undefined, 'file.url');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
