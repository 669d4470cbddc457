module.exports = { displayName: 'scheduling', preset: '../../jest.preset.js', rootDir: '.' };
