import { Pool, type PoolClient, type QueryConfig, type QueryResult, type QueryResultRow } from 'pg';

/**
 * Anything that runs one SQL statement: a `pg` Pool (autocommit) or a client inside
 * {@link inPgTransaction}. Parameters are `$1…$n`; pass JSON columns as `JSON.stringify(v)` (node-postgres
 * turns JS arrays into PostgreSQL array literals, not JSON).
 */
export interface SqlExecutor {
  query<R extends QueryResultRow = QueryResultRow>(
    textOrConfig: string | QueryConfig,
    values?: unknown[],
  ): Promise<QueryResult<R>>;
}

/**
 * Runs a statement as a named prepared statement: PostgreSQL parses and plans it once per connection
 * instead of on every execution (worth it for the repeated statements of a hot path). `name` must
 * always go with the same `text` (node-postgres rejects a name reused for another text).
 */
export function preparedQuery<R extends QueryResultRow = QueryResultRow>(
  db: SqlExecutor,
  name: string,
  text: string,
  values: unknown[] = [],
): Promise<QueryResult<R>> {
  return db.query<R>({ name, text, values });
}

/** Options of {@link createPgPool}. */
export interface PgPoolOptions {
  /** Max pooled connections. Default 10. */
  max?: number;
  /**
   * PostgreSQL `application_name` of the connections — the service name. Outbox rows written through
   * the pool are stamped with it (column `producer`) and relayed by that service's own relay.
   */
  applicationName?: string;
  /** Longest wait for a pooled connection, ms (then `connect()` rejects). Default 10000. */
  connectionTimeoutMs?: number;
  /** Server-side `statement_timeout`, ms (0 = none). Default 15000. */
  statementTimeoutMs?: number;
  /**
   * Server-side `idle_in_transaction_session_timeout`, ms: a transaction left open this long without a
   * statement is rolled back and its connection closed (a stuck caller cannot hold row locks for ever).
   * Default 30000.
   */
  idleInTransactionTimeoutMs?: number;
  /**
   * Client-side timeout of every query, ms (node-postgres `query_timeout`; 0 = none): a partitioned server
   * (no answer, no RST) fails the query after this long instead of hanging it until TCP gives up; the pool
   * then destroys that connection. Default `statementTimeoutMs + 5000` (none when `statementTimeoutMs` is 0).
   */
  queryTimeoutMs?: number;
  /** Called when an idle pooled connection fails (server restart, backend terminated); default: ignored. */
  onError?: (err: Error) => void;
}

/**
 * A node-postgres pool for hand-written SQL on hot paths (no ORM runtime per statement). Lazy: no
 * connection is opened before the first query. The caller owns it (`end()` on shutdown).
 * @param databaseUrl postgresql:// URL
 */
export function createPgPool(databaseUrl: string, opts: PgPoolOptions = {}): Pool {
  const statementTimeout = opts.statementTimeoutMs ?? 15_000;
  const pool = new Pool({
    connectionString: databaseUrl,
    max: opts.max ?? 10,
    application_name: opts.applicationName,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 10_000,
    statement_timeout: statementTimeout,
    query_timeout: opts.queryTimeoutMs ?? clientQueryTimeout(statementTimeout),
    idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs ?? 30_000,
    // TCP keepalive: a silently partitioned server is noticed by the OS instead of never.
    keepAlive: true,
  });
  // An idle client's connection dropped (server restart, backend terminated): the pool discards it and
  // opens a new one on the next checkout. Without a listener the 'error' event would crash the process.
  pool.on('error', (e) => opts.onError?.(e));
  return pool;
}

/**
 * The client-side query timeout that goes with a server-side `statement_timeout`, ms: 5 s more (the server
 * cancels first when it can answer at all); 0 (none) when there is no statement timeout.
 */
export function clientQueryTimeout(statementTimeoutMs: number): number {
  return statementTimeoutMs > 0 ? statementTimeoutMs + 5000 : 0;
}

/**
 * Runs `fn` in a READ COMMITTED transaction WITHOUT a tenant on one pooled connection (row-level
 * security then shows no tenant-owned row: use {@link inTenantTransaction} for tenant data; this is for
 * tables without RLS — inbox, outbox — and for system jobs that go through SECURITY DEFINER functions
 * and {@link setTransactionTenant}): BEGIN, `fn(client)`, COMMIT; on
 * any error ROLLBACK and rethrow (a connection whose ROLLBACK failed is destroyed, not reused).
 * @returns fn's result, after COMMIT succeeded
 * @throws fn's error, or the COMMIT's (e.g. serialization failure 40001) — the transaction is rolled back
 */
export async function inPgTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return runTransaction(pool, () => 'BEGIN', fn);
}

async function runTransaction<T>(
  pool: Pool,
  begin: (client: PoolClient) => string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // While checked out the pool does not listen on the client: a backend killed mid-transaction
  // (pg_terminate_backend, server restart) emits 'error', which would crash the process unheard. The
  // pending query rejects with the same error, so noting it is enough; the connection is then destroyed.
  let broken: Error | undefined;
  const onError = (e: Error) => {
    broken = e;
  };
  client.on('error', onError);
  const release = (err?: Error) => {
    client.off('error', onError);
    const e = err ?? broken;
    // A connection released with an error is destroyed, and the pool no longer listens on it: the FATAL
    // message of a terminated backend (57P01) that arrives after this point would be an unheard 'error'
    // event and crash the process (seen in the fault suite's pg_terminate_backend row).
    if (e) client.on('error', () => undefined);
    client.release(e);
  };
  try {
    await client.query(begin(client));
  } catch (e) {
    release(e as Error);
    throw e;
  }
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    release();
    return result;
  } catch (e) {
    try {
      if (broken) throw broken;
      await client.query('ROLLBACK');
      release();
    } catch (rollbackError) {
      release(rollbackError as Error);
    }
    throw e;
  }
}

/**
 * Runs `fn` in a READ COMMITTED transaction of tenant `tenantId` on one pooled connection: `BEGIN; SET
 * LOCAL hub.tenant_id = '<tenant>'` in ONE round trip (simple protocol, the tenant quoted by
 * node-postgres' `escapeLiteral`), then `fn(client)`, COMMIT; ROLLBACK and rethrow on error. Row-level
 * security (docs/security/tenancy.md) limits every statement of `fn` to the tenant's rows; the setting
 * ends with the transaction, so the pooled connection carries nothing to its next user.
 * @param tenantId non-empty tenant id
 * @returns fn's result, after COMMIT succeeded
 * @throws Error for an empty tenant id; fn's error, or the COMMIT's — the transaction is rolled back
 */
export async function inTenantTransaction<T>(
  pool: Pool,
  tenantId: string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  if (!tenantId) throw new Error('inTenantTransaction: a tenant id is required');
  return runTransaction(pool, (c) => `BEGIN; SET LOCAL hub.tenant_id = ${c.escapeLiteral(tenantId)}`, fn);
}

/**
 * Switches the tenant of the current transaction (`set_config('hub.tenant_id', $1, true)`): for system
 * jobs that find due rows of several tenants through a SECURITY DEFINER function and then act on each
 * inside its own tenant, in one transaction (docs/security/tenancy.md "System paths").
 */
export async function setTransactionTenant(db: SqlExecutor, tenantId: string): Promise<void> {
  if (!tenantId) throw new Error('setTransactionTenant: a tenant id is required');
  await db.query({
    name: 'hub.setTenant',
    text: "SELECT set_config('hub.tenant_id', $1, true)",
    values: [tenantId],
  });
}

/**
 * The URL of the same database for another role: `url` with its user (and password) replaced. For
 * trust/peer-authenticated development clusters, where the migration role (owner) and the runtime role
 * (`hub_app`) differ only by name.
 * @param password optional password for the role
 */
export function withDatabaseRole(url: string, role: string, password?: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(role);
  u.password = password ? encodeURIComponent(password) : '';
  return u.toString();
}
