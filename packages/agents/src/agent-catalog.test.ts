import { defineAgent, executeAgent, type Agent } from '@baton/agent-sdk';
import { z } from 'zod';
import { AgentCatalog } from './agent-catalog';
import { AgentLoadError } from './agent-load-error';
import { builtinAgents } from './builtin-agents';
import { jobOf, memoryLogger } from '@baton/agent-sdk/testing';

/** An agent whose setup and close are recorded in `log`; `fails` makes its setup reject. */
const tracked = (name: string, log: string[], options: { fails?: boolean; closeFails?: boolean } = {}) =>
  defineAgent({
    name,
    input: z.unknown(),
    config: z.object({ greeting: z.string().default('hi') }),
    setup: async (config, ctx) => {
      log.push(`setup ${name} ${config.greeting}`);
      ctx.logger.info('ready');
      if (options.fails) throw new Error(`${name} cannot connect`);
      return { greeting: config.greeting };
    },
    close: (deps) => {
      log.push(`close ${name} ${deps.greeting}`);
      if (options.closeFails) throw new Error('close failed');
    },
    run: (input, ctx) => `${ctx.deps.greeting} ${String(input)}`,
  });

// builtin-agents.test.ts holds the list itself.
const builtinNames = builtinAgents.map((a) => a.name);

const plain = (name: string): Agent => defineAgent({ name, input: z.unknown(), run: () => name });

const catch_ = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as Error);

describe('AgentCatalog', () => {
  it('holds the built-ins and added agents, in order', () => {
    const catalog = new AgentCatalog().add(builtinAgents, 'built-in').add([plain('word-count')], 'module "./a.js"');
    expect(catalog.names).toEqual([...builtinNames, 'word-count']);
    expect(catalog.get('word-count')?.name).toBe('word-count');
    expect(catalog.get('nope')).toBeUndefined();
  });

  it('refuses a name taken already, naming both origins, and adds nothing of that batch', () => {
    const catalog = new AgentCatalog().add(builtinAgents, 'built-in');
    expect(() => catalog.add([plain('slugify'), plain('echo')], 'module "./a.js"')).toThrow(
      new AgentLoadError('agent "echo" of module "./a.js" is defined already by built-in: agent names must be unique'),
    );
    expect(catalog.names).not.toContain('slugify');
    expect(() => catalog.add([plain('twice'), plain('twice')], 'module "./b.js"')).toThrow('agent "twice" of module "./b.js" is defined already by module "./b.js"');
    const same = plain('same');
    expect(catalog.add([same, same], 'module "./c.js"').names).toContain('same');
  });

  it('selects by name, or all, and names the unknown ones', () => {
    const catalog = new AgentCatalog().add(builtinAgents, 'built-in');
    expect(catalog.select(['transform', 'echo']).map((a) => a.name)).toEqual(['echo', 'transform']);
    expect(catalog.select().length).toBe(builtinNames.length);
    expect(() => catalog.select(['echo', 'wordcount', 'x'])).toThrow(
      new AgentLoadError(`unknown agents in WORKER_AGENTS: wordcount, x (known: ${builtinNames.join(', ')})`),
    );
  });

  describe('start', () => {
    it('sets up each agent served once, with its config, and closes them in reverse order', async () => {
      const log: string[] = [];
      const logger = memoryLogger();
      const catalog = new AgentCatalog().add([tracked('one', log), tracked('two', log), tracked('three', log)], 'module "./m.js"');
      const loaded = await catalog.start({ names: ['one', 'three'], config: { three: { greeting: 'hello' }, two: { greeting: 3 } }, logger });
      expect(loaded.names).toEqual(['one', 'three']);
      expect(log).toEqual(['setup one hi', 'setup three hello']);
      expect(logger.lines).toEqual([
        { level: 'info', message: 'ready', meta: { agent: 'one' } },
        { level: 'info', message: 'ready', meta: { agent: 'three' } },
      ]);
      const three = loaded.get('three')!;
      const outcome = await executeAgent(three.agent, jobOf('you'), { signal: new AbortController().signal, logger, deps: three.deps });
      expect(outcome).toEqual({ type: 'succeeded', output: 'hello you' });
      expect(loaded.get('two')).toBeUndefined();
      await Promise.all([loaded.close(), loaded.close()]);
      expect(log).toEqual(['setup one hi', 'setup three hello', 'close three hello', 'close one hi']);
    });

    it('closes every agent although one fails to close, and logs that one', async () => {
      const log: string[] = [];
      const logger = memoryLogger();
      const loaded = await new AgentCatalog().add([tracked('a', log), tracked('b', log, { closeFails: true })], 'm').start({ logger });
      await loaded.close();
      expect(log.slice(2)).toEqual(['close b hi', 'close a hi']);
      expect(logger.lines.at(-1)).toEqual({ level: 'warn', message: 'closing an agent failed', meta: { agent: 'b', error: 'close failed' } });
    });

    it('stops at a failing setup, naming the agent, after closing those set up before it', async () => {
      const log: string[] = [];
      const catalog = new AgentCatalog().add([tracked('a', log), tracked('b', log, { fails: true }), tracked('c', log)], 'module "./m.js"');
      const error = await catch_(catalog.start({ logger: memoryLogger() }));
      expect(error).toBeInstanceOf(AgentLoadError);
      expect(error?.message).toBe('agent "b" (module "./m.js") failed to set up: b cannot connect');
      expect(log).toEqual(['setup a hi', 'setup b hi', 'close a hi']);
    });

    it('refuses a config the agent refuses, before its setup', async () => {
      const log: string[] = [];
      const catalog = new AgentCatalog().add([tracked('a', log)], 'm');
      const error = await catch_(catalog.start({ config: { a: { greeting: 7 } }, logger: memoryLogger() }));
      expect(error).toBeInstanceOf(AgentLoadError);
      expect(error?.message).toBe('invalid config for agent "a": greeting: Expected string, received number (BATON_AGENT_CONFIG)');
      expect(log).toEqual([]);
    });

    it('refuses config entries for agents it does not hold', async () => {
      const catalog = new AgentCatalog().add(builtinAgents, 'built-in');
      const error = await catch_(catalog.start({ config: { 'word-count': {} }, logger: memoryLogger() }));
      expect(error?.message).toBe(`BATON_AGENT_CONFIG has entries for unknown agents: word-count (known: ${builtinNames.join(', ')})`);
    });

    it('gives each setup the shutdown signal', async () => {
      const controller = new AbortController();
      const seen: AbortSignal[] = [];
      const agent = defineAgent({ name: 'sig', input: z.unknown(), setup: (_c, ctx) => void seen.push(ctx.signal), run: () => null });
      await new AgentCatalog().add([agent], 'm').start({ logger: memoryLogger(), signal: controller.signal });
      controller.abort();
      expect(seen.map((s) => s.aborted)).toEqual([true]);
    });
  });
});
