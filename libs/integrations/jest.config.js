module.exports = { displayName: 'integrations', preset: '../../jest.preset.js', rootDir: '.' };
