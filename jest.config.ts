import type { Config } from 'jest';

const shared = {
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] as [string, Record<string, unknown>],
    // jose (under jwks-rsa) is ESM only: Node requires it, jest's module system needs it as CommonJS.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] as [string, Record<string, unknown>],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  // Apps first: `@baton/app-api` must not fall through to the packages pattern.
  // A package's subpath export (`@baton/db/testing`) maps to the source file of that name.
  moduleNameMapper: {
    '^@baton/app-([a-z-]+)$': '<rootDir>/apps/$1/src',
    '^@baton/([a-z-]+)$': '<rootDir>/packages/$1/src',
    '^@baton/([a-z-]+)/([a-z-]+)$': '<rootDir>/packages/$1/src/$2',
  },
  testEnvironment: 'node',
};

const config: Config = {
  // The pure packages are held at full coverage; CI runs `npm test -- --coverage`.
  collectCoverageFrom: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts', '!**/*.test.ts', '!**/index.ts'],
  coverageThreshold: {
    global: {},
    './packages/workflow/src/': { lines: 100, branches: 100, functions: 100, statements: 100 },
    './packages/engine/src/': { lines: 100, branches: 100, functions: 100, statements: 100 },
  },
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{packages,apps}/*/src/**/*.test.ts'], testPathIgnorePatterns: ['\\.int\\.test\\.ts$'] },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/{packages,apps}/*/src/**/*.int.test.ts'] },
  ],
};

export default config;
