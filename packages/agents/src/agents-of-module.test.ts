import { defineAgent } from '@baton/agent-sdk';
import { z } from 'zod';
import { AgentLoadError } from './agent-load-error';
import { agentsOfModule } from './agents-of-module';

const agent = (name: string) => defineAgent({ name, input: z.unknown(), run: () => name });
const a = agent('a');
const b = agent('b');
const c = agent('c');

describe('agentsOfModule', () => {
  it.each<[string, unknown, string[]]>([
    ['named exports', { a, b }, ['a', 'b']],
    ['a default agent', { __esModule: true, default: a }, ['a']],
    ['a default array and named exports', { default: [a, b], c }, ['a', 'b', 'c']],
    ['one agent under two names, once', { default: a, a, also: a }, ['a']],
    ['module.exports = agent', a, ['a']],
    ['module.exports = [agents]', [b, c], ['b', 'c']],
  ])('takes %s', (_what, exports, names) => {
    expect(agentsOfModule('./m.js', exports).map((x) => x.name)).toEqual(names);
  });

  it.each<[unknown, string]>([
    [{ a, helper: () => 1 }, 'agent module "./m.js": export "helper" is not an agent made with defineAgent (it is a function)'],
    [{ a, VERSION: '1.0' }, 'agent module "./m.js": export "VERSION" is not an agent made with defineAgent (it is a string)'],
    [{ default: { name: 'echo', run: () => 1 } }, 'agent module "./m.js": the default export is not an agent made with defineAgent (it is an object)'],
    [{ default: [a, null] }, 'agent module "./m.js": the default export[1] is not an agent made with defineAgent (it is null)'],
    [[a, 'b'], 'agent module "./m.js": module.exports[1] is not an agent made with defineAgent (it is a string)'],
    [{}, 'agent module "./m.js" exports no agents (export agents made with defineAgent)'],
    [{ default: [] }, 'agent module "./m.js" exports no agents (export agents made with defineAgent)'],
    ['text', 'agent module "./m.js" exports a string, not agents made with defineAgent'],
    [undefined, 'agent module "./m.js" exports undefined, not agents made with defineAgent'],
  ])('refuses %p, naming the module and the export', (exports, message) => {
    expect(() => agentsOfModule('./m.js', exports)).toThrow(new AgentLoadError(message));
  });
});
