/**
 * The console's one API client: every page calls the services' documented REST APIs through the console
 * server's same-origin proxy (`/api/<service>/v1/…`, docs/console.md), with the signed-in credential as
 * `Authorization: Bearer …` (and `X-Tenant-Id` for a platform admin). Errors come back as
 * {@link ApiError}, whose `fieldErrors` map the problem+json `errors[]` (`{field, message}`, 400) and a
 * domain problem's single `field` (404/409/422) by field path, so forms show them next to the field.
 */

/** Services the console proxy knows (apps/admin-console/src/server/config.ts). */
export type Service = 'router' | 'orchestrator' | 'suggestion' | 'agent-gateway' | 'ops';

/** The signed-in caller: a tenant API key / OAuth access token, or a platform-admin key plus the tenant it acts on. */
export interface Credential {
  token: string;
  /** Sent as `X-Tenant-Id` (required by the services for a platform admin, checked against the key otherwise). */
  tenantId?: string;
}

/** One offending field of a 400 (`errors[]` of the hub's problem+json). */
export interface FieldError {
  field: string;
  message: string;
}

/** A non-2xx answer (or a network failure, `status` 0) with the problem+json body. */
export class ApiError extends Error {
  /** Field path (`config.instanceId`, `queueMappings.0.queueId`) → message. */
  readonly fieldErrors: Record<string, string>;
  constructor(
    readonly status: number,
    readonly problem: {
      title?: string;
      detail?: string;
      message?: string;
      errors?: FieldError[];
      field?: string;
    } | null,
    message: string,
  ) {
    super(message);
    // 400s list `errors[]`; domain problems (404/409/422) name one `field`
    const fields = [...(problem?.errors ?? [])];
    if (problem?.field && !fields.some((f) => f.field === problem.field)) {
      fields.push({ field: problem.field, message });
    }
    this.fieldErrors = Object.fromEntries(fields.map((e) => [e.field, e.message]));
  }
}

let current: Credential | null = null;
let onUnauthorized: (() => void) | null = null;

/** Sets (or clears) the credential every request carries; `unauthorized` runs on a 401 (sign out). */
export function useCredential(c: Credential | null, unauthorized?: () => void): void {
  current = c;
  onUnauthorized = unauthorized ?? null;
}

/** `Authorization` (and `X-Tenant-Id`) of the signed-in credential, for requests {@link request} cannot make (uploads). */
export function credentialHeaders(credential: Credential | null = current): Record<string, string> {
  if (!credential) return {};
  const h: Record<string, string> = { authorization: `Bearer ${credential.token}` };
  if (credential.tenantId) h['x-tenant-id'] = credential.tenantId;
  return h;
}

/**
 * Parses a non-2xx body as problem+json into an {@link ApiError}; a 401 also signs the user out unless
 * `signOut` is false (a sign-in check with a candidate credential).
 */
export function errorOf(status: number, text: string, signOut = true): ApiError {
  let problem: ApiError['problem'] = null;
  try {
    problem = text ? JSON.parse(text) : null;
  } catch {
    problem = { detail: text.slice(0, 300) };
  }
  if (status === 401 && signOut) onUnauthorized?.();
  return new ApiError(status, problem, messageOf(status, problem));
}

function messageOf(status: number, body: ApiError['problem']): string {
  if (!body) return `HTTP ${status}`;
  const m = body.detail ?? body.message ?? body.title;
  return typeof m === 'string' && m ? m : `HTTP ${status}`;
}

/** Options of {@link request}. */
export interface RequestOptions {
  /** JSON body (serialised), or a string sent with `contentType`. */
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** `text` for CSV downloads. */
  as?: 'json' | 'text';
  /** Credential for this call only (sign-in check). */
  credential?: Credential;
}

/**
 * Calls `method /api/<service><path>`.
 * @returns the parsed JSON (or text), `undefined` for 204
 * @throws ApiError on a non-2xx status (401 also signs the user out) or when the console is unreachable
 */
export async function request<T>(
  service: Service,
  method: string,
  path: string,
  { body, contentType, query, as = 'json', credential }: RequestOptions = {},
): Promise<T> {
  const cred = credential ?? current;
  const headers: Record<string, string> = {
    accept: as === 'text' ? 'text/csv, */*' : 'application/json',
    ...credentialHeaders(cred),
  };
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    headers['content-type'] = contentType ?? 'application/json';
  }
  const qs = query
    ? new URLSearchParams(
        Object.entries(query).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, String(v)]])),
      ).toString()
    : '';
  let res: Response;
  try {
    res = await fetch(`/api/${service}${path}${qs ? `?${qs}` : ''}`, { method, headers, body: payload });
  } catch (e) {
    throw new ApiError(0, null, `The console server is not reachable (${(e as Error).message})`);
  }
  const text = await res.text();
  if (!res.ok) throw errorOf(res.status, text, !credential);
  if (res.status === 204 || !text) return undefined as T;
  return (as === 'text' ? text : JSON.parse(text)) as T;
}

/** Shorthands for {@link request}. */
export const api = {
  get: <T>(s: Service, p: string, o?: RequestOptions) => request<T>(s, 'GET', p, o),
  post: <T>(s: Service, p: string, body?: unknown, o?: RequestOptions) =>
    request<T>(s, 'POST', p, { ...o, body }),
  put: <T>(s: Service, p: string, body?: unknown, o?: RequestOptions) =>
    request<T>(s, 'PUT', p, { ...o, body }),
  patch: <T>(s: Service, p: string, body?: unknown, o?: RequestOptions) =>
    request<T>(s, 'PATCH', p, { ...o, body }),
  del: <T>(s: Service, p: string, o?: RequestOptions) => request<T>(s, 'DELETE', p, o),
};

/**
 * Field errors for a form: the API's 400 `errors[]` (paths made relative to `prefix`, e.g. `config.`), or,
 * for an error without fields, `{ '(form)': message }` so the form shows it above its buttons.
 */
export function formErrors(e: unknown, prefix = ''): Record<string, string> {
  if (e instanceof ApiError && Object.keys(e.fieldErrors).length) {
    return Object.fromEntries(
      Object.entries(e.fieldErrors).map(([f, m]) => [
        prefix && f.startsWith(prefix) ? f.slice(prefix.length) : f,
        m,
      ]),
    );
  }
  return { '(form)': e instanceof Error ? e.message : String(e) };
}

/** zod-style issues (`{path, message}[]`) → the same field map as {@link formErrors} (client-side validation). */
export function issuesToErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const k = i.path.length ? i.path.map(String).join('.') : '(form)';
    out[k] ??= i.message;
  }
  return out;
}
