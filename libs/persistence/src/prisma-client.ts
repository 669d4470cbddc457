import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { clientQueryTimeout } from './sql/pg-sql';

export { PrismaClient };
/** The interactive-transaction client handed to `$transaction(async (tx) => …)`. */
export type PrismaTx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
/** Either the root client or a transaction client. */
export type PrismaExecutor = PrismaClient | PrismaTx;

/**
 * Creates a Prisma 7 client over node-postgres (`@prisma/adapter-pg`, no engine binary).
 * @param databaseUrl     postgresql:// URL
 * @param poolSize        max pool connections
 * @param applicationName PostgreSQL `application_name` of its connections — the service name. Outbox rows
 *                        written through this client are stamped with it (column `producer`) and relayed by
 *                        that service's own relay.
 * @param timeouts        server-side `statement_timeout` / `idle_in_transaction_session_timeout`, the
 *                        connection timeout and the client-side query timeout (a partitioned server), ms
 *                        (defaults 15000 / 30000 / 5000 / statement timeout + 5000)
 */
export function createPrismaClient(
  databaseUrl: string,
  poolSize = 10,
  applicationName?: string,
  timeouts: {
    statementTimeoutMs?: number;
    idleInTransactionTimeoutMs?: number;
    connectionTimeoutMs?: number;
    queryTimeoutMs?: number;
  } = {},
): PrismaClient {
  const statementTimeout = timeouts.statementTimeoutMs ?? 15_000;
  const adapter = new PrismaPg(
    {
      connectionString: databaseUrl,
      max: poolSize,
      application_name: applicationName,
      statement_timeout: statementTimeout,
      query_timeout: timeouts.queryTimeoutMs ?? clientQueryTimeout(statementTimeout),
      idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs ?? 30_000,
      connectionTimeoutMillis: timeouts.connectionTimeoutMs ?? 5_000,
      keepAlive: true,
    },
    {
      // adapter-pg: a failing idle or checked-out connection is discarded instead of crashing the process.
      onPoolError: () => undefined,
      onConnectionError: () => undefined,
    },
  );
  return new PrismaClient({ adapter });
}
