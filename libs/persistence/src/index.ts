export * from './prisma-client';
export * from './migrations/migration-runner';
export * from './outbox/outbox-writer';
export * from './outbox/outbox-relay';
export * from './inbox/inbox';
export * from './tenancy/tenant-scope';
export * from './persistence.module';
export { Prisma } from './generated/prisma/client';
export type * from './generated/prisma/models';
