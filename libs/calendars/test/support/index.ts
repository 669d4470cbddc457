export * from './xandikos';
export * from './fake-calendar-apis';
export * from './fake-token-server';
