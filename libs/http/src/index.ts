export * from './validation';
export * from './tenant.decorator';
export * from './openapi';
export * from './protection';
