module.exports = { displayName: 'connector-audiohook', preset: '../../jest.preset.js', rootDir: '.' };
