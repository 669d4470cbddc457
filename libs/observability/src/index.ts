export * from './logger';
export * from './log-context';
export * from './health';
export * from './metrics';
export * from './observability.module';
export * from './bootstrap';
export * from './run-service';
