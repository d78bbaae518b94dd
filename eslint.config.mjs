import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const infrastructure = ['bullmq', 'ioredis', 'kysely', 'pg', 'express', 'winston', 'prom-client', '@opentelemetry/*',
  '@baton/db', '@baton/queue', '@baton/runtime', '@baton/telemetry', 'fs', 'node:*', 'http', 'net', 'child_process'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bench/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='eval']", message: 'no eval' }],
    },
  },
  {
    // The language and the engine are pure: no I/O, no clock, no logger (ARCHITECTURE.md).
    files: ['packages/engine/src/**/*.ts', 'packages/workflow/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: infrastructure.map((group) => ({ group: [group], message: 'engine and workflow stay pure' })) }],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval'],
    },
  },
  {
    // Adapters know tables and queues, not workflow rules.
    files: ['packages/db/src/**/*.ts', 'packages/queue/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@baton/engine', '@baton/runtime'], message: 'adapters do not know workflow rules' }] }] },
  },
);
