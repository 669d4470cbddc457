import { SignJWT } from 'jose';
import type { HandoffRequestInput } from '@hub/contracts';
import type { HubEnv } from './hub-env';

/** An HTTP error from a hub service, with its status and body. */
export class HubHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body).slice(0, 300)}`);
  }
}

/**
 * The credential the demo calls the REST APIs with: `HUB_PLATFORM_ADMIN_KEY` (from the run's env.sh) acting
 * on the tenant named by `X-Tenant-Id` (docs/security.md). Bot platforms use the tenant API key that
 * {@link createDemoApiKey} prints instead.
 */
function demoCredential(tenantId: string): Record<string, string> {
  const key = process.env['HUB_PLATFORM_ADMIN_KEY'];
  if (!key)
    throw new Error(
      'HUB_PLATFORM_ADMIN_KEY is not set (source var/<run>/env.sh, written by tools/demo/write-env.sh)',
    );
  return { authorization: `Bearer ${key}`, 'x-tenant-id': tenantId };
}

/** JSON over HTTP as the run's platform admin acting on `tenantId` (router admin API, orchestrator REST). */
export async function tenantJson<T>(
  base: string,
  method: string,
  path: string,
  tenantId: string,
  body?: unknown,
  okStatuses: number[] = [200, 201, 202],
): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...demoCredential(tenantId) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as T) : (null as T);
  if (!okStatuses.includes(res.status)) throw new HubHttpError(res.status, parsed, `${method} ${path}`);
  return { status: res.status, body: parsed };
}

/** Mints an HS256 agent token (claims `tid`, `sub`, `name`, `exp`) like `npm run token:agent`. */
export function mintToken(
  secret: string,
  tenantId: string,
  agentId: string,
  name?: string,
  ttl = '12h',
): Promise<string> {
  return new SignJWT({ tid: tenantId, ...(name ? { name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(agentId)
    .setIssuer('engagement-hub')
    .setAudience('agent-gateway')
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(secret));
}

/**
 * Creates a tenant API key with every tenant scope (`POST /v1/api-keys` on the router) — what an operator
 * hands a bot platform. The key is shown once.
 * @returns the key (`hub_live_…`) and its id
 */
export async function createDemoApiKey(
  env: HubEnv,
  tenantId: string,
  name: string,
): Promise<{ id: string; key: string }> {
  const scopes = [
    'handoffs:write',
    'handoffs:read',
    'routing:admin',
    'routing:read',
    'knowledge:write',
    'knowledge:read',
    'conversations:write',
    'integrations:admin',
    'reports:read',
  ];
  return (
    await tenantJson<{ id: string; key: string }>(env.ROUTER_URL, 'POST', '/v1/api-keys', tenantId, {
      name,
      scopes,
    })
  ).body;
}

/** Queue as returned by the router's admin API. */
export interface QueueRow {
  id: string;
  name: string;
}

/** A simulated or human agent to create. */
export interface AgentSpec {
  id: string;
  displayName: string;
  queues: string[];
  autoAccept?: boolean;
  capacityChat?: number;
}

/**
 * Idempotent tenant seed through the services' own APIs: tenant, queues, agents (router admin API)
 * and the internal Agent Desktop integration (orchestrator). Existing rows are reused.
 * @returns queue ids by name and the integration id
 */
export async function seedTenant(
  env: HubEnv,
  tenantId: string,
  opts: { name: string; queues: string[]; offerTimeoutSeconds: number; agents: AgentSpec[] },
): Promise<{ queues: Map<string, string>; integrationId: string }> {
  await tenantJson(
    env.ROUTER_URL,
    'POST',
    '/v1/tenants',
    tenantId,
    { id: tenantId, name: opts.name },
    [201, 409],
  );
  const existing = (await tenantJson<QueueRow[]>(env.ROUTER_URL, 'GET', '/v1/queues', tenantId)).body;
  const queues = new Map(existing.map((q) => [q.name, q.id] as const));
  for (const name of opts.queues) {
    if (queues.has(name)) continue;
    const q = await tenantJson<QueueRow>(env.ROUTER_URL, 'POST', '/v1/queues', tenantId, {
      name,
      offerTimeoutSeconds: opts.offerTimeoutSeconds,
    });
    queues.set(name, q.body.id);
  }
  for (const a of opts.agents) {
    const body = {
      displayName: a.displayName,
      queueIds: a.queues.map((n) => {
        const id = queues.get(n);
        if (!id) throw new Error(`unknown queue ${n}`);
        return id;
      }),
      capacity: { chat: a.capacityChat ?? 2, call: 0 },
      autoAccept: a.autoAccept ?? false,
    };
    const created = await tenantJson(
      env.ROUTER_URL,
      'POST',
      '/v1/agents',
      tenantId,
      { id: a.id, ...body },
      [201, 409],
    );
    if (created.status === 409)
      await tenantJson(env.ROUTER_URL, 'PATCH', `/v1/agents/${encodeURIComponent(a.id)}`, tenantId, body);
  }
  const integrations = (
    await tenantJson<{ id: string; name: string }[]>(
      env.ORCHESTRATOR_URL,
      'GET',
      '/v1/integrations?type=internal',
      tenantId,
    )
  ).body;
  const found = integrations.find((i) => i.name === 'Agent Desktop');
  const integrationId =
    found?.id ??
    (
      await tenantJson<{ id: string }>(env.ORCHESTRATOR_URL, 'POST', '/v1/integrations', tenantId, {
        type: 'internal',
        name: 'Agent Desktop',
      })
    ).body.id;
  return { queues, integrationId };
}

/**
 * `POST /v1/handoffs` (the bot flow's Handoff node).
 * @returns handoff id and the HTTP status (201 created, 200 same idempotency key)
 */
export async function requestHandoff(
  env: HubEnv,
  tenantId: string,
  body: HandoffRequestInput,
): Promise<{ id: string; status: number }> {
  const r = await tenantJson<{ id: string }>(
    env.ORCHESTRATOR_URL,
    'POST',
    '/v1/handoffs',
    tenantId,
    body,
    [200, 201],
  );
  return { id: r.body.id, status: r.status };
}
