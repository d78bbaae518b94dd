import { z } from 'zod';
import { defineAgent, isAgent, type AgentContext } from './agent';

describe('defineAgent', () => {
  it('makes a frozen agent with a default description', () => {
    const agent = defineAgent({ name: 'upper', input: z.string(), run: (s) => s.toUpperCase() });
    expect(agent.name).toBe('upper');
    expect(agent.description).toBe('');
    expect(Object.isFrozen(agent)).toBe(true);
    expect(agent.input.parse('x')).toBe('x');
  });

  it('keeps `this` of a method-style run', async () => {
    const definition = {
      name: 'acme.greeter',
      description: 'greets',
      input: z.object({ who: z.string() }),
      greeting: 'hello',
      run(input: { who: string }) {
        return `${this.greeting} ${input.who}`;
      },
    };
    const agent = defineAgent(definition);
    expect(agent.description).toBe('greets');
    expect(await agent.run({ who: 'ada' }, {} as never)).toBe('hello ada');
  });

  it.each(['', 'Upper', '.hidden', 'a:b', 'x'.repeat(65)])('refuses the name %p', (name) => {
    expect(() => defineAgent({ name, input: z.unknown(), run: () => null })).toThrow(RangeError);
  });
});

describe('isAgent', () => {
  it('recognises an agent, also one from another copy of the SDK', () => {
    expect(isAgent(defineAgent({ name: 'a', input: z.unknown(), run: () => null }))).toBe(true);
    expect(isAgent({ [Symbol.for('baton.agent-sdk.Agent')]: true, name: 'b' })).toBe(true);
  });

  it.each([null, undefined, 'echo', { name: 'echo', input: z.unknown(), run: () => null }, [defineAgent({ name: 'c', input: z.unknown(), run: () => null })]])(
    'refuses %p',
    (value) => expect(isAgent(value)).toBe(false),
  );
});

describe('setup and close', () => {
  it('are absent unless defined', () => {
    const agent = defineAgent({ name: 'plain', input: z.unknown(), run: () => null });
    expect(agent).not.toHaveProperty('setup');
    expect(agent).not.toHaveProperty('close');
    expect(agent).not.toHaveProperty('config');
  });

  it('keep `this` of method-style definitions, and type ctx.deps from what setup returns', async () => {
    const closed: string[] = [];
    const definition = {
      name: 'acme.db',
      input: z.object({ q: z.string() }),
      config: z.object({ url: z.string().default('mem://') }),
      prefix: 'conn:',
      setup(config: { url: string }) {
        return { conn: `${this.prefix}${config.url}` };
      },
      close(deps: { conn: string }) {
        closed.push(`${this.prefix}closed ${deps.conn}`);
      },
      run(input: { q: string }, ctx: AgentContext<{ conn: string }>) {
        return `${ctx.deps.conn} ${input.q}`;
      },
    };
    const agent = defineAgent(definition);
    expect(agent.config?.parse({})).toEqual({ url: 'mem://' });
    const deps = await agent.setup!({ url: 'pg://x' }, { logger: { info: () => undefined, warn: () => undefined, error: () => undefined }, signal: new AbortController().signal });
    expect(deps).toEqual({ conn: 'conn:pg://x' });
    expect(await agent.run({ q: 'select' }, { deps } as never)).toBe('conn:pg://x select');
    await agent.close!(deps);
    expect(closed).toEqual(['conn:closed conn:pg://x']);
  });
});
