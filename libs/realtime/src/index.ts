export * from './realtime-bus';
export * from './realtime.module';
