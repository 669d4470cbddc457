module.exports = { displayName: 'handoff-orchestrator', preset: '../../jest.preset.js', rootDir: '.' };
