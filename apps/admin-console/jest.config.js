module.exports = { displayName: 'admin-console', preset: '../../jest.preset.js', rootDir: '.' };
