import { defineConfig } from 'prisma/config';

// Prisma CLI config. Migrations are plain SQL in prisma/migrations, applied by our runner
// (libs/persistence/src/migrations) or `prisma migrate deploy` — both record them in _prisma_migrations.
export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/hub' },
});
