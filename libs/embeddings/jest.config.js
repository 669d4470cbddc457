module.exports = {
  displayName: 'embeddings',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testEnvironment: '<rootDir>/test/onnx-jest-environment.js',
  testTimeout: 120000,
};
