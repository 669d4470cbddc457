module.exports = { displayName: 'realtime', preset: '../../jest.preset.js', rootDir: '.' };
