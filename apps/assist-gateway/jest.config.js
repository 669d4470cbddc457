module.exports = {
  displayName: 'assist-gateway',
  preset: '../../jest.preset.js',
  rootDir: '.',
  // jose / openid-client / oauth4webapi ship ESM only; let SWC compile them to CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
};
