module.exports = { displayName: 'suggestion-service', preset: '../../jest.preset.js', rootDir: '.' };
