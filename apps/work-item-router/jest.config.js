module.exports = { displayName: 'work-item-router', preset: '../../jest.preset.js', rootDir: '.' };
