export * from './validation';
export * from './tenant.decorator';
