export * from './schema';
export * from './holidays';
export * from './business-hours';
export * from './scan-loop';
