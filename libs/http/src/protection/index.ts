export * from './problem-response';
export * from './route-class';
export * from './rate-limit';
export * from './admission';
export * from './body-limits';
export * from './protect-http';
export * from './content-sniff';
