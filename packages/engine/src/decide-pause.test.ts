import { RunDriver, T0, workflowOf } from './run-driver.test-helper';

const EMPTY = { run: {}, steps: [], commands: [] };
const at = (ms: number) => new Date(T0 + ms).toISOString();

describe('run.paused and run.resumed', () => {
  const chain = workflowOf([
    { id: 'a', agent: 'echo' },
    { id: 'b', agent: 'echo', needs: ['a'], input: '{{ $steps.a.output }}' },
  ]);

  it('withdraws the attempts no worker took, lets running ones finish, holds what becomes ready, and resumes where it stopped', async () => {
    const d = await RunDriver.submit(workflowOf([
      { id: 'busy', agent: 'delay' },
      { id: 'idle', agent: 'echo' },
      { id: 'next', agent: 'echo', needs: ['busy'], input: '{{ $steps.busy.output }}' },
    ]));
    await d.start('busy');
    d.tick(10);
    const paused = await d.send({ type: 'run.paused', by: 'ops-1' });
    expect(paused.run).toEqual({ status: 'paused', pausedBy: 'ops-1' });
    expect(paused.commands).toEqual([
      { type: 'emit', event: { type: 'run.paused', data: { by: 'ops-1' } } },
      { type: 'withdraw', key: 'idle', attempt: 1, agent: 'echo' },
    ]);
    expect(d.entry('idle')).toMatchObject({ status: 'queued', attempt: 1, heldUntil: at(0) });

    d.tick(10);
    await d.succeed('busy', 'done');
    expect(d.entry('next')).toMatchObject({ status: 'queued', attempt: 1, input: 'done', heldUntil: at(20) });
    expect(d.commands('enqueue').map((c) => c.key)).toEqual(['busy', 'idle']);
    expect(d.history()).toContain('step.queued next');
    expect(d.state.status).toBe('paused');

    d.tick(10);
    const resumed = await d.send({ type: 'run.resumed', by: 'ops-2' });
    expect(resumed.run).toEqual({ status: 'running', pausedBy: undefined });
    expect(resumed.commands.filter((c) => c.type === 'enqueue')).toMatchObject([
      { key: 'idle', attempt: 1, delayMs: 0 },
      { key: 'next', attempt: 1, input: 'done', delayMs: 0 },
    ]);
    expect(d.entry('next').heldUntil).toBeUndefined();
    expect(d.history().slice(-1)).toEqual(['run.resumed']);
    await d.succeed('idle');
    await d.succeed('next');
    expect(d.state.status).toBe('succeeded');
  });

  it('keeps a back-off: a retry is held until its delay ends, and a resume before then waits out the rest', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'flaky', agent: 'fail', retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 1000 } } }]));
    await d.fail('flaky');
    expect(d.commands('enqueue').at(-1)).toMatchObject({ attempt: 2, delayMs: 1000 });
    d.tick(200);
    await d.send({ type: 'run.paused' });
    expect(d.entry('flaky')).toMatchObject({ attempt: 2, heldUntil: at(1000) });
    d.tick(300);
    const resumed = await d.send({ type: 'run.resumed' });
    expect(resumed.commands).toContainEqual(expect.objectContaining({ type: 'enqueue', key: 'flaky', attempt: 2, delayMs: 500 }));
    expect(d.history().filter((h) => h.startsWith('run.'))).toEqual(['run.queued', 'run.started', 'run.paused', 'run.resumed']);
  });

  it('holds a retry decided while paused, from when its back-off ends; one that ended starts at once on resume', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'flaky', agent: 'fail', retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 100 } } }]));
    await d.start('flaky');
    await d.send({ type: 'run.paused' });
    await d.fail('flaky');
    expect(d.entry('flaky')).toMatchObject({ status: 'queued', attempt: 2, heldUntil: at(100) });
    expect(d.commands('enqueue')).toHaveLength(1);
    d.tick(5000);
    const resumed = await d.send({ type: 'run.resumed' });
    expect(resumed.commands).toContainEqual(expect.objectContaining({ type: 'enqueue', key: 'flaky', attempt: 2, delayMs: 0 }));
  });

  it('takes the report of an attempt a worker had already taken when it was withdrawn', async () => {
    const d = await RunDriver.submit(chain);
    await d.send({ type: 'run.paused' });
    await d.start('a');
    expect(d.entry('a')).toMatchObject({ status: 'running' });
    expect(d.entry('a').heldUntil).toBeUndefined();
    // The run had not started before the pause: it has now, and stays paused.
    expect(d.state).toMatchObject({ status: 'paused', startedAt: at(0) });
    await d.succeed('a', 1);
    expect(d.entry('b')).toMatchObject({ status: 'queued', heldUntil: at(0) });
    await d.send({ type: 'run.resumed' });
    expect(d.state.status).toBe('running');
  });

  it('leaves a run that had not started queued on resume, and a paused run that starts nothing can still finish', async () => {
    const d = await RunDriver.submit(chain);
    await d.send({ type: 'run.paused' });
    await d.send({ type: 'run.resumed' });
    expect(d.state.status).toBe('queued');
    await d.start('a');
    await d.send({ type: 'run.paused' });
    await d.succeed('a', 1);
    await d.send({ type: 'run.resumed' });
    await d.send({ type: 'run.paused' });
    await d.succeed('b', 2);
    expect(d.state.status).toBe('succeeded');
  });

  it('is idempotent, and ignored by a run that is not paused or has finished', async () => {
    const d = await RunDriver.submit(chain);
    expect(await d.send({ type: 'run.resumed' })).toEqual(EMPTY);
    await d.send({ type: 'run.paused', by: 'first' });
    expect(await d.send({ type: 'run.paused', by: 'second' })).toEqual(EMPTY);
    expect(d.state.pausedBy).toBe('first');
    await d.send({ type: 'run.cancelled' });
    expect(await d.send({ type: 'run.paused' })).toEqual(EMPTY);
    expect(await d.send({ type: 'run.resumed' })).toEqual(EMPTY);
  });

  it('cancels a paused run, held attempts included', async () => {
    const d = await RunDriver.submit(chain);
    await d.send({ type: 'run.paused' });
    await d.send({ type: 'run.cancelled' });
    expect(d.state.status).toBe('cancelled');
    expect(d.entry('a')).toMatchObject({ status: 'cancelled' });
    expect(d.entry('a').heldUntil).toBeUndefined();
  });

  it('admits a run submitted paused with its first steps held, a wait and a sub-workflow included', async () => {
    const d = new RunDriver(workflowOf([
      { id: 'gate', agent: 'wait', input: { signal: 'go' } },
      { id: 'child', workflow: 'other' },
    ]));
    await d.send({ type: 'run.paused', by: 'template:t' });
    await d.send({ type: 'run.submitted' });
    expect(d.entry('gate')).toMatchObject({ status: 'queued', attempt: 1, heldUntil: at(0) });
    expect(d.entry('child')).toMatchObject({ status: 'queued', attempt: 1, heldUntil: at(0) });
    expect(d.commands('startChildRun')).toEqual([]);
    await d.send({ type: 'signal.received', name: 'go', payload: { ok: true } });
    d.tick(50);
    await d.send({ type: 'run.resumed' });
    // The signal kept while it was held resumes the wait as soon as it waits.
    expect(d.entry('gate')).toMatchObject({ status: 'succeeded', attempt: 1, output: { ok: true } });
    expect(d.commands('startChildRun')).toMatchObject([{ key: 'child', attempt: 1, delayMs: 0 }]);
    expect(d.history()).toContain('step.waiting gate');
  });
});

describe('run.rerun', () => {
  const pipeline = workflowOf([
    { id: 'fetch', agent: 'echo' },
    { id: 'shape', agent: 'echo', needs: ['fetch'], input: { from: '{{ $steps.fetch.output }}' } },
    { id: 'store', agent: 'echo', needs: ['shape'], input: '{{ $steps.shape.output }}' },
    { id: 'side', agent: 'echo' },
  ]);

  async function finished(): Promise<RunDriver> {
    const d = await RunDriver.submit(pipeline);
    for (const key of ['fetch', 'side', 'shape', 'store']) await d.succeed(key, `${key}-out`);
    expect(d.state.status).toBe('succeeded');
    return d;
  }

  it('runs a step of a succeeded run and everything downstream again with an edited input, keeping the rest', async () => {
    const d = await finished();
    d.tick(100);
    const decision = await d.send({ type: 'run.rerun', fromStep: 'shape', input: { from: 'edited' }, by: 'ops-1' });
    expect(decision.run).toMatchObject({ status: 'running', finishedAt: undefined });
    expect(d.entry('shape')).toMatchObject({ status: 'queued', attempt: 2, priorAttempts: 1, input: { from: 'edited' } });
    expect(d.entry('store')).toMatchObject({ status: 'pending', priorAttempts: 1 });
    expect(d.entry('fetch')).toMatchObject({ status: 'succeeded', output: 'fetch-out' });
    expect(d.entry('side')).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(decision.commands).toContainEqual({ type: 'emit', event: { type: 'run.rerun', data: { fromStep: 'shape', by: 'ops-1', input: { from: 'edited' } } } });
    await d.succeed('shape', 'again');
    expect(d.entry('store')).toMatchObject({ status: 'queued', attempt: 2, input: 'again' });
    await d.succeed('store', 'stored');
    expect(d.state).toMatchObject({ status: 'succeeded', output: { store: 'stored', side: 'side-out' } });
  });

  it('names a large edited input by its size, and fails the step when the run cannot hold it', async () => {
    const d = await finished();
    const big = 'x'.repeat(2000);
    await d.send({ type: 'run.rerun', fromStep: 'store', input: big });
    expect(d.commands('emit').at(-2)?.event).toEqual({ type: 'run.rerun', data: { fromStep: 'store', inputBytes: 2002 } });

    const tight = await RunDriver.submit(pipeline, { limits: { maxRunBytes: 1000 } });
    for (const key of ['fetch', 'side', 'shape', 'store']) await tight.succeed(key, key);
    await tight.send({ type: 'run.rerun', fromStep: 'store', input: big });
    expect(tight.entry('store')).toMatchObject({ status: 'failed', error: { code: 'LIMIT_EXCEEDED' } });
    expect(tight.state.status).toBe('failed');
  });

  it('re-runs a cancelled run from a step, with the cancelled ones, and a failed run with its failures', async () => {
    const d = await RunDriver.submit(pipeline);
    await d.succeed('fetch', 1);
    await d.send({ type: 'run.cancelled' });
    await d.send({ type: 'run.rerun', fromStep: 'store' });
    expect(d.status('shape')).toBe('queued');
    expect(d.status('side')).toBe('queued');
    expect(d.status('store')).toBe('pending');
    expect(d.history().filter((h) => h.startsWith('run.'))).toEqual(['run.queued', 'run.started', 'run.cancelled', 'run.rerun']);
  });

  it('re-runs every child of a forEach step and restarts a hand-off chain', async () => {
    const d = await RunDriver.submit(workflowOf([
      { id: 'each', agent: 'echo', forEach: '{{ [1, 2] }}', input: '{{ $item }}' },
      { id: 'route', agent: 'router', handoffs: ['tech'], needs: ['each'] },
    ]));
    await d.succeed('each[0]', 1);
    await d.succeed('each[1]', 2);
    await d.succeed('route', undefined, { handoff: { to: 'tech' } });
    await d.succeed('route>handoff:1', 'fixed');
    expect(d.state.status).toBe('succeeded');
    await d.send({ type: 'run.rerun', fromStep: 'each', input: 'ignored for a forEach step' });
    expect(d.entry('each[0]')).toMatchObject({ status: 'queued', attempt: 2, input: 1 });
    expect(d.entry('each[1]')).toMatchObject({ status: 'queued', attempt: 2 });
    expect(d.entry('route>handoff:1')).toMatchObject({ status: 'skipped', reason: 'hand-off chain restarted' });
    expect(d.status('route')).toBe('pending');
  });

  it('is ignored by a run that has not finished, and for a step the workflow does not have', async () => {
    const d = await RunDriver.submit(pipeline);
    expect(await d.send({ type: 'run.rerun', fromStep: 'shape' })).toEqual(EMPTY);
    const done = await finished();
    expect(await done.send({ type: 'run.rerun', fromStep: 'nope' })).toEqual(EMPTY);
  });
});

describe('a fork (run.submitted with fork)', () => {
  it('keeps the copied entries, starts the steps they make ready, with the edited input, and records its origin', async () => {
    const workflow = workflowOf([
      { id: 'fetch', agent: 'echo' },
      { id: 'shape', agent: 'echo', needs: ['fetch'], input: '{{ $steps.fetch.output }}' },
      { id: 'store', agent: 'echo', needs: ['shape'] },
    ]);
    const d = new RunDriver(workflow);
    d.state.steps.fetch = { key: 'fetch', stepId: 'fetch', agent: 'echo', status: 'succeeded', attempt: 1, output: 'copied' };
    const decision = await d.send({ type: 'run.submitted', fork: { from: 'run-0', step: 'shape', input: 'what if', by: 'ops-1' } });
    expect(d.entry('shape')).toMatchObject({ status: 'queued', attempt: 1, input: 'what if' });
    expect(d.status('store')).toBe('pending');
    expect(decision.commands).toContainEqual({ type: 'emit', event: { type: 'run.forked', data: { from: 'run-0', step: 'shape', by: 'ops-1', input: 'what if' } } });

    const plain = new RunDriver(workflow);
    plain.state.steps.fetch = { key: 'fetch', stepId: 'fetch', agent: 'echo', status: 'succeeded', attempt: 1, output: 'copied' };
    await plain.send({ type: 'run.submitted', fork: { from: 'run-0', step: 'shape' } });
    expect(plain.entry('shape')).toMatchObject({ status: 'queued', input: 'copied' });
    expect(plain.history()).toEqual(['run.queued', 'run.forked', 'step.queued shape']);
    // A second submission finds every entry made: nothing changes.
    expect(await plain.send({ type: 'run.submitted' })).toEqual(EMPTY);
  });
});
