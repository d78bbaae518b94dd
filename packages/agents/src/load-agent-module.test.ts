import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentLoadError } from './agent-load-error';
import { loadAgentModule } from './load-agent-module';

// Modules as a user's project would hold them. Their agents are made by "another copy of the SDK":
// objects carrying its brand, which is what defineAgent leaves on an agent.
const agentSource = (name: string) => `{ [Symbol.for('baton.agent-sdk.Agent')]: true, name: '${name}', description: '', input: { safeParse: (v) => ({ success: true, data: v }) }, run: (i) => i }`;

describe('loadAgentModule', () => {
  let cwd: string;

  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'baton-agent-modules-'));
    const write = (path: string, text: string) => {
      mkdirSync(join(cwd, path, '..'), { recursive: true });
      writeFileSync(join(cwd, path), text);
    };
    write('agents/dist/index.js', `exports.wordCount = ${agentSource('word-count')};\nexports.default = [${agentSource('slugify')}];`);
    write('agents/broken.js', `throw new Error('missing API_TOKEN\\nsecond line');`);
    write('agents/helper.js', `exports.a = ${agentSource('a')};\nexports.limit = 3;`);
    write('node_modules/@acme/baton-agents/package.json', JSON.stringify({ name: '@acme/baton-agents', main: 'lib/main.js' }));
    write('node_modules/@acme/baton-agents/lib/main.js', `module.exports = ${agentSource('acme')};`);
  });

  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('loads a path relative to the working directory: named and default exports', () => {
    expect(loadAgentModule('./agents/dist/index.js', cwd).map((a) => a.name)).toEqual(['word-count', 'slugify']);
    expect(loadAgentModule('./agents/dist', cwd).map((a) => a.name)).toEqual(['word-count', 'slugify']);
    expect(loadAgentModule(join(cwd, 'agents/dist/index.js'), '/').map((a) => a.name)).toEqual(['word-count', 'slugify']);
  });

  it('loads a package by name from the working directory', () => {
    expect(loadAgentModule('@acme/baton-agents', cwd).map((a) => a.name)).toEqual(['acme']);
  });

  it.each<[string, RegExp]>([
    ['./agents/missing.js', /^agent module "\.\/agents\/missing\.js" cannot be found from .+$/],
    ['@acme/none', /^agent module "@acme\/none" cannot be found from \S+$/],
    ['agents/dist/index.js', /^agent module "agents\/dist\/index\.js" cannot be found from \S+; to load the path, write "\.\/agents\/dist\/index\.js"$/],
    ['./agents/broken.js', /^agent module "\.\/agents\/broken\.js" \(\/.+\/agents\/broken\.js\) failed to load: missing API_TOKEN$/],
    ['./agents/helper.js', /^agent module "\.\/agents\/helper\.js": export "limit" is not an agent made with defineAgent \(it is a number\)$/],
  ])('refuses %s with a message naming it', (module, message) => {
    let error: unknown;
    try {
      loadAgentModule(module, cwd);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgentLoadError);
    expect((error as Error).message).toMatch(message);
  });
});
