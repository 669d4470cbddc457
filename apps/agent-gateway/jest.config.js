module.exports = {
  displayName: 'agent-gateway',
  preset: '../../jest.preset.js',
  rootDir: '.',
  // jose ships ESM only; let SWC compile it to CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
};
