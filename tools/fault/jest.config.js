/** The fault-injection suite: private PostgreSQL/Redis/Kafka (reserved ports), services as child processes. */
module.exports = {
  displayName: 'fault',
  preset: '../../jest.preset.js',
  rootDir: '.',
  setupFiles: ['<rootDir>/src/private-env.ts'],
  // jose ships ESM only; let SWC compile it to CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  testTimeout: 600_000,
};
