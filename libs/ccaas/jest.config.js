module.exports = {
  displayName: 'ccaas',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testTimeout: 60000,
};
