import { RunDriver, workflowOf } from './run-driver.test-helper';
import type { RunEvent } from './types';

const EMPTY = { run: {}, steps: [], commands: [] };

describe('run.cancelled', () => {
  const workflow = workflowOf([
    { id: 'done', agent: 'echo' },
    { id: 'busy', agent: 'echo' },
    { id: 'waiting', agent: 'echo', needs: ['done'] },
    { id: 'later', agent: 'echo', needs: ['waiting'] },
    { id: 'each', agent: 'echo', forEach: '{{ [1, 2] }}', concurrency: 1 },
    { id: 'router', agent: 'router', handoffs: ['tech'] },
  ]);

  it('cancels every entry that is not final, stops the workers that hold one, and ends the run', async () => {
    const d = await RunDriver.submit(workflow);
    await d.succeed('done');
    await d.start('busy');
    await d.succeed('router', undefined, { handoff: { to: 'tech' } });
    d.tick(5);
    const decision = await d.send({ type: 'run.cancelled', reason: 'operator said so' });
    expect(decision.commands.filter((c) => c.type !== 'emit')).toEqual([
      { type: 'cancel', key: 'busy', attempt: 1 },
      { type: 'cancel', key: 'waiting', attempt: 1 },
      { type: 'cancel', key: 'each[0]', attempt: 1 },
      { type: 'cancel', key: 'router>handoff:1', attempt: 1 },
      { type: 'finish', status: 'cancelled', error: { code: 'CANCELLED', message: 'operator said so' } },
    ]);
    for (const key of ['busy', 'waiting', 'later', 'each', 'each[0]', 'each[1]', 'router', 'router>handoff:1']) {
      expect(d.entry(key)).toMatchObject({ status: 'cancelled', reason: 'operator said so', finishedAt: '2025-01-01T00:00:00.005Z' });
    }
    expect(d.status('done')).toBe('succeeded');
    expect(d.state).toMatchObject({ status: 'cancelled', finishedAt: '2025-01-01T00:00:00.005Z', error: { code: 'CANCELLED' } });
    expect(d.history().slice(-1)).toEqual(['run.cancelled']);
  });

  it.each<[string, RunEvent]>([
    ['a second cancel', { type: 'run.cancelled' }],
    ['a result', { type: 'step.succeeded', key: 'busy', attempt: 1 }],
    ['a start', { type: 'step.started', key: 'busy', attempt: 1 }],
    ['a retry', { type: 'run.retried' }],
    ['a submission', { type: 'run.submitted' }],
  ])('then ignores %s', async (_name, event) => {
    const d = await RunDriver.submit(workflow);
    await d.send({ type: 'run.cancelled' });
    expect(d.state.error).toEqual({ code: 'CANCELLED', message: 'run cancelled' });
    expect(await d.send(event)).toEqual(EMPTY);
  });

  it('is ignored by a finished run', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }]));
    await d.succeed('a');
    expect(await d.send({ type: 'run.cancelled' })).toEqual(EMPTY);
  });
});

describe('run.retried', () => {
  it('re-runs the failed and skipped steps of a failed run, keeping the succeeded ones and counting attempts on', async () => {
    const d = await RunDriver.submit(
      workflowOf([
        { id: 'ok', agent: 'echo' },
        { id: 'flaky', agent: 'fail', needs: ['ok'], retry: { attempts: 2 }, input: { untilAttempt: 3 } },
        { id: 'next', agent: 'echo', needs: ['flaky'], input: '{{ $steps.flaky.output }}' },
      ]),
    );
    await d.succeed('ok', 'kept');
    await d.fail('flaky');
    await d.fail('flaky');
    expect(d.state.status).toBe('failed');
    expect(d.entry('next').status).toBe('skipped');
    d.tick(1000);

    const decision = await d.send({ type: 'run.retried' });
    // The re-run's input is evaluated again: 26 bytes before, 18 more.
    expect(decision.run).toStrictEqual({ status: 'running', finishedAt: undefined, error: undefined, usedBytes: 44 });
    expect('finishedAt' in d.state || 'error' in d.state).toBe(false);
    expect(d.entry('ok')).toMatchObject({ status: 'succeeded', output: 'kept' });
    expect(d.entry('flaky')).toMatchObject({ status: 'queued', attempt: 3 });
    expect(d.entry('flaky').error).toBeUndefined();
    expect(d.entry('next')).toEqual({ key: 'next', stepId: 'next', agent: 'echo', status: 'pending', attempt: 0 });
    expect(d.commands('enqueue').at(-1)).toMatchObject({ key: 'flaky', attempt: 3, delayMs: 0 });
    expect(d.history().slice(-2)).toEqual(['run.retried', 'step.queued flaky']);

    await d.succeed('flaky', 'third time');
    await d.succeed('next', 'end');
    expect(d.state).toMatchObject({ status: 'succeeded', output: { next: 'end' }, finishedAt: '2025-01-01T00:00:01.000Z' });
  });

  it.each([
    ['running', false],
    ['succeeded', true],
  ])('changes nothing on a %s run', async (_status, finish) => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }]));
    if (finish) await d.succeed('a');
    expect(await d.send({ type: 'run.retried' })).toEqual(EMPTY);
  });

  it('re-evaluates the outcome of a run whose output failed, with nothing else to re-run', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }], '{{ $error(\'no\') }}'));
    await d.succeed('a');
    expect(d.state.status).toBe('failed');
    const retried = await d.send({ type: 'run.retried' });
    expect(retried.run).toMatchObject({ status: 'failed' });
    expect(d.state).toMatchObject({ status: 'failed', error: { code: 'EXPRESSION' } });
  });

  it('gives a re-run step a fresh budget of retry.attempts, its attempt numbers and backoff going on from there', async () => {
    const backoff = { type: 'exponential' as const, delayMs: 100 };
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'fail', retry: { attempts: 3, backoff } }, { id: 'b', agent: 'fail', retry: { attempts: 3 } }]));
    for (let n = 1; n <= 3; n++) await d.fail('a');
    await d.fail('b', false); // non-retryable at its first attempt
    expect(d.state.status).toBe('failed');

    await d.send({ type: 'run.retried' });
    expect(d.entry('a')).toMatchObject({ status: 'queued', attempt: 4, priorAttempts: 3 });
    expect(d.entry('b')).toMatchObject({ status: 'queued', attempt: 2, priorAttempts: 1 });
    await d.fail('a');
    await d.fail('a');
    expect(d.commands('enqueue').filter((c) => c.key === 'a').map((c) => [c.attempt, c.delayMs])).toEqual([
      [1, 0], [2, 100], [3, 200], [4, 0], [5, 100], [6, 200],
    ]);
    await d.fail('a');
    expect(d.entry('a')).toMatchObject({ status: 'failed', attempt: 6 });
    for (let n = 2; n <= 4; n++) await d.fail('b');
    expect(d.entry('b')).toMatchObject({ status: 'failed', attempt: 4 });

    // A second retry: three more each, counting from where they stopped.
    await d.send({ type: 'run.retried' });
    expect(d.entry('a')).toMatchObject({ status: 'queued', attempt: 7, priorAttempts: 6 });
    await d.succeed('a', 'seventh');
    expect(d.entry('a')).toMatchObject({ status: 'succeeded', attempt: 7, priorAttempts: 6 });
  });

  it('re-runs the unfinished children of a forEach and keeps the succeeded ones', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'each', agent: 'echo', forEach: '{{ [1, 2, 3, 4] }}', concurrency: 2 }]));
    await d.succeed('each[0]', 'a');
    await d.start('each[2]');
    await d.fail('each[1]', false);
    expect(['each[0]', 'each[1]', 'each[2]', 'each[3]'].map((k) => d.status(k))).toEqual(['succeeded', 'failed', 'cancelled', 'skipped']);

    await d.send({ type: 'run.retried' });
    expect(d.entry('each')).toMatchObject({ status: 'running', items: [1, 2, 3, 4], childrenSucceeded: 1 });
    expect(d.jobs().map((j) => [j.key, j.attempt])).toEqual([
      ['each[1]', 2],
      ['each[2]', 2],
    ]);
    await d.succeed('each[1]', 'b');
    await d.succeed('each[2]', 'c');
    await d.succeed('each[3]', 'd');
    expect(d.state).toMatchObject({ status: 'succeeded', output: { each: ['a', 'b', 'c', 'd'] } });
  });

  it('restarts a failed hand-off chain from its root, the hops counting their attempts on', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'r', agent: 'router', handoffs: ['tech', 'billing'] }]));
    await d.succeed('r', undefined, { handoff: { to: 'tech' } });
    await d.succeed('r>handoff:1', undefined, { handoff: { to: 'billing' } });
    await d.fail('r>handoff:2', false);
    expect(d.state.status).toBe('failed');

    await d.send({ type: 'run.retried' });
    expect(d.entry('r')).toMatchObject({ status: 'queued', attempt: 2 });
    expect(d.entry('r').handoff).toBeUndefined();
    for (const key of ['r>handoff:1', 'r>handoff:2']) expect(d.entry(key)).toMatchObject({ status: 'skipped', reason: 'hand-off chain restarted' });
    await d.succeed('r', undefined, { handoff: { to: 'billing' } });
    expect(d.entry('r>handoff:1')).toMatchObject({ status: 'queued', attempt: 2, priorAttempts: 1, agent: 'billing' });
    expect(d.entry('r>handoff:2').status).toBe('skipped');
    await d.fail('r>handoff:1', false);

    // The root failing on its own leaves the set-aside hops as they are.
    await d.send({ type: 'run.retried' });
    await d.fail('r', false);
    const decision = await d.send({ type: 'run.retried' });
    expect(decision.steps.map((s) => s.key)).toEqual(['r']);
    await d.succeed('r', 'direct');
    expect(d.state).toMatchObject({ status: 'succeeded', output: { r: 'direct' } });
  });

  it('keeps the chain of a root that succeeded', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'r', agent: 'router', handoffs: ['tech'] }, { id: 'x', agent: 'echo' }]));
    await d.succeed('r', undefined, { handoff: { to: 'tech' } });
    await d.succeed('r>handoff:1', 'hop');
    await d.fail('x', false);
    const decision = await d.send({ type: 'run.retried' });
    expect(decision.steps.map((s) => s.key)).toEqual(['x']);
  });

  it('re-evaluates a step skipped by its when, and skips the rest of a re-run forEach whose need now fails', async () => {
    const d = await RunDriver.submit(
      workflowOf([
        { id: 'gate', agent: 'echo', when: '{{ $context.go ?? false }}' },
        { id: 'setter', agent: 'echo' },
        { id: 'each', agent: 'echo', needs: ['gate'], forEach: '{{ [1, 2] }}', concurrency: 1 },
      ]),
    );
    expect(d.status('gate')).toBe('skipped');
    await d.succeed('setter', 1, { contextWrites: { go: true } });
    await d.succeed('each[0]');
    await d.fail('each[1]', false);
    expect(d.state.status).toBe('failed');

    await d.send({ type: 'run.retried' });
    expect(d.status('gate')).toBe('queued');
    expect(d.status('each')).toBe('pending');
    await d.fail('gate', false);
    expect(d.entry('each')).toMatchObject({ status: 'skipped', reason: 'need gate failed' });
    expect(d.status('each[0]')).toBe('succeeded');
    expect(d.entry('each[1]')).toMatchObject({ status: 'skipped', reason: 'need gate failed' });
    expect(d.state).toMatchObject({ status: 'failed', error: { step: 'gate' } });
  });
});
