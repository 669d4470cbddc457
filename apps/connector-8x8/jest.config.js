module.exports = { displayName: 'connector-8x8', preset: '../../jest.preset.js', rootDir: '.' };
