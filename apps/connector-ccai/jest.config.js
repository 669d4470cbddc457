module.exports = {
  displayName: 'connector-ccai',
  preset: '../../jest.preset.js',
  rootDir: '.',
  // jose 6 ships ESM only: let @swc/jest compile it to CommonJS for jest (Node itself loads it natively).
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
