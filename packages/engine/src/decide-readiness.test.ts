import type { CompiledWorkflow } from '@baton/workflow';
import { decide } from './decide';
import { initialRun } from './initial-run';
import { RunDriver, T0, workflowOf } from './run-driver.test-helper';
import type { StepState } from './types';

const echo = (id: string, extra: Record<string, unknown> = {}) => ({ id, agent: 'echo', ...extra });

describe('initialRun', () => {
  it('is queued, with an empty context and no steps', () => {
    expect(initialRun({ id: 'r', input: { a: 1 }, priority: 3, now: new Date(T0) })).toEqual({
      id: 'r',
      status: 'queued',
      input: { a: 1 },
      context: {},
      priority: 3,
      createdAt: '2025-01-01T00:00:00.000Z',
      steps: {},
    });
  });
});

describe('run.submitted', () => {
  const workflow = workflowOf([
    echo('a', { input: { text: '{{ $input.text }}' }, timeoutMs: 1000 }),
    { id: 'b', workflow: 'child', needs: ['a'] },
    echo('c', { needs: ['a'], forEach: '{{ [1] }}' }),
    echo('d'),
  ]);

  it('creates a pending entry per step and enqueues the steps without needs; the run stays queued', async () => {
    const d = new RunDriver(workflow, { input: { text: 'hi' }, priority: 7 });
    const decision = await d.send({ type: 'run.submitted' });
    // The inputs given to a and d, {"text":"hi"} and {}, are what the run holds.
    expect(decision.run).toEqual({ usedBytes: 15 });
    expect(d.state.status).toBe('queued');
    expect(Object.values(d.state.steps).map((s) => [s.key, s.agent, s.status, s.attempt])).toEqual([
      ['a', 'echo', 'queued', 1],
      ['b', null, 'pending', 0],
      ['c', null, 'pending', 0],
      ['d', 'echo', 'queued', 1],
    ]);
    expect(d.entry('a')).toMatchObject({ input: { text: 'hi' }, queuedAt: '2025-01-01T00:00:00.000Z' });
    expect(d.commands('enqueue')).toEqual([
      { type: 'enqueue', key: 'a', agent: 'echo', attempt: 1, input: { text: 'hi' }, priority: 7, delayMs: 0, timeoutMs: 1000, context: {} },
      { type: 'enqueue', key: 'd', agent: 'echo', attempt: 1, input: {}, priority: 7, delayMs: 0, context: {} },
    ]);
    expect(d.history()).toEqual(['run.queued', 'step.queued a', 'step.queued d']);
  });

  it('is ignored the second time', async () => {
    const d = await RunDriver.submit(workflow);
    expect(await d.send({ type: 'run.submitted' })).toEqual({ run: {}, steps: [], commands: [] });
  });
});

describe('step.started', () => {
  const workflow = workflowOf([echo('a', { timeoutMs: 1500 }), echo('b')]);

  it('runs the current attempt of a queued entry, sets its deadline and starts the run once', async () => {
    const d = await RunDriver.submit(workflow);
    d.tick(250);
    const decision = await d.start('a');
    expect(decision.run).toEqual({ status: 'running', startedAt: '2025-01-01T00:00:00.250Z' });
    expect(d.entry('a')).toMatchObject({ status: 'running', startedAt: '2025-01-01T00:00:00.250Z', deadlineAt: '2025-01-01T00:00:01.750Z' });
    const second = await d.start('b');
    expect(second.run).toEqual({});
    expect(d.entry('b').deadlineAt).toBeUndefined();
    expect(d.history().slice(-3)).toEqual(['run.started', 'step.started a', 'step.started b']);
  });

  it('records the worker that took the attempt in its event', async () => {
    const d = await RunDriver.submit(workflow);
    const decision = await d.send({ type: 'step.started', key: 'a', attempt: 1, worker: 'worker-7' });
    expect(decision.commands).toContainEqual({ type: 'emit', event: { type: 'step.started', key: 'a', data: { attempt: 1, worker: 'worker-7' } } });
  });

  it.each([
    ['a repeat', { key: 'a', attempt: 1 }, true],
    ['another attempt', { key: 'b', attempt: 2 }, false],
    ['an unknown key', { key: 'zzz', attempt: 1 }, false],
  ])('changes nothing for %s', async (_name, event, startFirst) => {
    const d = await RunDriver.submit(workflow);
    if (startFirst) await d.start('a');
    expect(await d.send({ type: 'step.started', ...event })).toEqual({ run: {}, steps: [], commands: [] });
  });
});

describe('readiness', () => {
  it('starts a join once, after the last of its needs', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a'), echo('b'), echo('c'), echo('join', { needs: ['a', 'b', 'c'] })]));
    await d.succeed('b');
    await d.succeed('a');
    expect(d.status('join')).toBe('pending');
    await d.succeed('c');
    expect(d.status('join')).toBe('queued');
    expect(d.commands('enqueue').filter((c) => c.key === 'join')).toHaveLength(1);
  });

  it('starts a join once when its needs end in the same decision', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a', { when: '{{ false }}' }), echo('b', { when: '{{ false }}' }), echo('join', { needs: ['a', 'b'] })]));
    expect(d.commands('enqueue').map((c) => c.key)).toEqual(['join']);
  });

  it.each<[string, string, (d: RunDriver) => Promise<unknown>, Record<string, unknown>]>([
    ['succeeded', 'queued', (d) => d.succeed('a'), {}],
    ['was skipped by its when', 'queued', async () => undefined, { when: '{{ false }}' }],
    ['failed with onFailure continue', 'queued', (d) => d.fail('a', false), { onFailure: 'continue' }],
    ['failed', 'skipped', (d) => d.fail('a', false), {}],
  ])('a need that %s makes its dependant %s', async (_name, expected, finish, needDef) => {
    const d = await RunDriver.submit(workflowOf([echo('a', needDef), echo('b', { needs: ['a'] })]));
    await finish(d);
    expect(d.status('b')).toBe(expected);
  });

  it('skips the dependants of a failed step transitively, naming the need, and fails the run with its error', async () => {
    const d = await RunDriver.submit(
      workflowOf([echo('a'), echo('b', { needs: ['a'], onFailure: 'continue' }), echo('c', { needs: ['b'] }), echo('d', { needs: ['c'] })]),
    );
    await d.fail('a', false, 'agent broke');
    expect(d.entry('b')).toMatchObject({ status: 'skipped', reason: 'need a failed', error: { code: 'NEED_FAILED', message: 'need a failed' } });
    expect(d.entry('c')).toMatchObject({ status: 'skipped', reason: 'need b failed' });
    expect(d.entry('d')).toMatchObject({ status: 'skipped', reason: 'need c failed' });
    expect(d.state).toMatchObject({ status: 'failed', error: { code: 'AGENT_ERROR', message: 'agent broke', step: 'a' } });
    expect(d.commands('finish')).toEqual([{ type: 'finish', status: 'failed', error: { code: 'AGENT_ERROR', message: 'agent broke', step: 'a' } }]);
  });

  it('names the first need, in definition order, that blocks', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a'), echo('b'), echo('c', { needs: ['b', 'a'] })]));
    await d.fail('a', false);
    await d.fail('b', false);
    expect(d.entry('c').reason).toBe('need b failed');
  });

  it('keeps independent branches going after a failure and fails the run when nothing can progress', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a'), echo('x'), echo('y', { needs: ['x'] }), echo('z', { needs: ['a', 'y'] })]));
    await d.start('x');
    await d.fail('a', false);
    expect(d.state.status).toBe('running');
    expect(d.status('z')).toBe('pending');
    await d.succeed('x');
    expect(d.status('y')).toBe('queued');
    await d.succeed('y');
    expect(d.entry('z').reason).toBe('need a failed');
    expect(d.state).toMatchObject({ status: 'failed', error: { step: 'a' } });
  });

  it('fails the run with the error of the step that failed first, listing every failed step, the definition order breaking ties', async () => {
    const steps = [echo('a'), echo('b'), echo('c'), echo('d', { onFailure: 'continue' })];
    const d = await RunDriver.submit(workflowOf(steps));
    await d.fail('b', false, 'b first');
    d.tick(10);
    await d.fail('a', false, 'a later');
    await d.fail('d', false, 'not counted');
    await d.succeed('c');
    expect(d.state.error).toEqual({
      code: 'AGENT_ERROR',
      message: 'b first',
      step: 'b',
      steps: [
        { step: 'b', code: 'AGENT_ERROR', message: 'b first' },
        { step: 'a', code: 'AGENT_ERROR', message: 'a later' },
      ],
    });

    const tie = await RunDriver.submit(workflowOf(steps));
    await tie.fail('b', false, 'b');
    await tie.fail('a', false, 'a');
    await tie.fail('c', false, 'c');
    await tie.succeed('d');
    expect(tie.state.error).toMatchObject({ message: 'a', step: 'a', steps: [{ step: 'a' }, { step: 'b' }, { step: 'c' }] });
  });

  it('fails the run with one failed step as before: no list', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a'), echo('b')]));
    await d.fail('a', false, 'alone');
    await d.succeed('b');
    expect(d.state.error).toEqual({ code: 'AGENT_ERROR', message: 'alone', step: 'a' });
  });

  it('lets a run whose only failures are onFailure: continue succeed', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a', { onFailure: 'continue' }), echo('b', { needs: ['a'], input: '{{ $steps.a.status }}' })]));
    await d.fail('a', false);
    expect(d.entry('b').input).toBe('failed');
    await d.succeed('b', 'done');
    expect(d.state).toMatchObject({ status: 'succeeded', output: { b: 'done' } });
  });
});

describe('when', () => {
  it.each<[unknown, boolean]>([
    [true, true],
    [false, false],
    [null, false],
    [0, false],
    [1, true],
    ['', false],
    ['no', true],
    [[], false],
    [[0, ''], false],
    [[0, 2], true],
    [{}, false],
    [{ a: 1 }, true],
  ])('%j runs the step: %s', async (value, runs) => {
    const d = await RunDriver.submit(workflowOf([echo('a', { when: '{{ $input.v }}' })]), { input: { v: value } });
    expect(d.status('a')).toBe(runs ? 'queued' : 'skipped');
  });

  it('fails the step on an undefined value, naming the field, and runs nothing', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a', { when: '{{ $input.missing }}' })]));
    expect(d.entry('a')).toMatchObject({
      status: 'failed',
      error: { code: 'EXPRESSION', message: 'step a: steps[0].when: {{ $input.missing }} gave no value; if it may be missing, give a default: {{ $input.missing ?? null }}' },
    });
    expect(d.state).toMatchObject({ status: 'failed', error: { code: 'EXPRESSION', step: 'a' } });
    expect(d.jobs()).toEqual([]);
  });

  it('skips on an optional undefined value, with its reason, and a run of skipped steps succeeds without starting', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a', { when: '{{ $input.missing ?? false }}' })]));
    expect(d.entry('a')).toMatchObject({ status: 'skipped', reason: 'when was false' });
    expect(d.entry('a').error).toBeUndefined();
    expect(d.state).toMatchObject({ status: 'succeeded', output: {} });
    expect(d.state.startedAt).toBeUndefined();
    expect(d.history()).toEqual(['run.queued', 'step.skipped a', 'run.succeeded']);
  });

  it('sees $input, the final steps, $context and $run.id; a step that is not final is not in $steps', async () => {
    const d = await RunDriver.submit(
      workflowOf([
        echo('a'),
        echo('slow'),
        echo('b', {
          needs: ['a'],
          when: "{{ $steps.a.output.go and $steps.a.status = 'succeeded' and $not($exists($steps.slow)) and $context.k = 1 and $run.id = 'run-1' and $input.on }}",
        }),
      ]),
      { input: { on: true } },
    );
    await d.succeed('a', { go: true }, { contextWrites: { k: 1 } });
    expect(d.status('b')).toBe('queued');
  });
});

describe('input resolution', () => {
  it('evaluates the input template when the step is enqueued', async () => {
    const d = await RunDriver.submit(
      workflowOf([
        echo('a'),
        echo('b', { needs: ['a'], input: { whole: '{{ $steps.a.output }}', text: 'run {{ $run.id }}: {{ $input.n }}', ctx: '{{ $context }}', lit: 5 } }),
      ]),
      { input: { n: 2 } },
    );
    await d.succeed('a', [1, 2], { contextWrites: { c: true } });
    expect(d.entry('b').input).toEqual({ whole: [1, 2], text: 'run run-1: 2', ctx: { c: true }, lit: 5 });
  });

  it.each([
    ['input', { input: { x: '{{ 1 + $input.s }}' } }, 'steps[0].input'],
    ['when', { when: '{{ 1 + $input.s }}' }, 'steps[0].when'],
    ['forEach', { forEach: '{{ 1 + $input.s }}' }, 'steps[0].forEach'],
  ])('fails the step at once on a failing %s expression, naming the step and the field', async (_field, def, field) => {
    const d = await RunDriver.submit(workflowOf([echo('a', { ...def, retry: { attempts: 3 } }), echo('b', { needs: ['a'] })]), {
      input: { s: 'x' },
    });
    const a = d.entry('a');
    expect(a).toMatchObject({ status: 'failed', attempt: 0, error: { code: 'EXPRESSION' } });
    expect(a.error!.message).toMatch(new RegExp(`^step a: ${field.replace(/[[\]]/g, '\\$&')}`));
    expect(d.commands('enqueue')).toEqual([]);
    expect(d.status('b')).toBe('skipped');
    expect(d.state).toMatchObject({ status: 'failed', error: { code: 'EXPRESSION', step: 'a' } });
  });

  it('throws what is not an ExpressionError: a bug is not a failed step', async () => {
    const workflow = workflowOf([echo('a')]);
    const broken: CompiledWorkflow = {
      ...workflow,
      steps: new Map([['a', { ...workflow.steps.get('a')!, input: { dynamic: true, secrets: [], evaluate: () => Promise.reject(new TypeError('bug')) } }]]),
    };
    const state = initialRun({ id: 'r', input: {}, priority: 5, now: new Date(T0) });
    await expect(decide(broken, state, { type: 'run.submitted' }, new Date(T0))).rejects.toThrow('bug');
  });
});

describe('run output', () => {
  it('is an object of the sinks that have an output', async () => {
    const d = await RunDriver.submit(
      workflowOf([echo('a'), echo('b', { needs: ['a'] }), echo('c', { needs: ['a'], when: '{{ false }}' }), echo('d', { needs: ['a'], onFailure: 'continue' })]),
    );
    await d.succeed('a', 1);
    await d.fail('d', false);
    await d.succeed('b', 2);
    expect(d.state).toMatchObject({ status: 'succeeded', output: { b: 2 }, finishedAt: '2025-01-01T00:00:00.000Z' });
    expect(d.commands('finish')).toEqual([{ type: 'finish', status: 'succeeded', output: { b: 2 } }]);
    expect(d.history().slice(-2)).toEqual(['step.succeeded b', 'run.succeeded']);
  });

  it('is the output template, over every step and the whole context', async () => {
    const output = "{{ { 'label': $steps.a.output.label, 'skipped': $steps.b.status, 'ctx': $context.secret } }}";
    const d = await RunDriver.submit(
      workflowOf([echo('a', { contextAccess: { read: [] } }), echo('b', { when: '{{ false }}' })], output),
    );
    await d.succeed('a', { label: 'x' }, { contextWrites: { secret: 's' } });
    expect(d.state.output).toEqual({ label: 'x', skipped: 'skipped', ctx: 's' });
  });

  it('fails the run when the output template fails', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a')], '{{ 1 + $steps.a.output }}'));
    await d.succeed('a', 'text');
    expect(d.state.status).toBe('failed');
    expect(d.state.error).toMatchObject({ code: 'EXPRESSION', message: expect.stringMatching(/^output: /) });
    expect(d.state.error!.step).toBeUndefined();
  });

  it('throws what is not an ExpressionError', async () => {
    const workflow = workflowOf([echo('a', { when: '{{ false }}' })]);
    const broken: CompiledWorkflow = { ...workflow, output: { dynamic: true, secrets: [], evaluate: () => Promise.reject(new RangeError('bug')) } };
    const state = initialRun({ id: 'r', input: {}, priority: 5, now: new Date(T0) });
    await expect(decide(broken, state, { type: 'run.submitted' }, new Date(T0))).rejects.toThrow(RangeError);
  });
});

describe('decide', () => {
  it('leaves the state it is given as it was, and decides the same way twice', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a'), echo('b', { needs: ['a'], forEach: '{{ [1, 2] }}' })]));
    const before = structuredClone(d.state);
    const event = { type: 'step.succeeded' as const, key: 'a', attempt: 1, output: 1, contextWrites: { k: 1 } };
    const first = await decide(d.workflow, d.state, event, d.now());
    const second = await decide(d.workflow, d.state, event, d.now());
    expect(d.state).toEqual(before);
    expect(second).toEqual(first);
    const changed: StepState[] = first.steps;
    expect(changed.map((s) => s.key)).toEqual(['a', 'b', 'b[0]', 'b[1]']);
  });

  it('reports only what changed: the steps touched and the run fields set', async () => {
    const d = await RunDriver.submit(workflowOf([echo('a'), echo('b'), echo('c')]));
    const decision = await d.succeed('b', 'x');
    expect(decision.steps.map((s) => s.key)).toEqual(['b']);
    // Three inputs {} and the output "x".
    expect(decision.run).toEqual({ status: 'running', startedAt: '2025-01-01T00:00:00.000Z', usedBytes: 9 });
  });
});
