export * from './load-config';
export * from './common-config';
export * from './http-protection-config';
export * from './secrets';
