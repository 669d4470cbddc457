export * from './xandikos';
export * from './fake-calendar-apis';
