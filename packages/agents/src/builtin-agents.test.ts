import { AGENT_NAME as SDK_AGENT_NAME, executeAgent, type Agent, type AgentJob } from '@baton/agent-sdk';
import { AGENT_NAME } from '@baton/workflow';
import { builtinAgents } from './builtin-agents';
import { delayAgent } from './builtins/delay';
import { echoAgent } from './builtins/echo';
import { failAgent } from './builtins/fail';
import { handoffAgent } from './builtins/handoff';
import { transformAgent } from './builtins/transform/transform';
import { jobOf, live, memoryLogger } from '@baton/agent-sdk/testing';

const run = (agent: Agent, input: unknown, over: Partial<AgentJob> = {}) => executeAgent(agent, jobOf(input, over), live());

test('the SDK checks agent names with the language\'s pattern', () => {
  expect(SDK_AGENT_NAME.source).toBe(AGENT_NAME.source);
  expect(SDK_AGENT_NAME.flags).toBe(AGENT_NAME.flags);
});

describe('builtinAgents', () => {
  it('holds the built-in agents, each described', () => {
    expect(builtinAgents.map((a) => a.name)).toEqual(['echo', 'delay', 'fail', 'transform', 'handoff', 'http', 'postgres', 'files', 'publish', 'llm', 'a2a']);
    for (const agent of builtinAgents) expect(agent.description).not.toBe('');
  });
});

describe('echo', () => {
  it.each([{ a: [1, 'b'] }, 'text', 3, null, { handoff: { to: 'billing' } }])('returns %p', async (input) => {
    expect(await run(echoAgent, input)).toEqual({ type: 'succeeded', output: input });
  });
});

describe('delay', () => {
  it('returns value after ms', async () => {
    const started = Date.now();
    expect(await run(delayAgent, { ms: 30, value: { done: true } })).toEqual({ type: 'succeeded', output: { done: true } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('returns its whole input without a value', async () => {
    expect(await run(delayAgent, { ms: 0, note: 'kept' })).toEqual({ type: 'succeeded', output: { ms: 0, note: 'kept' } });
    expect(await run(delayAgent, { ms: 0, value: null })).toEqual({ type: 'succeeded', output: null });
  });

  it('stops at once on abort', async () => {
    // A minute-long wait that ends when aborted: the timer belongs to the signal (node:timers/promises clears it).
    const controller = new AbortController();
    const outcome = executeAgent(delayAgent, jobOf({ ms: 60_000 }), { signal: controller.signal, logger: memoryLogger() });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('run cancelled'));
    expect(await outcome).toEqual({ type: 'failed', error: { code: 'ABORTED', message: 'aborted: run cancelled' }, retryable: true });
  });

  it.each([{}, { ms: -1 }, { ms: 1.5 }, { ms: '10' }, { ms: 2 ** 31 }])('refuses %p', async (input) => {
    expect(await run(delayAgent, input)).toMatchObject({ type: 'failed', error: { code: 'INVALID_INPUT' }, retryable: false });
  });
});

describe('fail', () => {
  it('fails retryably with the default message or the given one', async () => {
    expect(await run(failAgent, {})).toMatchObject({ type: 'failed', error: { code: 'AGENT_ERROR', message: 'failed by the fail agent' }, retryable: true });
    expect(await run(failAgent, { message: 'nope' })).toMatchObject({ error: { message: 'nope' }, retryable: true });
  });

  it('fails the attempts before untilAttempt, then returns its input', async () => {
    const input = { untilAttempt: 3, message: 'not yet', extra: [1] };
    expect(await run(failAgent, input, { attempt: 1 })).toMatchObject({ type: 'failed', error: { message: 'not yet' } });
    expect(await run(failAgent, input, { attempt: 2 })).toMatchObject({ type: 'failed' });
    expect(await run(failAgent, input, { attempt: 3 })).toEqual({ type: 'succeeded', output: input });
    expect(await run(failAgent, input, { attempt: 4 })).toEqual({ type: 'succeeded', output: input });
  });

  it.each([{ untilAttempt: 0 }, { message: 5 }, 'x'])('refuses %p', async (input) => {
    expect(await run(failAgent, input)).toMatchObject({ error: { code: 'INVALID_INPUT' } });
  });
});

describe('transform', () => {
  it('evaluates the JSONata expression over data', async () => {
    const data = { items: [{ price: 2, qty: 3 }, { price: 5, qty: 1 }] };
    expect(await run(transformAgent, { expression: '$sum(items.(price * qty))', data })).toEqual({ type: 'succeeded', output: 11 });
    expect(await run(transformAgent, { expression: 'items[price > 1].price', data })).toEqual({ type: 'succeeded', output: [2, 5] });
    expect(await run(transformAgent, { expression: '{ "n": $count(items) }', data })).toEqual({ type: 'succeeded', output: { n: 2 } });
  });

  it('returns null for no match or no data', async () => {
    expect(await run(transformAgent, { expression: 'missing', data: {} })).toEqual({ type: 'succeeded', output: null });
    expect(await run(transformAgent, { expression: '1 + 1' })).toEqual({ type: 'succeeded', output: 2 });
  });

  it('fails a bad expression without retries, naming the problem', async () => {
    const syntax = await run(transformAgent, { expression: '$sum(', data: {} });
    expect(syntax).toMatchObject({ type: 'failed', error: { code: 'AGENT_ERROR' }, retryable: false });
    expect(syntax.type === 'failed' && syntax.error.message).toMatch(/^invalid expression: .+ \(at \d+\)$/);
    const evaluation = await run(transformAgent, { expression: '"a" + 1', data: {} });
    expect(evaluation).toMatchObject({ type: 'failed', retryable: false });
    expect(evaluation.type === 'failed' && evaluation.error.message).toMatch(/^expression failed: /);
  });

  it('stops an expression that runs past its time limit', async () => {
    const outcome = await run(transformAgent, { expression: '( $f := function($x) { $f($x) }; $f(1) )' });
    expect(outcome).toMatchObject({ type: 'failed', retryable: false });
    expect(outcome.type === 'failed' && outcome.error.message).toMatch(/timeout after 1000 milliseconds/);
  });

  it('reaches no JavaScript: $eval evaluates JSONata, over the data only', async () => {
    expect(await run(transformAgent, { expression: '$eval("process.exit(1)")' })).toEqual({ type: 'succeeded', output: null });
  });

  it.each([{}, { expression: '' }, { expression: 1 }])('refuses %p', async (input) => {
    expect(await run(transformAgent, input)).toMatchObject({ error: { code: 'INVALID_INPUT' } });
  });
});

describe('handoff', () => {
  it('hands off to `to` with input and reason', async () => {
    expect(await run(handoffAgent, { to: 'billing', input: { invoice: 7 }, reason: 'rule 3' })).toEqual({
      type: 'handoff',
      to: 'billing',
      input: { invoice: 7 },
      reason: 'rule 3',
    });
  });

  it('hands off null without an input', async () => {
    expect(await run(handoffAgent, { to: 'billing' })).toEqual({ type: 'handoff', to: 'billing', input: null });
  });

  it.each([{}, { to: '' }, { to: 'Not An Agent' }, { to: 'billing', reason: 3 }])('refuses %p', async (input) => {
    expect(await run(handoffAgent, input)).toMatchObject({ error: { code: 'INVALID_INPUT' } });
  });
});
