import { z } from 'zod';
import { defineAgent } from './agent';
import { executeAgent } from './execute-agent';
import { AgentConfigError, startAgent } from './start-agent';
import { jobOf, memoryLogger } from './testing';

const setupContext = () => ({ logger: memoryLogger(), signal: new AbortController().signal });

describe('startAgent', () => {
  const counter = (log: string[]) =>
    defineAgent({
      name: 'counter',
      input: z.object({ by: z.number().default(1) }),
      config: z.object({ start: z.number().int().default(0), label: z.string().optional() }),
      setup: async (config, ctx) => {
        ctx.logger.info('setting up', { start: config.start });
        log.push(`setup ${config.start}`);
        return { total: config.start, label: config.label ?? 'n' };
      },
      close: (deps) => void log.push(`close ${deps.total}`),
      run: (input, ctx) => {
        ctx.deps.total += input.by;
        return `${ctx.deps.label}=${ctx.deps.total}`;
      },
    });

  it('parses the config, runs setup once, and gives run its result as ctx.deps', async () => {
    const log: string[] = [];
    const started = await startAgent(counter(log), { start: 40 }, setupContext());
    expect(started.deps).toEqual({ total: 40, label: 'n' });
    const options = { signal: new AbortController().signal, logger: memoryLogger(), deps: started.deps };
    expect(await executeAgent(started.agent, jobOf({ by: 1 }), options)).toEqual({ type: 'succeeded', output: 'n=41' });
    expect(await executeAgent(started.agent, jobOf({}), options)).toEqual({ type: 'succeeded', output: 'n=42' });
    await Promise.all([started.close(), started.close()]);
    expect(log).toEqual(['setup 40', 'close 42']);
  });

  it('parses a missing config as {}, so that defaults apply', async () => {
    const started = await startAgent(counter([]), undefined, setupContext());
    expect(started.deps).toEqual({ total: 0, label: 'n' });
  });

  it('refuses a config the schema refuses, naming the agent and every problem, before setup', async () => {
    const log: string[] = [];
    const error = await startAgent(counter(log), { start: 1.5, label: 3 }, setupContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentConfigError);
    expect((error as AgentConfigError).agent).toBe('counter');
    expect((error as Error).message).toBe('invalid config for agent "counter": start: Expected integer, received float; label: Expected string, received number');
    const whole = await startAgent(counter(log), 'text', setupContext()).catch((e: Error) => e.message);
    expect(whole).toBe('invalid config for agent "counter": (config): Expected object, received string');
    expect(log).toEqual([]);
  });

  it('passes the config as it is to an agent without a schema, and rejects with what setup threw', async () => {
    const seen: unknown[] = [];
    const raw = defineAgent({ name: 'raw', input: z.unknown(), setup: (config) => void seen.push(config), run: () => null });
    await startAgent(raw, { any: ['thing'] }, setupContext());
    expect(seen).toEqual([{ any: ['thing'] }]);
    const boom = new Error('no connection');
    const failing = defineAgent({ name: 'failing', input: z.unknown(), setup: () => Promise.reject(boom), run: () => null });
    await expect(startAgent(failing, undefined, setupContext())).rejects.toBe(boom);
  });

  it('starts an agent without setup: deps undefined, close does nothing', async () => {
    const plain = defineAgent({ name: 'plain', input: z.unknown(), run: (_input, ctx) => ctx.deps === undefined });
    const started = await startAgent(plain, undefined, setupContext());
    expect(started.deps).toBeUndefined();
    expect(await executeAgent(started.agent, jobOf(null), { signal: new AbortController().signal, logger: memoryLogger() })).toEqual({ type: 'succeeded', output: true });
    await expect(started.close()).resolves.toBeUndefined();
  });

  it('gives setup the signal that shutdown aborts', async () => {
    const controller = new AbortController();
    const waiting = defineAgent({
      name: 'waiting',
      input: z.unknown(),
      setup: (_config, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('gave up')))),
      run: () => null,
    });
    const started = startAgent(waiting, undefined, { logger: memoryLogger(), signal: controller.signal });
    controller.abort();
    await expect(started).rejects.toThrow('gave up');
  });
});
