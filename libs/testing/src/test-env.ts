import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ensureDatabase, runMigrations } from '@hub/persistence';

/** Infrastructure addresses for tests (override with the same env vars the services use). */
export const testInfra = {
  kafkaBrokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
  postgresBase: process.env['TEST_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432',
  redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
};

/** A short random id, lower-case alphanumeric. */
export function randomId(len = 8): string {
  return randomBytes(len).toString('hex').slice(0, len);
}

/** An isolated world for one test file: its own database, Kafka topic namespace and Redis namespace. */
export interface TestWorld {
  id: string;
  databaseUrl: string;
  kafkaNamespace: string;
  redisNamespace: string;
  /** Env vars for a service process in this world (merge with service-specific ones). */
  env: Record<string, string>;
  drop: () => Promise<void>;
}

/**
 * Creates a fresh, migrated database `hub_test_<id>` and unique namespaces. Call `drop()` in afterAll.
 */
export async function createTestWorld(prefix = 'hub_test'): Promise<TestWorld> {
  const id = randomId(10);
  const dbName = `${prefix}_${id}`;
  const databaseUrl = `${testInfra.postgresBase}/${dbName}`;
  await ensureDatabase(databaseUrl);
  await runMigrations(databaseUrl);
  const kafkaNamespace = `t${id}.`;
  const redisNamespace = `t${id}:`;
  return {
    id,
    databaseUrl,
    kafkaNamespace,
    redisNamespace,
    env: {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: testInfra.kafkaBrokers,
      KAFKA_TOPIC_NAMESPACE: kafkaNamespace,
      KAFKA_TOPIC_PARTITIONS: '3',
      REDIS_URL: testInfra.redisUrl,
      REDIS_NAMESPACE: redisNamespace,
      LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
    },
    drop: async () => {
      if (process.env['KEEP_TEST_DB']) return;
      const c = new Client({ connectionString: `${testInfra.postgresBase}/postgres` });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
