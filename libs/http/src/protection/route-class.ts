import type { Request } from 'express';

/** Rate-limit / admission class of a route: `intake` (bot flows' hot path) or `admin` (everything else). */
export type RouteClass = 'intake' | 'admin';

/** A compiled `"METHOD /path/:param"` pattern. */
interface RoutePattern {
  method: string;
  regex: RegExp;
}

/**
 * Matches requests against route patterns such as `POST /v1/handoffs` or
 * `POST /v1/knowledge-bases/:id/documents` (`:name` = one path segment; method `*` = any).
 * @throws Error when a pattern is not `METHOD /path`
 */
export class RouteMatcher {
  private readonly patterns: RoutePattern[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map((p) => {
      const m = /^([A-Z]+|\*)\s+(\/\S*)$/.exec(p.trim());
      if (!m) throw new Error(`route pattern must be "METHOD /path": ${p}`);
      const body = m[2]
        .replace(/\/$/, '')
        .split('/')
        .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      return { method: m[1], regex: new RegExp(`^${body}/?$`) };
    });
  }

  /** True when `method` + `path` (no query string) matches a pattern. */
  matches(method: string, path: string): boolean {
    return this.patterns.some((p) => (p.method === '*' || p.method === method) && p.regex.test(path));
  }
}

/** Paths never rate limited or shed: probes, metrics and API docs. */
export function isOperationalPath(path: string): boolean {
  return /^\/(healthz|readyz|metrics)\/?$/.test(path) || /^\/docs(-json)?(\/|$)/.test(path);
}

/** Who is calling, as the rate limiter keys it. */
export interface Caller {
  /** `cred:<credentialId>` when authenticated (`agent:<tenant>/<agentId>` for an agent token), else `ip:<client address>`. */
  credentialKey: string;
  /** The tenant (authenticated principal's, else the `X-Tenant-Id` header), or null for none. */
  tenantId: string | null;
}

/** The authenticated caller the auth guard sets on the request (`req.principal`). */
interface PrincipalLike {
  tenantId?: string | null;
  credentialId?: string;
  /** agent-gateway's agent principal (agent JWT) has an agent id instead of a credential id. */
  agentId?: string;
}

/**
 * The caller of a request: `req.principal` (set by the authentication guard) when present, else the
 * `X-Tenant-Id` header and the client IP (`req.ip`; honours express `trust proxy` when configured).
 */
export function callerOf(req: Request): Caller {
  const principal = (req as Request & { principal?: PrincipalLike }).principal;
  if (principal && typeof principal.credentialId === 'string') {
    return { credentialKey: `cred:${principal.credentialId}`, tenantId: principal.tenantId ?? null };
  }
  if (principal && typeof principal.agentId === 'string') {
    return {
      credentialKey: `agent:${principal.tenantId}/${principal.agentId}`,
      tenantId: principal.tenantId ?? null,
    };
  }
  const header = req.headers['x-tenant-id'];
  const tenant = typeof header === 'string' && /^[a-zA-Z0-9_-]{1,64}$/.test(header) ? header : null;
  return { credentialKey: `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`, tenantId: tenant };
}
