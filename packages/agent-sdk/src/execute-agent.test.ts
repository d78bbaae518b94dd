import { z } from 'zod';
import { defineAgent, type AgentContext } from './agent';
import { executeAgent } from './execute-agent';
import { Handoff } from './handoff';
import { NonRetryableError } from './non-retryable-error';
import { jobOf, live, memoryLogger } from './testing';

const returning = (fn: (input: unknown, ctx: AgentContext) => unknown) => defineAgent({ name: 'test', input: z.unknown(), run: fn });

describe('executeAgent', () => {
  it('succeeds with the output, made JSON', async () => {
    const at = new Date('2025-01-02T03:04:05.000Z');
    const agent = returning(() => ({ at, gone: undefined, n: 1, list: [undefined] }));
    expect(await executeAgent(agent, jobOf(null), live())).toEqual({ type: 'succeeded', output: { at: '2025-01-02T03:04:05.000Z', n: 1, list: [null] } });
  });

  it.each([undefined, () => 1])('turns %p into null', async (value) => {
    expect(await executeAgent(returning(() => value), jobOf(null), live())).toEqual({ type: 'succeeded', output: null });
  });

  it('passes the parsed input and the step to the agent', async () => {
    const seen: unknown[] = [];
    const logger = memoryLogger();
    const agent = defineAgent({
      name: 'test',
      input: z.object({ n: z.coerce.number() }),
      run: (input, ctx) => {
        seen.push(input, ctx.runId, ctx.key, ctx.attempt, ctx.signal.aborted);
        ctx.logger.info('working', { n: input.n });
        return input.n * 2;
      },
    });
    const outcome = await executeAgent(agent, jobOf({ n: '21', extra: true }, { runId: 'r9', key: 'k[1]', attempt: 3 }), { signal: new AbortController().signal, logger });
    expect(outcome).toEqual({ type: 'succeeded', output: 42 });
    expect(seen).toEqual([{ n: 21 }, 'r9', 'k[1]', 3, false]);
    expect(logger.lines).toEqual([{ level: 'info', message: 'working', meta: { n: 21 } }]);
  });

  it('fails an input the schema refuses, listing every issue, without retries', async () => {
    const agent = defineAgent({ name: 'strict', input: z.object({ a: z.string(), b: z.object({ c: z.number() }) }), run: () => 'never' });
    const outcome = await executeAgent(agent, jobOf({ a: 1, b: { c: 'x' } }), live());
    expect(outcome).toEqual({
      type: 'failed',
      error: { code: 'INVALID_INPUT', message: 'invalid input for agent "strict": a: Expected string, received number; b.c: Expected number, received string' },
      retryable: false,
    });
    const whole = await executeAgent(agent, jobOf('text'), live());
    expect(whole.type === 'failed' && whole.error.message).toBe('invalid input for agent "strict": (input): Expected object, received string');
  });

  it('fails retryably when the agent throws, keeping what it threw for logs', async () => {
    const boom = new Error('boom');
    expect(await executeAgent(returning(() => Promise.reject(boom)), jobOf(null), live())).toEqual({
      type: 'failed',
      error: { code: 'AGENT_ERROR', message: 'boom' },
      retryable: true,
      cause: boom,
    });
    const sync = await executeAgent(returning(() => { throw 'plain'; }), jobOf(null), live());
    expect(sync).toMatchObject({ type: 'failed', error: { code: 'AGENT_ERROR', message: 'plain' }, retryable: true });
  });

  it('fails without retries on a NonRetryableError, also one from another copy of the package', async () => {
    const outcome = await executeAgent(returning(() => { throw new NonRetryableError('bad key'); }), jobOf(null), live());
    expect(outcome).toMatchObject({ type: 'failed', error: { code: 'AGENT_ERROR', message: 'bad key' }, retryable: false });
    const coded = await executeAgent(returning(() => { throw new NonRetryableError('bad key', { code: 'BAD_CREDENTIALS' }); }), jobOf(null), live());
    expect(coded).toMatchObject({ type: 'failed', error: { code: 'BAD_CREDENTIALS', message: 'bad key' }, retryable: false });
    const foreign = Object.assign(new Error('foreign'), { [Symbol.for('baton.agents.NonRetryableError')]: true });
    expect(await executeAgent(returning(() => { throw foreign; }), jobOf(null), live())).toMatchObject({ retryable: false });
  });

  it('fails an output JSON cannot hold, without retries', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [10n, cyclic]) {
      const outcome = await executeAgent(returning(() => value), jobOf(null), live());
      expect(outcome).toMatchObject({ type: 'failed', error: { code: 'INVALID_OUTPUT' }, retryable: false });
    }
  });

  describe('abort', () => {
    it('does not start an agent whose signal is already aborted', async () => {
      let ran = false;
      const controller = new AbortController();
      controller.abort();
      const outcome = await executeAgent(returning(() => (ran = true)), jobOf(null), { signal: controller.signal, logger: memoryLogger() });
      expect(outcome).toEqual({ type: 'failed', error: { code: 'ABORTED', message: 'aborted: This operation was aborted' }, retryable: true });
      expect(ran).toBe(false);
    });

    it('answers at once, even when the agent ignores the signal', async () => {
      let finish = (): void => undefined;
      const agent = returning(() => new Promise<string>((resolve) => (finish = () => resolve('late'))));
      const outcome = executeAgent(agent, jobOf(null), { signal: AbortSignal.timeout(20), logger: memoryLogger() });
      expect(await outcome).toEqual({ type: 'failed', error: { code: 'ABORTED', message: 'aborted: The operation was aborted due to timeout' }, retryable: true });
      finish();
    });

    it('reports ABORTED when the agent rejects because of the abort', async () => {
      const controller = new AbortController();
      const agent = returning((_input, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped')))));
      const outcome = executeAgent(agent, jobOf(null), { signal: controller.signal, logger: memoryLogger() });
      controller.abort('run cancelled');
      expect(await outcome).toEqual({ type: 'failed', error: { code: 'ABORTED', message: 'aborted: run cancelled' }, retryable: true });
    });

    it('keeps a success that came before the abort', async () => {
      const controller = new AbortController();
      const outcome = await executeAgent(returning(() => 'done'), jobOf(null), { signal: controller.signal, logger: memoryLogger() });
      controller.abort();
      expect(outcome).toEqual({ type: 'succeeded', output: 'done' });
    });
  });

  describe('context', () => {
    it('reads only the keys given to the step and returns the writes with a success', async () => {
      const seen: unknown[] = [];
      const agent = returning((_input, ctx) => {
        seen.push(ctx.context.get('lang'), ctx.context.get('secret'), ctx.context.get('toString'), ctx.context.keys());
        ctx.context.set('lang', 'fr');
        ctx.context.set('seenAt', new Date('2025-01-01T00:00:00.000Z'));
        ctx.context.set('nothing', undefined);
        seen.push(ctx.context.get('lang'), ctx.context.keys());
        return 'ok';
      });
      const outcome = await executeAgent(agent, jobOf(null, { context: { lang: 'en', tier: 2 } }), live());
      expect(seen).toEqual(['en', undefined, undefined, ['lang', 'tier'], 'fr', ['lang', 'tier', 'seenAt', 'nothing']]);
      expect(outcome).toEqual({ type: 'succeeded', output: 'ok', contextWrites: { lang: 'fr', seenAt: '2025-01-01T00:00:00.000Z', nothing: null } });
    });

    it('drops the writes of a failed attempt', async () => {
      const agent = returning((_input, ctx) => {
        ctx.context.set('a', 1);
        throw new Error('no');
      });
      const outcome = await executeAgent(agent, jobOf(null), live());
      expect(outcome).not.toHaveProperty('contextWrites');
    });

    it('refuses a value JSON cannot hold, and an empty key, without retries', async () => {
      for (const write of [(ctx: AgentContext) => ctx.context.set('n', 1n), (ctx: AgentContext) => ctx.context.set('', 1)]) {
        const outcome = await executeAgent(returning((_input, ctx) => write(ctx)), jobOf(null), live());
        expect(outcome).toMatchObject({ type: 'failed', error: { code: 'AGENT_ERROR' }, retryable: false });
      }
    });
  });

  describe('handoff', () => {
    it('hands off with the given input and reason, and the writes', async () => {
      const agent = returning((_input, ctx) => {
        ctx.context.set('routed', true);
        return ctx.handoff('billing', { invoice: 7, at: new Date(0) }, 'asks about an invoice');
      });
      expect(await executeAgent(agent, jobOf({ text: 'hi' }), live())).toEqual({
        type: 'handoff',
        to: 'billing',
        input: { invoice: 7, at: '1970-01-01T00:00:00.000Z' },
        reason: 'asks about an invoice',
        contextWrites: { routed: true },
      });
    });

    it('passes the input it received when given none', async () => {
      const outcome = await executeAgent(returning(async (_input, ctx) => ctx.handoff('billing')), jobOf({ text: 'hi' }), live());
      expect(outcome).toEqual({ type: 'handoff', to: 'billing', input: { text: 'hi' } });
    });

    it('is a typed result: an output that looks like a hand-off is just an output', async () => {
      const outcome = await executeAgent(returning(() => ({ handoff: { to: 'billing' } })), jobOf(null), live());
      expect(outcome).toEqual({ type: 'succeeded', output: { handoff: { to: 'billing' } } });
      const nested = await executeAgent(returning(() => ({ next: new Handoff('billing', null) })), jobOf(null), live());
      expect(nested).toEqual({ type: 'succeeded', output: { next: { to: 'billing', input: null } } });
    });

    it('needs an agent to hand off to', async () => {
      const outcome = await executeAgent(returning((_input, ctx) => ctx.handoff('')), jobOf(null), live());
      expect(outcome).toMatchObject({ type: 'failed', error: { code: 'AGENT_ERROR' }, retryable: false });
    });

    it('fails a hand-off input JSON cannot hold', async () => {
      const outcome = await executeAgent(returning((_input, ctx) => ctx.handoff('billing', 1n)), jobOf(null), live());
      expect(outcome).toMatchObject({ type: 'failed', error: { code: 'INVALID_OUTPUT' }, retryable: false });
    });
  });

  describe('progress, usage and the token budget', () => {
    it('passes progress text on, drops empty text, and reports the usage with the outcome', async () => {
      const texts: string[] = [];
      const agent = returning((_input, ctx) => {
        ctx.progress('Hel');
        ctx.progress('');
        ctx.progress('lo');
        ctx.recordUsage({ promptTokens: 10, completionTokens: 2 });
        ctx.recordUsage({ promptTokens: 1, completionTokens: 1, totalTokens: 3 });
        return 'Hello';
      });
      const outcome = await executeAgent(agent, jobOf(null), { ...live(), onProgress: (t) => texts.push(t) });
      expect(texts).toEqual(['Hel', 'lo']);
      expect(outcome).toEqual({ type: 'succeeded', output: 'Hello', usage: { promptTokens: 11, completionTokens: 3, totalTokens: 15 } });
    });

    it('keeps the usage of an attempt that fails or hands off, and gives progress nowhere without a listener', async () => {
      const failing = returning((_input, ctx) => {
        ctx.progress('x');
        ctx.recordUsage({ promptTokens: 4, completionTokens: 0 });
        throw new Error('model said no');
      });
      expect(await executeAgent(failing, jobOf(null), live())).toMatchObject({ type: 'failed', retryable: true, usage: { promptTokens: 4, completionTokens: 0, totalTokens: 4 } });
      const routing = returning((_input, ctx) => {
        ctx.recordUsage({ promptTokens: 1, completionTokens: 1 });
        return ctx.handoff('billing');
      });
      expect(await executeAgent(routing, jobOf(null), live())).toMatchObject({ type: 'handoff', to: 'billing', usage: { totalTokens: 2 } });
    });

    it.each([{ promptTokens: -1, completionTokens: 0 }, { promptTokens: 1.5, completionTokens: 0 }, { promptTokens: 1, completionTokens: 1, totalTokens: -2 }, undefined])(
      'refuses usage %p',
      async (bad) => {
        const outcome = await executeAgent(returning((_input, ctx) => ctx.recordUsage(bad as never)), jobOf(null), live());
        expect(outcome).toMatchObject({ type: 'failed', retryable: false, error: { message: expect.stringContaining('ctx.recordUsage needs') } });
      },
    );

    it('gives the agent the run’s token budget, and none without one', async () => {
      const seen: unknown[] = [];
      const agent = returning((_input, ctx) => void seen.push(ctx.tokenBudget));
      await executeAgent(agent, jobOf(null, { tokenBudget: { limit: 100, used: 40 } }), live());
      await executeAgent(agent, jobOf(null), live());
      expect(seen).toEqual([{ limit: 100, used: 40 }, undefined]);
    });
  });
});
