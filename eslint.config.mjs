import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { ALLOWED, workspaceGraphProblems, workspaces } from './scripts/workspace-graph.mjs';

// package.json dependencies and tsconfig references must follow the direction of ARCHITECTURE.md
// (scripts/workspace-graph.mjs); the rules below then hold every import to package.json.
const graphProblems = workspaceGraphProblems();
if (graphProblems.length > 0) throw new Error(`the workspace graph breaks its rules:\n  ${graphProblems.join('\n  ')}`);

const infrastructure = ['bullmq', 'ioredis', 'kysely', 'pg', 'express', 'winston', 'prom-client', '@opentelemetry/*',
  '@baton/db', '@baton/queue', '@baton/runtime', '@baton/telemetry', 'fs', 'node:*', 'http', 'net', 'child_process'];


const all = workspaces();

// One zone per forbidden edge: a workspace's sources may reach only the workspaces ALLOWED lists,
// whether through the package name or a relative path.
const directionZones = all.flatMap((w) =>
  all
    .filter((other) => other.name !== w.name && !ALLOWED[w.name].includes(other.name))
    .map((other) => ({
      target: `./${w.dir}/src`,
      from: `./${other.dir}/src`,
      message: `${w.name} may not depend on ${other.name} (ARCHITECTURE.md; scripts/workspace-graph.mjs)`,
    })),
);

// import-x's TypeScript parsers and extensions, with the resolver below instead of its default one.
const { 'import-x/resolver': _defaultResolver, ...importSettings } = importX.flatConfigs.typescript.settings;

const tests = ['**/*.test.ts', '**/test-*.ts', '**/*.test-helper.ts'];
// Root files (this config, jest's, scripts/) are tooling: the root's devDependencies serve them;
// a workspace's own scripts/ (the client's type generator) and a Vite config are served by its devDependencies.
const tooling = ['*.mjs', '*.ts', '.*.mjs', 'scripts/**', 'scripts/**/.*', '**/vite.config.ts', 'packages/*/scripts/**'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bench/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='eval']", message: 'no eval' }],
    },
  },
  {
    // The import graph: no cycles, no undeclared dependencies, the direction of ARCHITECTURE.md.
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs'],
    plugins: { 'import-x': importX },
    settings: {
      ...importSettings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'scripts/tsconfig.json', 'apps/console/tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Each file is held to the package.json nearest to it: its workspace's, or the root's for scripts/.
      'import-x/no-extraneous-dependencies': ['error', { devDependencies: [...tests, ...tooling], includeTypes: true, includeInternal: true }],
      'import-x/no-relative-packages': 'error',
      'import-x/no-restricted-paths': ['error', { zones: [
        ...directionZones,
        { target: './packages', from: './scripts', message: 'nothing imports scripts/' },
        { target: './apps', from: './scripts', message: 'nothing imports scripts/' },
        { target: './scripts', from: './apps', message: 'scripts/ import packages, never apps (they may run apps/*/dist as processes)' },
      ] }],
    },
  },
  {
    // Logging, metrics and tracing libraries live behind core's ports, in packages/telemetry only.
    // (The purity rule below replaces this one for engine, workflow and core, and bans them too.)
    files: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts', 'apps/*/src/**/*.tsx'],
    ignores: ['packages/telemetry/src/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['winston', 'prom-client', '@opentelemetry/*'], message: 'only @baton/telemetry imports these; take a Logger, Meter or Tracer (@baton/core)' }] }],
    },
  },
  {
    // The language, the engine and core are pure: no I/O, no clock, no logger (ARCHITECTURE.md).
    // So is config: it parses the environment an app hands it and never reads process.env itself.
    files: ['packages/engine/src/**/*.ts', 'packages/workflow/src/**/*.ts', 'packages/core/src/**/*.ts', 'packages/config/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: infrastructure.map((group) => ({ group: [group], message: 'engine, workflow and core stay pure' })) }],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval'],
    },
  },
  {
    // Scripts and this config: plain Node ES modules.
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
