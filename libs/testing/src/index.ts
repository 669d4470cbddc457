export * from './test-env';
export * from './wait-for';
export * from './kafka-probe';
export * from './services';
export * from './browser';
export * from './openapi-checks';
export * from './auth';
export * from './route-walker';
