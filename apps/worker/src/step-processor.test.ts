import { defineAgent, type Agent } from '@baton/agents';
import type { RunEvent } from '@baton/engine';
import type { StepJob } from '@baton/queue';
import type { Runtime } from '@baton/runtime';
import type { Logger } from '@baton/telemetry';
import { z } from 'zod';
import { StepProcessor } from './step-processor';

/** The runtime port the processor uses: applied events are recorded; `failing` events reject. */
function fakeRuntime(failing: (event: RunEvent) => boolean = () => false) {
  const applied: RunEvent[] = [];
  const runtime = {
    apply: async (_runId: string, event: RunEvent) => {
      if (failing(event)) throw new Error('could not write');
      applied.push(event);
    },
    payloads: { hydrate: async (v: unknown) => v, offload: async (_runId: string, v: unknown) => v },
  };
  return { applied, runtime: runtime as unknown as Runtime };
}

function recordingLogger() {
  const lines: Array<[string, string]> = [];
  const logger: Logger = {
    debug: (m) => lines.push(['debug', m]),
    info: (m) => lines.push(['info', m]),
    warn: (m) => lines.push(['warn', m]),
    error: (m) => lines.push(['error', m]),
    child: () => logger,
  };
  return { lines, logger };
}

const returning = (result: (ctx: { handoff: (to: string, input?: unknown) => unknown; context: { set(k: string, v: unknown): void } }) => unknown): Agent =>
  defineAgent({ name: 'test', input: z.unknown(), run: (_input, ctx) => result(ctx) as never });

const job: StepJob = { runId: 'r', key: 'k', attempt: 1, agent: 'test', input: {}, context: {}, tenant: 't' };

async function run(agent: Agent, failing?: (event: RunEvent) => boolean) {
  const { applied, runtime } = fakeRuntime(failing);
  const { lines, logger } = recordingLogger();
  const processor = new StepProcessor({ runtime, agents: new Map([['test', agent]]), logger });
  const outcome = await processor.process(job).then(() => 'done', (err: Error) => err.message);
  return { applied, lines, outcome };
}

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

test('a result that could not be recorded is logged as that, and fails the job', async () => {
  const { lines, outcome } = await run(returning(() => 1), (event) => event.type === 'step.succeeded');
  expect(outcome).toBe('could not write');
  expect(lines).toEqual([['error', 'recording the result failed']]);
});
