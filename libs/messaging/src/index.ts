export * from './errors';
export * from './kafka-client';
export * from './producer';
export * from './consumer-runner';
export * from './topic-provisioner';
export * from './messaging.module';
export * from './redrive';
export * from './outbox-kafka-sink';
