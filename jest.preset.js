/**
 * Shared Jest preset: TypeScript through SWC (with decorator metadata for NestJS),
 * workspace path aliases from tsconfig.base.json, Node environment.
 * Test tiers: *.spec.ts (pure logic), *.integration-spec.ts (real PostgreSQL/Redis/Kafka),
 * *.e2e-spec.ts (a running service driven the way its users drive it).
 */
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace('/', '\\/')}$`] = path.join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // jose / openid-client / oauth4webapi ship ESM only (every service verifies credentials with jose):
  // let SWC compile them to CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi|llama-tokenizer-js)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testMatch: ['**/?(*.)+(spec|integration-spec|e2e-spec).ts'],
  testTimeout: 30000,
  // one retry for a failed integration / e2e test, printed and counted (tools/test/retry-setup.js)
  setupFilesAfterEnv: [path.join(__dirname, 'tools/test/retry-setup.js')],
};
