import { z } from 'zod';
import { defineAgent } from './agent';

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
