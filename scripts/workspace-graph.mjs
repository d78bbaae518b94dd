// The package-level dependency graph of ARCHITECTURE.md, and the check that every workspace's
// package.json and tsconfig.json follow it. `eslint.config.mjs` runs the check (so `npm run lint`
// fails on a violation) and builds its import rules from the same table; `node
// scripts/workspace-graph.mjs` prints the graph that the sources import.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const PACKAGES = ['@baton/agent-sdk', '@baton/core', '@baton/config', '@baton/workflow', '@baton/engine', '@baton/db', '@baton/queue', '@baton/auth',
  '@baton/telemetry', '@baton/agents', '@baton/runtime'];

/**
 * Which workspaces each workspace may depend on: apps → runtime → {db, queue, auth, agents,
 * telemetry}, runtime → engine → workflow → core. db and queue know no workflow rules, the ports
 * and the error family sit in core at the bottom, and nothing imports an app except apps/dev, which
 * is the api and the worker in one process. A new workspace gets a line here.
 */
export const ALLOWED = {
  // The SDK a user's agent project depends on: nothing of Baton's (zod is its peer).
  '@baton/agent-sdk': [],
  '@baton/core': [],
  // The variables both processes read, one schema the apps extend; zod only, never process.env.
  '@baton/config': [],
  '@baton/workflow': ['@baton/core'],
  '@baton/engine': ['@baton/workflow', '@baton/core'],
  '@baton/db': ['@baton/core'],
  '@baton/queue': ['@baton/core'],
  '@baton/auth': ['@baton/core'],
  '@baton/telemetry': ['@baton/core'],
  '@baton/agents': ['@baton/agent-sdk', '@baton/workflow', '@baton/core'],
  '@baton/runtime': ['@baton/engine', '@baton/workflow', '@baton/db', '@baton/queue', '@baton/auth', '@baton/agents', '@baton/config',
    '@baton/telemetry', '@baton/core'],
  '@baton/app-api': PACKAGES,
  '@baton/app-worker': PACKAGES,
  '@baton/app-dev': [...PACKAGES, '@baton/app-api', '@baton/app-worker', '@baton/client'],
  // The published HTTP client: nothing of Baton's, so a user installs it alone.
  '@baton/client': [],
  '@baton/app-cli': ['@baton/client', '@baton/workflow', '@baton/core'],
  '@baton/app-console': ['@baton/client'],
};

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** Every workspace of the root package.json: `{ name, dir (relative to the root), pkg, tsconfig }`. */
export function workspaces(root = ROOT) {
  const globs = readJson(join(root, 'package.json')).workspaces;
  return globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) throw new Error(`workspace pattern ${glob}: only "<folder>/*" is understood here`);
    const parent = glob.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, parent, entry.name, 'package.json')))
      .map((entry) => {
        const dir = `${parent}/${entry.name}`;
        const tsconfigPath = join(root, dir, 'tsconfig.json');
        return { name: readJson(join(root, dir, 'package.json')).name, dir, pkg: readJson(join(root, dir, 'package.json')),
          tsconfig: existsSync(tsconfigPath) ? readJson(tsconfigPath) : undefined };
      });
  });
}

const internal = (deps = {}) => Object.keys(deps).filter((name) => name.startsWith('@baton/')).sort();

/** A cycle of `graph` (name → names) as a list of names, or undefined. */
export function findCycle(graph) {
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph[node] ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of Object.keys(graph)) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Every way the workspaces' manifests stray from {@link ALLOWED}: an undeclared workspace, an
 * internal dependency against the direction, a version other than `*`, tsconfig references that
 * do not mirror the dependencies, a workspace missing from tsconfig.build.json, or a cycle.
 */
export function workspaceGraphProblems(root = ROOT) {
  const problems = [];
  const all = workspaces(root);
  const dirOf = Object.fromEntries(all.map((w) => [w.name, w.dir]));
  const cycle = findCycle(ALLOWED);
  if (cycle) problems.push(`ALLOWED has a cycle: ${cycle.join(' → ')}`);
  for (const w of all) {
    const allowed = ALLOWED[w.name];
    if (!allowed) {
      problems.push(`${w.dir}: ${w.name} is not in ALLOWED (scripts/workspace-graph.mjs): say what it may depend on`);
      continue;
    }
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of internal(w.pkg[field])) {
        if (!allowed.includes(dep)) problems.push(`${w.dir}/package.json: ${w.name} may not depend on ${dep} (ARCHITECTURE.md direction)`);
        else if (w.pkg[field][dep] !== '*') problems.push(`${w.dir}/package.json: ${field}.${dep} must be "*"`);
        if (!dirOf[dep]) problems.push(`${w.dir}/package.json: ${dep} is no workspace`);
      }
    }
    if (!w.tsconfig) continue;
    const expected = internal(w.pkg.dependencies).filter((dep) => dirOf[dep]).map((dep) => relative(w.dir, dirOf[dep])).sort();
    const actual = (w.tsconfig.references ?? []).map((ref) => ref.path.replace(/\/$/, '')).sort();
    if (expected.join() !== actual.join()) {
      problems.push(`${w.dir}/tsconfig.json: references [${actual.join(', ')}] must mirror the @baton dependencies of package.json [${expected.join(', ')}]`);
    }
  }
  const build = readJson(join(root, 'tsconfig.build.json')).references.map((ref) => ref.path.replace(/\/$/, ''));
  for (const w of all) if (w.tsconfig && !build.includes(w.dir)) problems.push(`tsconfig.build.json: references lack ${w.dir}`);
  const declared = Object.fromEntries(all.map((w) => [w.name, internal(w.pkg.dependencies)]));
  const declaredCycle = findCycle(declared);
  if (declaredCycle) problems.push(`package.json dependencies form a cycle: ${declaredCycle.join(' → ')}`);
  return problems;
}

/** The workspaces each workspace's sources import (not tests), by scanning `import … from '@baton/…'`. */
export function importedWorkspaces(root = ROOT) {
  const graph = {};
  const walk = (dir, out) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, out);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$|^test-|\.test-helper\.ts$/.test(entry.name)) {
        for (const [, name] of readFileSync(path, 'utf8').matchAll(/(?:from|import\(|require\()\s*'(@baton\/[a-z-]+)'/g)) out.add(name);
      }
    }
  };
  for (const w of workspaces(root)) {
    const out = new Set();
    if (existsSync(join(root, w.dir, 'src'))) walk(join(root, w.dir, 'src'), out);
    out.delete(w.name);
    graph[w.name] = [...out].sort();
  }
  return graph;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [name, deps] of Object.entries(importedWorkspaces())) console.log(`${name} → ${deps.join(', ') || '(nothing)'}`);
  const problems = workspaceGraphProblems();
  for (const problem of problems) console.error(problem);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
