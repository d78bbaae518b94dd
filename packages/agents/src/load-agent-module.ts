import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import type { Agent } from '@baton/agent-sdk';
import { AgentLoadError } from './agent-load-error';
import { agentsOfModule } from './agents-of-module';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message.split('\n')[0]! : String(error));

/**
 * Loads one agent module and returns its agents (see {@link agentsOfModule}).
 * @param module - a path relative to `cwd` (`./agents/dist/index.js`; it starts with `.`), an
 *   absolute path, or a package name (`@acme/baton-agents`), resolved as `require.resolve` does
 *   from `cwd`. CommonJS, or an ES module without top-level await (Node 20.19+ requires those).
 * @throws AgentLoadError naming the module when it cannot be found, fails to load, or exports
 *   anything but agents.
 */
export function loadAgentModule(module: string, cwd: string): Agent[] {
  // Resolved from cwd: the package name of a dependency of the user's project, or a path in it.
  const requireFromCwd = createRequire(join(cwd, 'noop.js'));
  let resolved: string;
  try {
    resolved = requireFromCwd.resolve(module);
  } catch (error) {
    const hint = !module.startsWith('.') && !isAbsolute(module) && existsSync(join(cwd, module)) ? `; to load the path, write "./${module}"` : '';
    throw new AgentLoadError(`agent module "${module}" cannot be found from ${cwd}${hint}`, { cause: error });
  }
  let exports: unknown;
  try {
    exports = requireFromCwd(resolved);
  } catch (error) {
    throw new AgentLoadError(`agent module "${module}" (${resolved}) failed to load: ${messageOf(error)}`, { cause: error });
  }
  return agentsOfModule(module, exports);
}
