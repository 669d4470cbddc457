import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

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
 */
export function createPrismaClient(
  databaseUrl: string,
  poolSize = 10,
  applicationName?: string,
): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: poolSize,
    application_name: applicationName,
  });
  return new PrismaClient({ adapter });
}
