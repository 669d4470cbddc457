export * from './adapter';
export * from './attributes';
export * from './aws-clients';
export * from './errors';
export * from './participant-stream';
export * from './contact-events.receiver';
