export * from './genesys-cloud.client';
export * from './genesys-cloud.mapper';
export * from './genesys-cloud.adapter';
export * from './genesys-cloud.receiver';
