/** `npm run db:migrate`: creates the database if needed and applies pending migrations. Env: DATABASE_URL. */
import { DatabaseConfigSchema, loadConfig } from '@hub/config';
import { ensureDatabase, runMigrations } from '../migrations/migration-runner';

async function main() {
  const { DATABASE_URL } = loadConfig('db:migrate', DatabaseConfigSchema, {
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub',
    ...process.env,
  });
  await ensureDatabase(DATABASE_URL);
  const r = await runMigrations(DATABASE_URL);
  console.log(`migrations: ${r.applied.length} applied, ${r.alreadyApplied.length} already applied`);
  for (const n of r.applied) console.log(`  + ${n}`);
}
main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
