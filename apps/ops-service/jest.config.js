module.exports = {
  displayName: 'ops-service',
  preset: '../../jest.preset.js',
  rootDir: '.',
  // jose 6 ships ESM only: let @swc/jest compile it to CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
