module.exports = {
  displayName: 'calendars',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testTimeout: 60000,
};
