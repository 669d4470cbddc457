import { AsyncLocalStorage } from 'node:async_hooks';
import type { PrismaClient } from '../generated/prisma/client';
import type { PrismaTx } from '../prisma-client';

/**
 * PostgreSQL setting that carries the tenant of a transaction (`SET LOCAL hub.tenant_id = …` /
 * `set_config('hub.tenant_id', …, true)`); every row-level-security policy compares `tenant_id` with
 * `current_setting('hub.tenant_id', true)` (migration 20261202090000_tenant_rls, docs/security/tenancy.md).
 */
export const TENANT_SETTING = 'hub.tenant_id';

/**
 * The tenant of the interactive transaction of a {@link forTenant} client (`scoped.$transaction(async
 * (tx) => …)`) running in this async context: operations on its `tx` join that transaction.
 */
const inTenantTx = new AsyncLocalStorage<string>();

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
 * Returns a Prisma client bound to one tenant. The mechanism is PostgreSQL row-level security: every
 * operation (model queries and `$queryRaw`/`$executeRaw`/`…Unsafe`) runs in a batch transaction that
 * first sets {@link TENANT_SETTING} for the transaction (`set_config(…, true)`, Prisma's documented RLS
 * client-extension pattern), so the database returns and accepts only this tenant's rows. Inside
 * {@link tenantTransaction} operations join the surrounding transaction instead (its tenant is set).
 * As defense in depth (it costs an object spread) queries on a model with `tenantId` also get
 * `where.tenantId = tenantId` added and creates are stamped with it (so call sites may omit it); a
 * different tenantId in a where or in data throws {@link CrossTenantError}.
 * Cost: BEGIN, set_config, the query, COMMIT — use {@link tenantTransaction} to group several.
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
  /** Runs one operation with the tenant set: in the surrounding tenant transaction, or in its own. */
  const withTenant = async <T>(run: () => Promise<T>): Promise<T> => {
    const current = inTenantTx.getStore();
    if (current !== undefined) {
      if (current !== tenantId) throw new CrossTenantError(current, tenantId);
      return run();
    }
    const [, result] = await prisma.$transaction([
      prisma.$executeRaw`SELECT set_config('hub.tenant_id', ${tenantId}, true)`,
      run() as unknown as ReturnType<typeof prisma.$executeRaw>,
    ]);
    return result as T;
  };
  const extended = prisma.$extends({
    name: `tenant:${tenantId}`,
    query: {
      async $allOperations({ model, operation, args, query }) {
        if (!model || !scoped.has(model)) return withTenant(() => query(args));
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
        return withTenant(() => query(a as typeof args));
      },
    },
  });
  // `$transaction(async (tx) => …)` of the scoped client: sets the tenant first, then lets the
  // operations on `tx` run inside it (the batch form `$transaction([…])` sets it in each operation's
  // own transaction, which is not what a batch means, so it is refused).
  const $transaction = ((arg: unknown, opts?: unknown) => {
    if (typeof arg !== 'function') {
      throw new Error('forTenant(…).$transaction takes a function; batch transactions are not supported');
    }
    const fn = arg as (tx: unknown) => Promise<unknown>;
    return (extended.$transaction as (f: (tx: unknown) => Promise<unknown>, o?: unknown) => Promise<unknown>)(
      (tx) =>
        inTenantTx.run(tenantId, async () => {
          await (tx as PrismaTx).$executeRaw`SELECT set_config('hub.tenant_id', ${tenantId}, true)`;
          return fn(tx);
        }),
      opts,
    );
  }) as typeof extended.$transaction;
  return new Proxy(extended, {
    get: (target, prop, receiver) =>
      prop === '$transaction' ? $transaction : Reflect.get(target, prop, receiver),
  });
}

/**
 * Runs `fn` in one interactive Prisma transaction of `tenantId`: the first statement sets
 * {@link TENANT_SETTING} for the transaction, so row-level security limits every statement of `fn`
 * (`tx` model queries, raw SQL) to the tenant's rows. Use `tx` only: another client used inside `fn`
 * runs on another connection, outside this transaction. Commits when `fn` resolves, rolls back when it throws.
 * @param opts Prisma's interactive-transaction options (`timeout`, `maxWait` in ms, `isolationLevel`)
 * @returns fn's result
 * @throws fn's error
 */
export async function tenantTransaction<T>(
  prisma: PrismaClient,
  tenantId: string,
  fn: (tx: PrismaTx) => Promise<T>,
  opts?: Parameters<PrismaClient['$transaction']>[1],
): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT set_config('hub.tenant_id', ${tenantId}, true)`;
    return fn(tx);
  }, opts);
}

/** The type of a tenant-scoped client. */
export type TenantClient = ReturnType<typeof forTenant>;
