export * from './calendar-port';
export * from './invite';
export * from './caldav-calendar';
export * from './google-calendar';
export * from './microsoft-graph-calendar';
export * from './slots';
export * from './oauth-token-source';
