/**
 * `npm run db:migrate`: creates the database if needed and applies pending migrations as the schema
 * owner. Env: `DATABASE_MIGRATION_URL` (the owner / migration role), else `DATABASE_URL`, else the local
 * development database as `postgres`. The services themselves connect as the runtime role `hub_app`
 * (docs/security/tenancy.md).
 */
import { z } from 'zod';
import { loadConfig } from '@hub/config';
import { ensureDatabase, runMigrations } from '../migrations/migration-runner';

const MigrateConfigSchema = z.object({
  DATABASE_MIGRATION_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
});

async function main() {
  const { DATABASE_MIGRATION_URL } = loadConfig('db:migrate', MigrateConfigSchema, {
    DATABASE_MIGRATION_URL:
      process.env['DATABASE_MIGRATION_URL'] ??
      process.env['DATABASE_URL'] ??
      'postgresql://postgres@127.0.0.1:5432/hub',
  });
  await ensureDatabase(DATABASE_MIGRATION_URL);
  const r = await runMigrations(DATABASE_MIGRATION_URL);
  console.log(`migrations: ${r.applied.length} applied, ${r.alreadyApplied.length} already applied`);
  for (const n of r.applied) console.log(`  + ${n}`);
}
main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
