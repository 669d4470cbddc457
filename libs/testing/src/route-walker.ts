import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import { API_KEY_SECURITY, OAUTH_SECURITY, documentedRoutes, operationOf, type RouteKey } from '@hub/http';
import { ALL_TENANT_SCOPES, authHeaders } from './auth';

/** What {@link walkGuardedRoutes} found wrong with one route (empty list = every route is guarded). */
export interface RouteWalkProblem {
  route: RouteKey;
  problem: string;
}

/** Options of {@link walkGuardedRoutes}. */
export interface RouteWalkOptions {
  /** Service base URL (`http://127.0.0.1:1234`). */
  baseUrl: string;
  /** The service's OpenAPI document (`/docs-json`). */
  doc: OpenAPIObject;
  /**
   * Path parameter values naming resources of `ownerTenant` (`{id: '…'}` or per route
   * `{'GET /v1/queues/{id}': {id: '…'}}`); missing parameters get a random UUID.
   */
  params?: Record<string, string | Record<string, string>>;
  /** Tenant that owns the resources in `params`. */
  ownerTenant?: string;
  /** Another tenant; with `params`, a call with its full-scope credential must answer 404. */
  otherTenant?: string;
  /**
   * Valid bodies per route for the cross-tenant call (default `{}`), so a write reaches the lookup: a JSON
   * value, or `{contentType, raw}` for other media types (`application/x-ndjson` uploads).
   */
  bodies?: Partial<Record<RouteKey, unknown>>;
  /** Routes whose `{param}` ids cannot be checked for another tenant (e.g. tenant creation, per-tenant singletons). */
  skipCrossTenant?: readonly RouteKey[];
}

const UUID = '00000000-0000-4000-8000-000000000000';

/** Hub security requirements of an operation: the scopes when it is guarded by the hub guard, else null. */
export function hubScopesOf(op: OperationObject): string[] | null {
  const reqs = (op.security ?? []) as Record<string, string[]>[];
  const hub = reqs.find((r) => API_KEY_SECURITY in r || OAUTH_SECURITY in r);
  if (!hub) return null;
  return hub[API_KEY_SECURITY] ?? hub[OAUTH_SECURITY] ?? [];
}

function urlOf(route: RouteKey, o: RouteWalkOptions): string {
  const [, path] = route.split(' ', 2);
  const own = o.params?.[route];
  return (
    o.baseUrl +
    path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const v = typeof own === 'object' ? own[name] : (o.params?.[name] as string | undefined);
      return encodeURIComponent(v ?? UUID);
    })
  );
}

const isRaw = (b: unknown): b is { contentType: string; raw: string } =>
  !!b && typeof b === 'object' && typeof (b as { raw?: unknown }).raw === 'string' && 'contentType' in b;

async function call(route: RouteKey, url: string, headers: Record<string, string>, body: unknown = {}) {
  const method = route.split(' ', 1)[0];
  const withBody = !['GET', 'HEAD', 'DELETE'].includes(method);
  const res = await fetch(url, {
    method,
    headers: {
      ...headers,
      ...(withBody ? { 'content-type': isRaw(body) ? body.contentType : 'application/json' } : {}),
    },
    body: withBody ? (isRaw(body) ? body.raw : JSON.stringify(body)) : undefined,
    redirect: 'manual',
  });
  await res.arrayBuffer();
  return res;
}

/**
 * Walks every operation of a service's OpenAPI document that the hub guard protects (security `apiKey` /
 * `oauth2`) and checks it over real HTTP: no credential → 401 with `WWW-Authenticate: Bearer`; a credential
 * with every tenant scope except the route's → 403; with `params` and `otherTenant`, another tenant's
 * full-scope credential on `ownerTenant`'s resource ids → 404 (or 403 for platform-only routes). Operations
 * without a hub requirement must be declared public or authenticated by their own scheme — listed via
 * `unguarded` so a spec can pin them.
 * @returns the problems found (empty = every route guarded) and the unguarded routes
 */
export async function walkGuardedRoutes(
  o: RouteWalkOptions,
): Promise<{ problems: RouteWalkProblem[]; guarded: RouteKey[]; unguarded: RouteKey[] }> {
  const problems: RouteWalkProblem[] = [];
  const guarded: RouteKey[] = [];
  const unguarded: RouteKey[] = [];
  const tenant = o.otherTenant ?? 'walker-tenant';
  for (const route of documentedRoutes(o.doc)) {
    const scopes = hubScopesOf(operationOf(o.doc, route));
    if (scopes === null) {
      unguarded.push(route);
      continue;
    }
    guarded.push(route);
    const url = urlOf(route, o);
    const anon = await call(route, url, {});
    if (anon.status !== 401 || !/^Bearer\b/.test(anon.headers.get('www-authenticate') ?? ''))
      problems.push({
        route,
        problem: `no credential → ${anon.status}, want 401 with WWW-Authenticate: Bearer`,
      });
    const others = ALL_TENANT_SCOPES.filter((s) => !scopes.includes(s));
    const wrong = await call(route, url, await authHeaders(tenant, others));
    if (wrong.status !== 403)
      problems.push({
        route,
        problem: `credential without ${scopes.join(', ')} → ${wrong.status}, want 403`,
      });
    const hasParams = route.includes('{');
    if (hasParams && o.params && o.ownerTenant && o.otherTenant && !o.skipCrossTenant?.includes(route)) {
      const cross = await call(route, url, await authHeaders(o.otherTenant), o.bodies?.[route]);
      const want = scopes.includes('platform:admin') ? 403 : 404;
      if (cross.status !== want)
        problems.push({
          route,
          problem: `${o.otherTenant}'s credential on ${o.ownerTenant}'s id → ${cross.status}, want ${want}`,
        });
    }
  }
  return { problems, guarded, unguarded };
}
