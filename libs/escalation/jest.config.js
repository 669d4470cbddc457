module.exports = {
  displayName: 'escalation',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testEnvironment: '<rootDir>/../embeddings/test/onnx-jest-environment.js',
  testTimeout: 300000,
};
