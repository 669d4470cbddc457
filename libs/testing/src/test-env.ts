import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import Redis from 'ioredis';
import { ensureDatabase, runMigrations, withDatabaseRole } from '@hub/persistence';
import { testAuthEnv } from './auth';

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
  /**
   * The database as its owner (the migration role, superuser `postgres` here): for seeding and asserting
   * across tenants. Row-level security does not bind it.
   */
  databaseUrl: string;
  /**
   * The database as the runtime role `hub_app` (no BYPASSRLS), which services get as `DATABASE_URL`
   * (in {@link TestWorld.env}): row-level security binds it (docs/security/tenancy.md).
   */
  appDatabaseUrl: string;
  kafkaNamespace: string;
  redisNamespace: string;
  /** Env vars for a service process in this world (merge with service-specific ones). */
  env: Record<string, string>;
  /** Drops the database, deletes the world's Kafka topics and Redis keys (set KEEP_TEST_DB=1 to keep them). */
  drop: () => Promise<void>;
}

/**
 * Deletes every Kafka topic whose name starts with `prefix` (a test world's namespace, e.g. `t1a2b3c4d5.`).
 * Without this, a developer machine accumulates thousands of partitions and the broker's next start spends
 * minutes loading their logs. Best effort: failures are reported, never thrown.
 */
export async function deleteKafkaTopics(prefix: string, brokers = testInfra.kafkaBrokers): Promise<number> {
  if (!prefix) throw new Error('deleteKafkaTopics: refusing an empty prefix');
  const kafka = new Kafka({
    clientId: 'test-cleanup',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 15_000 });
    return topics.length;
  } catch (err) {
    process.stderr.write(`[testing] could not delete Kafka topics ${prefix}*: ${String(err)}\n`);
    return 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Deletes every Redis key starting with `prefix` (SCAN + UNLINK). Best effort: failures are reported, never thrown. */
export async function deleteRedisKeys(prefix: string, url = testInfra.redisUrl): Promise<number> {
  if (!prefix) throw new Error('deleteRedisKeys: refusing an empty prefix');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } catch (err) {
    process.stderr.write(`[testing] could not delete Redis keys ${prefix}*: ${String(err)}\n`);
  } finally {
    redis.disconnect();
  }
  return deleted;
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
  const appDatabaseUrl = withDatabaseRole(databaseUrl, 'hub_app');
  const kafkaNamespace = `t${id}.`;
  const redisNamespace = `t${id}:`;
  return {
    id,
    databaseUrl,
    appDatabaseUrl,
    kafkaNamespace,
    redisNamespace,
    env: {
      DATABASE_URL: appDatabaseUrl,
      DATABASE_MIGRATION_URL: databaseUrl,
      KAFKA_BROKERS: testInfra.kafkaBrokers,
      KAFKA_TOPIC_NAMESPACE: kafkaNamespace,
      KAFKA_TOPIC_PARTITIONS: '3',
      REDIS_URL: testInfra.redisUrl,
      REDIS_NAMESPACE: redisNamespace,
      LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
      // Integration secrets envelope (@hub/integrations): a fresh key-encryption key per world.
      HUB_SECRETS_KEK: randomBytes(32).toString('base64'),
      HUB_SECRETS_KEK_ID: `test-${id}`,
      // Tests talk to local plain-HTTP fakes of LLM/Genesys/8x8 hosts; SSRF tests set these to false.
      OUTBOUND_ALLOW_HTTP: 'true',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      ...testAuthEnv(),
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
      await Promise.all([deleteKafkaTopics(kafkaNamespace), deleteRedisKeys(redisNamespace)]);
    },
  };
}
