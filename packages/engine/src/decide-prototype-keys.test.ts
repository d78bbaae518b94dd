import { compileWorkflow, type StepDefinition, type WorkflowDefinition } from '@baton/workflow';
import { applyDecision } from './apply-decision';
import { decide } from './decide';
import { RunDriver, T0 } from './run-driver.test-helper';
import type { RunState } from './types';

// Validation refuses these step ids; the engine must not depend on it. A definition or a state
// that reaches it anyway (an older row, a crafted call) keeps every step as an own entry.

const step = (id: string, extra: Partial<StepDefinition> = {}): StepDefinition => ({ id, agent: 'echo', needs: [], onFailure: 'fail', ...extra });
const crafted = (steps: StepDefinition[], output?: unknown) =>
  compileWorkflow({ name: 'crafted', steps, ...(output === undefined ? {} : { output }) } as WorkflowDefinition);

describe('step ids that are Object.prototype members', () => {
  test('__proto__ and constructor run as any other step, and their outputs are kept', async () => {
    const workflow = crafted([
      step('__proto__', { input: { n: '{{ $input.n }}' } }),
      step('constructor', { needs: ['__proto__'], input: { got: '{{ $steps.__proto__.output.n }}' } }),
      step('prototype', { needs: ['__proto__'] }),
    ]);
    const d = await RunDriver.submit(workflow, { input: { n: 7 } });
    expect(Object.keys(d.state.steps)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(Object.getPrototypeOf(d.state.steps)).toBe(Object.prototype);
    expect(d.jobs().map((s) => s.key)).toEqual(['__proto__']);
    await d.start('__proto__');
    await d.succeed('__proto__', { n: 7 });
    expect(d.jobs().map((s) => [s.key, s.input])).toEqual([['constructor', { got: 7 }], ['prototype', {}]]);
    await d.succeed('constructor', 'c');
    await d.succeed('prototype', 'p');
    expect(d.state.status).toBe('succeeded');
    expect(Object.entries(d.state.output as object)).toEqual([['constructor', 'c'], ['prototype', 'p']]);
  });

  test('a sink named __proto__ is an own key of the run output', async () => {
    const d = await RunDriver.submit(crafted([step('__proto__')]));
    await d.succeed('__proto__', { x: 1 });
    expect(d.state.status).toBe('succeeded');
    expect(Object.getOwnPropertyDescriptor(d.state.output, '__proto__')?.value).toEqual({ x: 1 });
  });

  test('a state read from JSON (an own __proto__ entry, no constructor entry) decides like any other', async () => {
    const workflow = crafted([step('__proto__'), step('constructor', { needs: ['__proto__'] })]);
    const d = await RunDriver.submit(workflow);
    const state = JSON.parse(JSON.stringify(d.state)) as RunState;
    expect(Object.hasOwn(state.steps, '__proto__')).toBe(true);
    const decision = await decide(workflow, state, { type: 'step.succeeded', key: '__proto__', attempt: 1, output: 1 }, new Date(T0));
    const next = applyDecision(state, decision);
    expect(Object.keys(next.steps)).toEqual(['__proto__', 'constructor']);
    expect([next.steps['__proto__']!.status, next.steps['constructor']!.status]).toEqual(['succeeded', 'queued']);
    // A run missing its `constructor` entry does not find Object's instead.
    delete (state.steps as Record<string, unknown>)['constructor'];
    expect(await decide(workflow, state, { type: 'step.started', key: 'constructor', attempt: 1 }, new Date(T0))).toEqual({ run: {}, steps: [], commands: [] });
  });

  test('context keys __proto__ and constructor are read and written as data', async () => {
    const workflow = crafted([
      step('w'),
      step('r', { needs: ['w'], contextAccess: { read: ['__proto__', 'constructor'] } }),
    ]);
    const d = await RunDriver.submit(workflow);
    const writes = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2}') as Record<string, unknown>;
    await d.succeed('w', null, { contextWrites: writes });
    const [enqueue] = d.commands('enqueue').filter((c) => c.key === 'r');
    expect(Object.getOwnPropertyDescriptor(enqueue!.context, '__proto__')?.value).toEqual({ x: 1 });
    expect(Object.keys(enqueue!.context)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
