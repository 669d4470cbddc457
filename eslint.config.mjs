// Workspace ESLint flat config. Module boundaries are real constraints:
//  - contracts depend on nothing but util libs;
//  - data-access libs (messaging, persistence, realtime) depend on contracts, data-access and util;
//  - apps depend on libs, never on other apps;
//  - a service-scoped lib is used only by its own service;
//  - http (REST conventions) depends on contracts and util;
//  - the testing lib (type:testing) is for test files only.
import nx from '@nx/eslint-plugin';

const services = [
  'handoff-orchestrator',
  'work-item-router',
  'agent-gateway',
  'suggestion-service',
  'assist-gateway',
  'connector-audiohook',
  'connector-8x8',
  'connector-ccai',
  'ops-service',
  'admin-console',
  'tools',
];

function boundaries(inTests) {
  const testing = inTests ? ['type:testing'] : [];
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      // Integration specs of the data-access libs use @hub/testing, which builds on those libs.
      // Test-only edge: their project.json drops it from the graph ("implicitDependencies": ["!testing"]).
      ignoredCircularDependencies: [
        ['messaging', 'testing'],
        ['persistence', 'testing'],
        ['realtime', 'testing'],
      ],
      depConstraints: [
        { sourceTag: 'type:app', notDependOnLibsWithTags: ['type:app'] },
        {
          sourceTag: 'type:app',
          onlyDependOnLibsWithTags: [
            'type:contracts',
            'type:data-access',
            'type:domain',
            'type:http',
            'type:util',
            ...testing,
          ],
        },
        { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:util'] },
        {
          sourceTag: 'type:data-access',
          onlyDependOnLibsWithTags: ['type:contracts', 'type:data-access', 'type:util', ...testing],
        },
        { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
        // http libs (the error model, the auth guard) may read through data-access libs (API keys in PostgreSQL)
        {
          sourceTag: 'type:http',
          onlyDependOnLibsWithTags: ['type:contracts', 'type:data-access', 'type:http', 'type:util'],
        },
        { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
        {
          sourceTag: 'type:testing',
          onlyDependOnLibsWithTags: [
            'type:contracts',
            'type:data-access',
            'type:http',
            'type:util',
            'type:testing',
          ],
        },
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
        ...services.map((s) => ({
          sourceTag: `scope:${s}`,
          onlyDependOnLibsWithTags: ['scope:shared', `scope:${s}`],
        })),
      ],
    },
  ];
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: [
      '**/dist',
      '**/node_modules',
      '**/generated/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      'tmp/**',
      'var/**',
    ],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(false),
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(true),
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
];
