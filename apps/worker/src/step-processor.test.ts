import { defineAgent, type Agent, type AgentContext, type StartedAgent } from '@baton/agents';
import type { RunEvent } from '@baton/engine';
import type { StepJob } from '@baton/queue';
import type { Logger } from '@baton/telemetry';
import { z } from 'zod';
import type { Timers } from './attempt-timers';
import { RunningAttempts } from './running-attempts';
import type { StepMetrics } from './step-metrics';
import { StepProcessor, type StepRuntime } from './step-processor';

/** The runtime port: applied events are recorded (with what `during` saw then); `failing` events reject. */
function fakeRuntime(options: { failing?: (event: RunEvent) => boolean; during?: (event: RunEvent) => void } = {}) {
  const applied: RunEvent[] = [];
  const runtime: StepRuntime = {
    apply: async (_runId, event) => {
      options.during?.(event);
      if (options.failing?.(event)) throw new Error('could not write');
      applied.push(event);
    },
    hydrate: async (v) => (typeof v === 'object' && v !== null && '$ref' in v ? { hydrated: (v as { $ref: string }).$ref } : v),
    offload: async (_runId, v) => (typeof v === 'string' && v.length > 10 ? { $stored: v.length } : v),
  };
  return { applied, runtime };
}

function recordingLogger() {
  const lines: Array<[string, string]> = [];
  const fields: Array<Record<string, unknown>> = [];
  const logger: Logger = {
    debug: (m) => lines.push(['debug', m]),
    info: (m) => lines.push(['info', m]),
    warn: (m) => lines.push(['warn', m]),
    error: (m) => lines.push(['error', m]),
    child: (f) => {
      fields.push(f);
      return logger;
    },
  };
  return { lines, fields, logger };
}

function recordingMetrics() {
  const seen: string[] = [];
  const metrics: StepMetrics = {
    queueWait: (agent, seconds) => seen.push(`wait ${agent} ${seconds >= 5 ? '>=5s' : seconds}`),
    duration: (agent) => seen.push(`duration ${agent}`),
    finished: (agent, status) => seen.push(`finished ${agent} ${status}`),
  };
  return { seen, metrics };
}

/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    setTimeout: (callback, ms) => (pending.set(++next, { callback, ms }), next),
    clearTimeout: (handle) => void pending.delete(handle as number),
  };
  const fire = (ms: number) => {
    for (const [handle, t] of [...pending]) {
      if (t.ms !== ms) continue;
      pending.delete(handle);
      t.callback();
    }
  };
  return { timers, fire, pending };
}

type Ctx = AgentContext<unknown>;
const returning = (result: (ctx: Ctx, input: unknown) => unknown): Agent => defineAgent({ name: 'test', input: z.unknown(), run: (input, ctx) => result(ctx, input) as never });
const served = (agent: Agent, deps?: unknown) => new Map<string, StartedAgent>([[agent.name, { agent, deps, close: async () => undefined }]]);

const job: StepJob = { runId: 'r', key: 'k', attempt: 1, agent: 'test', input: {}, context: {}, tenant: 't' };

function processorFor(agent: Agent, options: { failing?: (event: RunEvent) => boolean; during?: (event: RunEvent) => void; deps?: unknown; running?: RunningAttempts } = {}) {
  const { applied, runtime } = fakeRuntime(options);
  const { lines, fields, logger } = recordingLogger();
  const { seen, metrics } = recordingMetrics();
  const clock = manualTimers();
  const processor = new StepProcessor({ runtime, agents: served(agent, options.deps), logger, metrics, timers: clock.timers, running: options.running });
  return { processor, applied, lines, fields, seen, clock };
}

async function run(agent: Agent, failing?: (event: RunEvent) => boolean) {
  const { processor, applied, lines } = processorFor(agent, { failing });
  const outcome = await processor.process(job).then(() => 'done', (err: Error) => err.message);
  return { applied, lines, outcome };
}

/** A promise and the function that resolves it. */
function later<T = void>() {
  let resolve = (_value: T): void => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a result that cannot be stored fails its step with the reason', () => {
  test.each<[string, Agent, RegExp]>([
    ['a lone surrogate in the output', returning(() => ({ a: ['😀'.slice(0, 1)] })), /^step k: the result cannot be stored: output\.a\[0\] is not well-formed Unicode/],
    ['a NUL in the output', returning(() => 'x\u0000'), /^step k: the result cannot be stored: output holds \\u0000/],
    ['a NUL in a context key', returning((ctx) => { ctx.context.set('k\u0000', 1); return 1; }), /context\["k\\u0000"\] the key holds \\u0000/],
    ['a NUL in a hand-off input', returning((ctx) => ctx.handoff('other', { s: '\u0000' })), /handoff\.input\.s holds \\u0000/],
  ])('%s', async (_what, agent, message) => {
    const { applied, outcome } = await run(agent);
    expect(outcome).toBe('done');
    expect(applied.at(-1)).toEqual({ type: 'step.failed', key: 'k', attempt: 1, retryable: false, error: { code: 'OUTPUT_NOT_STORABLE', message: expect.stringMatching(message) } });
  });

  test('a storable result is applied as it is', async () => {
    const { applied } = await run(returning(() => ({ a: '😀', b: '\\u0000 as text' })));
    expect(applied.at(-1)).toMatchObject({ type: 'step.succeeded', output: { a: '😀', b: '\\u0000 as text' } });
  });
});

test('an error message with a NUL or a lone surrogate is kept, shown as escapes', async () => {
  const { applied } = await run(returning(() => { throw new Error('bad\u0000byte \udc00'); }));
  expect(applied.at(-1)).toMatchObject({ type: 'step.failed', error: { code: 'AGENT_ERROR', message: 'bad\\u0000byte \\udc00' } });
});

test('the runtime is called as an object: a class with methods that use `this` works', async () => {
  class ClassRuntime implements StepRuntime {
    readonly applied: RunEvent[] = [];
    private readonly stored = new Map<string, unknown>([['p1', 'from the store']]);
    async apply(_runId: string, event: RunEvent) {
      this.applied.push(event);
    }
    async hydrate(value: unknown) {
      return typeof value === 'string' && this.stored.has(value) ? this.stored.get(value) : value;
    }
    async offload(_runId: string, value: unknown) {
      return this.stored.size > 0 ? value : undefined;
    }
  }
  const runtime = new ClassRuntime();
  const processor = new StepProcessor({ runtime, agents: served(returning((_ctx, input) => input)), logger: recordingLogger().logger, timers: manualTimers().timers });
  await processor.process({ ...job, input: 'p1' });
  expect(runtime.applied.at(-1)).toEqual({ type: 'step.succeeded', key: 'k', attempt: 1, output: 'from the store' });
});

test('an input that cannot be loaded fails the job, logged as that, with no result', async () => {
  const { applied, runtime } = fakeRuntime();
  const { lines, logger } = recordingLogger();
  const broken: StepRuntime = { ...runtime, hydrate: () => Promise.reject(new Error('payload p1 is gone')) };
  const processor = new StepProcessor({ runtime: broken, agents: served(returning(() => 1)), logger, timers: manualTimers().timers });
  await expect(processor.process(job)).rejects.toThrow('payload p1 is gone');
  expect(applied.map((e) => e.type)).toEqual(['step.started']);
  expect(lines).toEqual([['error', 'running the step failed']]);
});

test('a result that could not be recorded is logged as that, and fails the job', async () => {
  const { lines, outcome } = await run(returning(() => 1), (event) => event.type === 'step.succeeded');
  expect(outcome).toBe('could not write');
  expect(lines).toEqual([['error', 'recording the result failed']]);
});

describe('the start of an attempt', () => {
  test("a quick step's start is recorded with its result, at the time it started", async () => {
    const { processor, applied, seen } = processorFor(returning(() => 'done'));
    await processor.process(job);
    expect(applied).toEqual([{ type: 'step.started', key: 'k', attempt: 1 }, { type: 'step.succeeded', key: 'k', attempt: 1, output: 'done' }]);
    expect(seen).toEqual(['duration test', 'finished test succeeded']);
  });

  test("a slow step's start is recorded when the start delay has passed", async () => {
    const gate = later<string>();
    const { processor, applied, clock } = processorFor(returning(() => gate.promise));
    const processing = processor.process(job);
    await settle();
    expect(applied).toEqual([]);
    clock.fire(20);
    await settle();
    expect(applied).toEqual([{ type: 'step.started', key: 'k', attempt: 1 }]);
    gate.resolve('late');
    await processing;
    expect(applied.map((e) => e.type)).toEqual(['step.started', 'step.succeeded']);
    expect(clock.pending.size).toBe(0);
  });
});

describe('timeouts and cancellation', () => {
  const waitsForAbort = () => returning((ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))));

  test('an attempt past its timeoutMs is aborted and times out', async () => {
    const { processor, applied, seen, clock } = processorFor(waitsForAbort());
    const processing = processor.process({ ...job, timeoutMs: 500 });
    await settle();
    clock.fire(500);
    await processing;
    expect(applied).toEqual([{ type: 'step.started', key: 'k', attempt: 1 }, { type: 'step.timedOut', key: 'k', attempt: 1 }]);
    expect(seen.at(-1)).toBe('finished test timedOut');
  });

  test('a cancelled attempt is aborted and records no result; so is every attempt at shutdown', async () => {
    const { processor, applied, seen } = processorFor(waitsForAbort());
    const cancelled = processor.process(job);
    const other = processor.process({ ...job, key: 'other' });
    await settle();
    processor.abort({ runId: 'r', key: 'nope', attempt: 1 });
    processor.abort({ runId: 'r', key: 'k', attempt: 1 });
    await cancelled;
    expect(applied.map((e) => e.type)).toEqual(['step.started']);
    processor.abortAll();
    await other;
    expect(applied.map((e) => e.type)).toEqual(['step.started', 'step.started']);
    expect(seen.filter((s) => s.startsWith('finished'))).toEqual(['finished test cancelled', 'finished test cancelled']);
  });
});

test('a job for an agent this worker does not serve fails its step at once', async () => {
  const { processor, applied } = processorFor(returning(() => 1));
  await processor.process({ ...job, agent: 'elsewhere' });
  expect(applied).toEqual([
    { type: 'step.started', key: 'k', attempt: 1 },
    { type: 'step.failed', key: 'k', attempt: 1, retryable: false, error: { code: 'UNKNOWN_AGENT', message: 'this worker does not serve agent elsewhere' } },
  ]);
});

test("the agent gets the hydrated input and its setup's deps; a large output is offloaded", async () => {
  const seen: unknown[] = [];
  const agent = returning((ctx, input) => {
    seen.push(input, ctx.deps);
    return 'a long output';
  });
  const { processor, applied } = processorFor(agent, { deps: { client: 'db' } });
  await processor.process({ ...job, input: { $ref: 'p1' } });
  expect(seen).toEqual([{ hydrated: 'p1' }, { client: 'db' }]);
  expect(applied.at(-1)).toEqual({ type: 'step.succeeded', key: 'k', attempt: 1, output: { $stored: 13 } });
});

test('the time a job waited in its queue is measured from when it was ready', async () => {
  const { processor, seen } = processorFor(returning(() => 1));
  await processor.process(job, { readyAt: Date.now() - 5_000 });
  await processor.process(job, { readyAt: Date.now() + 60_000 }); // another host's clock ahead of ours
  expect(seen.filter((s) => s.startsWith('wait'))).toEqual(['wait test >=5s', 'wait test 0']);
});

describe('trace context', () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  test("the attempt's log lines carry its trace, and the jobs its result enqueues continue it", async () => {
    const running = new RunningAttempts();
    const during: Array<string | undefined> = [];
    const { processor, fields } = processorFor(returning(() => 1), { running, during: (event) => during.push(`${event.type} ${running.traceparentOf('r')}`) });
    await processor.process({ ...job, traceparent });
    const spanId = fields[0]?.spanId as string;
    expect(fields).toEqual([{ runId: 'r', stepKey: 'k', attempt: 1, agent: 'test', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
    expect(spanId).not.toBe('00f067aa0ba902b7'); // its own span, a child of the job's
    expect(during).toEqual([`step.started 00-4bf92f3577b34da6a3ce929d0e0e4736-${spanId}-01`, `step.succeeded 00-4bf92f3577b34da6a3ce929d0e0e4736-${spanId}-01`]);
    expect(running.traceparentOf('r')).toBeUndefined();
    expect(running.size).toBe(0);
  });

  test('a job without a valid traceparent logs without one', async () => {
    const { processor, fields } = processorFor(returning(() => 1));
    await processor.process({ ...job, traceparent: 'junk' });
    expect(fields).toEqual([{ runId: 'r', stepKey: 'k', attempt: 1, agent: 'test' }]);
  });
});

describe('progress and usage', () => {
  test('streamed text is applied as step.progress, storable, before the result, which carries the usage', async () => {
    const agent = returning((ctx) => {
      ctx.progress('Hel');
      ctx.progress('lo\u0000');
      ctx.recordUsage({ promptTokens: 3, completionTokens: 2 });
      return 'Hello';
    });
    const { applied } = await run(agent);
    expect(applied.filter((e) => e.type !== 'step.started')).toEqual([
      { type: 'step.progress', key: 'k', attempt: 1, text: 'Hello\\u0000' },
      { type: 'step.succeeded', key: 'k', attempt: 1, output: 'Hello', usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 } },
    ]);
  });

  test('a progress write that fails is logged and dropped; the step goes on', async () => {
    const agent = returning((ctx) => {
      ctx.progress('lost');
      return 1;
    });
    const { applied, lines, outcome } = await run(agent, (event) => event.type === 'step.progress');
    expect(outcome).toBe('done');
    expect(applied.at(-1)).toMatchObject({ type: 'step.succeeded', output: 1 });
    expect(lines).toContainEqual(['warn', 'recording progress failed']);
  });

  test('the job\'s token budget reaches the agent', async () => {
    const seen: unknown[] = [];
    const { processor } = processorFor(returning((ctx) => void seen.push(ctx.tokenBudget)));
    await processor.process({ ...job, tokenBudget: { limit: 10, used: 4 } });
    expect(seen).toEqual([{ limit: 10, used: 4 }]);
  });
});

describe('a delivery that no longer owns its job', () => {
  test('has its result fenced out: nothing applied but the start, counted as fenced, logged', async () => {
    const running = new RunningAttempts();
    const { processor, applied, lines, seen } = processorFor(returning(() => 'late'), { running });
    await processor.process(job, { readyAt: Date.now(), owned: async () => false });
    expect(applied.filter((e) => e.type !== 'step.started')).toEqual([]);
    expect(seen).toContain('finished test fenced');
    expect(lines).toContainEqual(['warn', 'result fenced out: another worker runs this attempt now']);
    expect(running.size).toBe(0);
  });

  test('one that still owns it, or cannot tell in time, records its result', async () => {
    for (const owned of [async () => true, () => new Promise<boolean>(() => undefined)]) {
      const { processor, applied } = processorFor(returning(() => 'mine'));
      await processor.process(job, { owned });
      expect(applied.at(-1)).toMatchObject({ type: 'step.succeeded', output: 'mine' });
    }
  });
});
