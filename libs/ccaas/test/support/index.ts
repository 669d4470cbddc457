export * from './fake-http-server';
export * from './fake-genesys-cloud';
export * from './fake-eightbyeight-cc';
export * from './receiver-endpoint';
export * from './real-transcript';
export * from './adapter-harness';
