import { isAgent, type Agent } from '@baton/agent-sdk';
import { AgentLoadError } from './agent-load-error';

const kindOf = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'undefined';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
};

/**
 * The agents a module exports: its default export (an agent or an array of agents) and its named
 * exports, each of which must be an agent. The module itself may be an agent or an array of them
 * (`module.exports = agent`). One agent exported under several names counts once.
 * @param module - how the module is named in messages (its `BATON_AGENT_MODULES` entry).
 * @throws AgentLoadError naming the module and the export that is not an agent, or when the
 *   module exports no agent at all.
 */
export function agentsOfModule(module: string, exports: unknown): Agent[] {
  const found = new Set<Agent>();
  const take = (value: unknown, what: string): void => {
    if (!isAgent(value)) throw new AgentLoadError(`agent module "${module}": ${what} is not an agent made with defineAgent (it is ${kindOf(value)})`);
    found.add(value);
  };
  const takeDefault = (value: unknown, what: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => take(item, `${what}[${i}]`));
    else take(value, what);
  };

  if (isAgent(exports) || Array.isArray(exports)) takeDefault(exports, 'module.exports');
  else if (typeof exports === 'object' && exports !== null) {
    for (const [name, value] of Object.entries(exports)) {
      // Set by TypeScript's and Node's CommonJS interop, not by the module's author.
      if (name === '__esModule') continue;
      if (name === 'default') takeDefault(value, 'the default export');
      else take(value, `export "${name}"`);
    }
  } else {
    throw new AgentLoadError(`agent module "${module}" exports ${kindOf(exports)}, not agents made with defineAgent`);
  }
  if (found.size === 0) throw new AgentLoadError(`agent module "${module}" exports no agents (export agents made with defineAgent)`);
  return [...found];
}
