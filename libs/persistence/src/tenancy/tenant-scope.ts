import type { PrismaClient } from '../generated/prisma/client';

type AnyArgs = Record<string, unknown> & {
  where?: Record<string, unknown>;
  data?: unknown;
  create?: unknown;
};

const WHERE_OPS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'delete',
  'deleteMany',
  'upsert',
]);

/** Thrown when code tries to write a row of another tenant through a tenant-scoped client. */
export class CrossTenantError extends Error {
  constructor(expected: string, got: unknown) {
    super(`cross-tenant access refused: scoped to ${expected}, got ${String(got)}`);
    this.name = 'CrossTenantError';
  }
}

/** Names of models with a `tenantId` field, read from the client's runtime data model. */
function tenantModels(prisma: PrismaClient): Set<string> {
  const dm = (
    prisma as unknown as { _runtimeDataModel: { models: Record<string, { fields: { name: string }[] }> } }
  )._runtimeDataModel;
  return new Set(
    Object.entries(dm.models)
      .filter(([, m]) => m.fields.some((f) => f.name === 'tenantId'))
      .map(([name]) => name),
  );
}

function stamp(data: unknown, tenantId: string): unknown {
  if (Array.isArray(data)) return data.map((d) => stamp(d, tenantId));
  if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    if (d.tenantId !== undefined && d.tenantId !== tenantId) throw new CrossTenantError(tenantId, d.tenantId);
    return { ...d, tenantId };
  }
  return data;
}

/** Scoped clients already built, per root client and tenant (building the extension costs more than a query). */
const cache = new WeakMap<PrismaClient, Map<string, ReturnType<typeof buildTenantClient>>>();
/** Bound on cached tenants per root client (least recently built are dropped first). */
const MAX_CACHED_TENANTS = 1000;

/**
 * Returns a Prisma client bound to one tenant: every query on a model with `tenantId` gets
 * `where.tenantId = tenantId` added, and every create is stamped with it (a different tenantId in
 * the data throws {@link CrossTenantError}). Cross-tenant reads are impossible through it by
 * construction. Nested relation reads follow foreign keys of rows already scoped.
 * The client is built once per (root client, tenant) and reused (up to 1,000 tenants per root client).
 */
export function forTenant(prisma: PrismaClient, tenantId: string): ReturnType<typeof buildTenantClient> {
  let perTenant = cache.get(prisma);
  if (!perTenant) {
    perTenant = new Map();
    cache.set(prisma, perTenant);
  }
  let client = perTenant.get(tenantId);
  if (!client) {
    client = buildTenantClient(prisma, tenantId);
    if (perTenant.size >= MAX_CACHED_TENANTS) perTenant.delete(perTenant.keys().next().value as string);
    perTenant.set(tenantId, client);
  }
  return client;
}

function buildTenantClient(prisma: PrismaClient, tenantId: string) {
  const scoped = tenantModels(prisma);
  return prisma.$extends({
    name: `tenant:${tenantId}`,
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          if (!scoped.has(model)) return query(args);
          const a = { ...(args as AnyArgs) };
          if (WHERE_OPS.has(operation)) {
            const w = a.where ?? {};
            if (w.tenantId !== undefined && w.tenantId !== tenantId)
              throw new CrossTenantError(tenantId, w.tenantId);
            a.where = { ...w, tenantId };
          }
          if (operation === 'create' || operation === 'createMany' || operation === 'createManyAndReturn') {
            a.data = stamp(a.data, tenantId);
          }
          if (operation === 'upsert') a.create = stamp(a.create, tenantId);
          return query(a as typeof args);
        },
      },
    },
  });
}

/** The type of a tenant-scoped client. */
export type TenantClient = ReturnType<typeof forTenant>;
