import { RunDriver, workflowOf } from './run-driver.test-helper';
import type { EmittedEvent } from './types';

const EMPTY = { run: {}, steps: [], commands: [] };

const signal = (name: string, payload: unknown = { ok: true }) => ({ type: 'signal.received' as const, name, payload });

/** The events of one decision with their data, those of waits and signals only. */
function signalEvents(d: RunDriver): EmittedEvent[] {
  return d.commands('emit').map((c) => c.event).filter((e) => /^(step\.(waiting|signalled)|run\.signalled)$/.test(e.type));
}

describe('a wait step', () => {
  it('waits with no job and no worker until its signal, whose payload is its output', async () => {
    const d = await RunDriver.submit(workflowOf([
      { id: 'approve', agent: 'wait', input: { signal: 'approve', timeoutMs: 60_000 } },
      { id: 'ship', agent: 'echo', needs: ['approve'], input: '{{ $steps.approve.output }}' },
    ]));
    expect(d.commands('enqueue')).toEqual([]);
    expect(d.jobs()).toEqual([]);
    expect(d.entry('approve')).toEqual({
      key: 'approve', stepId: 'approve', agent: 'wait', status: 'waiting', attempt: 1,
      input: { signal: 'approve', timeoutMs: 60_000 }, startedAt: '2025-01-01T00:00:00.000Z', deadlineAt: '2025-01-01T00:01:00.000Z',
    });
    expect(d.state).toMatchObject({ status: 'running', startedAt: '2025-01-01T00:00:00.000Z' });
    d.tick(500);
    const decision = await d.send(signal('approve', { by: 'ada' }));
    expect(d.entry('approve')).toMatchObject({ status: 'succeeded', output: { by: 'ada' }, finishedAt: '2025-01-01T00:00:00.500Z' });
    expect(d.entry('approve').deadlineAt).toBeUndefined();
    expect(decision.commands.filter((c) => c.type === 'enqueue')).toMatchObject([{ key: 'ship', agent: 'echo', input: { by: 'ada' } }]);
    expect(signalEvents(d)).toEqual([
      { type: 'step.waiting', key: 'approve', data: { attempt: 1, signal: 'approve', timeoutMs: 60_000 } },
      { type: 'step.signalled', key: 'approve', data: { attempt: 1, signal: 'approve' } },
    ]);
    expect(d.history().indexOf('step.signalled approve')).toBe(d.history().indexOf('step.succeeded approve') - 1);
    expect(d.state.usedBytes).toBeGreaterThan(0);
  });

  it('without timeoutMs waits with no deadline; a null payload is its output', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'gate', agent: 'wait', input: { signal: 'go' } }]));
    expect(d.entry('gate').deadlineAt).toBeUndefined();
    expect(signalEvents(d)).toEqual([{ type: 'step.waiting', key: 'gate', data: { attempt: 1, signal: 'go' } }]);
    await d.send(signal('go', null));
    expect(d.entry('gate')).toMatchObject({ status: 'succeeded', output: null });
    expect(d.state).toMatchObject({ status: 'succeeded', output: { gate: null } });
  });

  it('fails with INVALID_INPUT when its evaluated input is not { signal, timeoutMs? }', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'gate', agent: 'wait', input: '{{ $input.wait }}' }]), { input: { wait: { signal: 'go', timeoutMs: -1 } } });
    expect(d.entry('gate')).toMatchObject({
      status: 'failed', attempt: 1, input: { signal: 'go', timeoutMs: -1 },
      error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^step gate: timeoutMs must be an integer from 1 to \d+$/) },
    });
    expect(d.state).toMatchObject({ status: 'failed', error: { code: 'INVALID_INPUT', step: 'gate' } });
  });

  it('fails with WAIT_TIMEOUT when its timeout passes, not retried; a stale timeout is ignored', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'gate', agent: 'wait', input: { signal: 'go', timeoutMs: 1000 }, onFailure: 'continue' }, { id: 'after', agent: 'echo', needs: ['gate'] }]));
    expect(await d.send({ type: 'step.timedOut', key: 'gate', attempt: 2 })).toEqual(EMPTY);
    d.tick(1000);
    const decision = await d.timeOut('gate');
    expect(decision.commands.filter((c) => c.type === 'cancel')).toEqual([]);
    expect(d.entry('gate')).toMatchObject({ status: 'failed', attempt: 1, error: { code: 'WAIT_TIMEOUT', message: 'step gate: no signal go came within 1000 ms' } });
    expect(d.entry('gate').deadlineAt).toBeUndefined();
    expect(d.status('after')).toBe('queued');
    expect(await d.send(signal('go'))).toEqual(EMPTY);
  });

  it('waits again, as a new attempt, when a failed run is retried', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'gate', agent: 'wait', input: { signal: 'go', timeoutMs: 10 } }]));
    await d.timeOut('gate');
    expect(d.state.status).toBe('failed');
    await d.send({ type: 'run.retried' });
    expect(d.entry('gate')).toMatchObject({ status: 'waiting', attempt: 2 });
    await d.send(signal('go', 1));
    expect(d.state).toMatchObject({ status: 'succeeded', output: { gate: 1 } });
  });

  it('is cancelled with its run, with no worker to tell', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'gate', agent: 'wait', input: { signal: 'go' } }]));
    const decision = await d.send({ type: 'run.cancelled' });
    expect(decision.commands.filter((c) => c.type === 'cancel')).toEqual([]);
    expect(d.entry('gate')).toMatchObject({ status: 'cancelled', reason: 'run cancelled' });
    expect(await d.send(signal('go'))).toEqual(EMPTY);
  });

  it('fails with LIMIT_EXCEEDED when the payload would take the run over its bytes', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'gate', agent: 'wait', input: { signal: 'go' } }]), { limits: { maxRunBytes: 100 } });
    await d.send(signal('go', 'x'.repeat(200)));
    expect(d.entry('gate')).toMatchObject({
      status: 'failed', error: { code: 'LIMIT_EXCEEDED', message: 'step gate: signal go of 202 bytes would make the run hold more than 100 bytes (BATON_MAX_RUN_BYTES)' },
    });
  });

  it('counts a stored payload by the size its reference declares', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'gate', agent: 'wait', input: { signal: 'go' } }]), { limits: { maxRunBytes: 100_000 } });
    const before = d.state.usedBytes ?? 0;
    await d.send(signal('go', { $batonPayload: 'p1', bytes: 5000 }));
    expect(d.entry('gate').output).toEqual({ $batonPayload: 'p1', bytes: 5000 });
    expect(d.state.usedBytes).toBe(before + 5000);
  });
});

describe('a signal', () => {
  it('is kept when it comes before its step waits, and resumes the step as it starts waiting', async () => {
    const d = await RunDriver.submit(workflowOf([
      { id: 'prepare', agent: 'echo' },
      { id: 'approve', agent: 'wait', needs: ['prepare'], input: { signal: 'approve' } },
      { id: 'review', agent: 'wait', needs: ['prepare'], input: { signal: 'review' } },
    ]));
    const kept = await d.send(signal('approve', { by: 'ada' }));
    expect(kept.run).toEqual({ signals: { approve: { by: 'ada' } }, usedBytes: expect.any(Number) });
    expect(kept.steps).toEqual([]);
    await d.send(signal('review', 'fine'));
    expect(d.state.signals).toEqual({ approve: { by: 'ada' }, review: 'fine' });
    expect(await d.send(signal('approve', { by: 'bob' }))).toEqual(EMPTY);
    const usedBytes = d.state.usedBytes;
    await d.succeed('prepare');
    expect(d.entry('approve')).toMatchObject({ status: 'succeeded', attempt: 1, output: { by: 'ada' } });
    expect(d.entry('review')).toMatchObject({ status: 'succeeded', output: 'fine' });
    expect(d.state.signals).toBeUndefined();
    // What the decision stored is the steps' evaluated inputs alone: the kept payloads were counted when they came.
    expect(d.state.usedBytes).toBe(usedBytes! + JSON.stringify({ signal: 'approve' }).length + JSON.stringify({ signal: 'review' }).length);
    expect(signalEvents(d).map((e) => `${e.type} ${e.key ?? e.data!.signal}`)).toEqual([
      'run.signalled approve', 'run.signalled review',
      'step.waiting approve', 'step.signalled approve', 'step.waiting review', 'step.signalled review',
    ]);
  });

  it('is kept for a run that has not started (held for a concurrency slot), and taken when its step waits', async () => {
    const d = new RunDriver(workflowOf([{ id: 'gate', agent: 'wait', input: { signal: 'go' } }]));
    await d.send(signal('go', 'early'));
    expect(d.state.signals).toEqual({ go: 'early' });
    await d.send({ type: 'run.submitted' });
    expect(d.state).toMatchObject({ status: 'succeeded', output: { gate: 'early' } });
  });

  it('is kept for a wait step whose signal an expression computes', async () => {
    const d = await RunDriver.submit(workflowOf([
      { id: 'gate', agent: 'wait', input: { signal: 'first' } },
      { id: 'each', agent: 'wait', needs: ['gate'], forEach: '{{ [1, 2] }}', input: { signal: 'item-{{ $index }}' } },
    ]));
    await d.send(signal('item-1', 'one'));
    expect(d.state.signals).toEqual({ 'item-1': 'one' });
    await d.send(signal('first'));
    expect(d.entry('each[1]')).toMatchObject({ status: 'succeeded', output: 'one' });
    expect(d.entry('each[0]')).toMatchObject({ status: 'waiting', input: { signal: 'item-0' } });
    await d.send(signal('item-0', 'zero'));
    expect(d.state).toMatchObject({ status: 'succeeded', output: { each: ['zero', 'one'] } });
  });

  it('changes nothing for a run with no wait step for it (one waiting for another name included), or one that finished', async () => {
    const d = await RunDriver.submit(workflowOf([
      { id: 'a', agent: 'echo' },
      { id: 'gate', agent: 'wait', needs: ['a'], input: { signal: 'go', timeoutMs: 5 } },
      { id: 'other', agent: 'wait', input: { signal: 'other' }, onFailure: 'continue' },
    ]));
    expect(d.status('other')).toBe('waiting');
    expect(await d.send(signal('stop'))).toEqual(EMPTY);
    await d.timeOut('other');
    await d.succeed('a');
    await d.timeOut('gate');
    expect(await d.send(signal('go'))).toEqual(EMPTY);
  });

  it('is not kept when the run cannot hold it', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }, { id: 'gate', agent: 'wait', needs: ['a'], input: { signal: 'go' } }]), { limits: { maxRunBytes: 100 } });
    expect(await d.send(signal('go', { $batonPayload: 'p1', bytes: 5000 }))).toEqual(EMPTY);
    expect(await d.send(signal('go', 'x'.repeat(200)))).toEqual(EMPTY);
  });

  it('resumes the step that has waited longest for its name, then the next', async () => {
    const d = await RunDriver.submit(workflowOf([
      { id: 'late', agent: 'wait', needs: ['b'], input: { signal: 'go' } },
      { id: 'b', agent: 'echo' },
      { id: 'early', agent: 'wait', input: { signal: 'go' } },
    ]));
    d.tick(10);
    await d.succeed('b');
    await d.send(signal('go', 1));
    expect(d.entry('early')).toMatchObject({ status: 'succeeded', output: 1 });
    expect(d.status('late')).toBe('waiting');
    await d.send(signal('go', 2));
    expect(d.entry('late')).toMatchObject({ status: 'succeeded', output: 2 });
  });

  it('cancels the other waiting children when a forEach child times out', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'each', agent: 'wait', forEach: '{{ [1, 2] }}', input: { signal: 'item-{{ $index }}', timeoutMs: 5 } }]));
    await d.timeOut('each[0]');
    expect(d.entry('each')).toMatchObject({ status: 'failed', error: { code: 'WAIT_TIMEOUT' } });
    expect(d.entry('each[1]')).toMatchObject({ status: 'cancelled', reason: 'forEach step each failed at each[0]' });
  });
});
