module.exports = {
  displayName: 'connector-audiohook',
  preset: '../../jest.preset.js',
  rootDir: '.',
  // the VAD of the per-utterance providers runs ONNX Runtime (typed arrays shared with the host realm)
  testEnvironment: '<rootDir>/../../libs/embeddings/test/onnx-jest-environment.js',
};
