import { RunDriver, workflowOf } from './run-driver.test-helper';

const EMPTY = { run: {}, steps: [], commands: [] };

describe('step.succeeded', () => {
  it('accepts a result that arrives without a started event, and starts the run', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }, { id: 'b', agent: 'echo' }]));
    const decision = await d.succeed('a', { big: 'x'.repeat(100) });
    expect(decision.run).toEqual({ status: 'running', startedAt: '2025-01-01T00:00:00.000Z', usedBytes: 2 + 2 + 110 });
    expect(d.entry('a')).toMatchObject({ status: 'succeeded', output: { big: 'x'.repeat(100) }, finishedAt: '2025-01-01T00:00:00.000Z' });
    // A small output travels in its event.
    expect(d.commands('emit').find((c) => c.event.type === 'step.succeeded')!.event).toEqual({ type: 'step.succeeded', key: 'a', data: { attempt: 1, output: { big: 'x'.repeat(100) } } });
  });

  it('names a large output by its size in the event, and copies a stored one as its reference', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }, { id: 'b', agent: 'echo' }, { id: 'c', agent: 'echo' }]));
    await d.succeed('a', 'x'.repeat(2000));
    const ref = { $batonPayload: '00000000-0000-4000-8000-000000000000', bytes: 100_000 };
    await d.succeed('b', ref);
    await d.succeed('c', undefined);
    const data = (key: string) => d.commands('emit').find((c) => c.event.type === 'step.succeeded' && c.event.key === key)!.event.data;
    expect(data('a')).toEqual({ attempt: 1, outputBytes: 2002 });
    expect(data('b')).toEqual({ attempt: 1, output: ref });
    expect(data('c')).toEqual({ attempt: 1 });
  });

  it('clears the deadline of the attempt', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', timeoutMs: 10 }]));
    await d.start('a');
    expect(d.entry('a').deadlineAt).toBeDefined();
    await d.succeed('a', 1);
    expect(d.entry('a').deadlineAt).toBeUndefined();
  });

  it.each([
    ['a repeat', 1],
    ['a stale attempt', 1],
    ['a future attempt', 3],
  ])('changes nothing for %s', async (name, attempt) => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', retry: { attempts: 3 } }, { id: 'b', agent: 'echo' }]));
    if (name === 'a repeat') await d.succeed('a', 1);
    if (name === 'a stale attempt') await d.fail('a');
    expect(await d.send({ type: 'step.succeeded', key: 'a', attempt, output: 2 })).toEqual(EMPTY);
  });
});

describe('step.failed and retries', () => {
  it.each<[string, { type: 'fixed' | 'exponential'; delayMs: number; maxDelayMs?: number } | undefined, number[]]>([
    ['no backoff', undefined, [0, 0, 0]],
    ['a fixed backoff', { type: 'fixed', delayMs: 100 }, [100, 100, 100]],
    ['an exponential backoff', { type: 'exponential', delayMs: 200 }, [200, 400, 800]],
    ['a capped exponential backoff', { type: 'exponential', delayMs: 200, maxDelayMs: 500 }, [200, 400, 500]],
  ])('retries a retryable failure with %s until the attempts are used', async (_name, backoff, delays) => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', input: { n: '{{ $input.n }}' }, retry: { attempts: 4, backoff } }]), {
      input: { n: 1 },
    });
    for (let attempt = 1; attempt <= 3; attempt++) {
      await d.start('a');
      await d.fail('a', true, `try ${attempt}`);
      expect(d.entry('a')).toMatchObject({ status: 'queued', attempt: attempt + 1, input: { n: 1 } });
      expect(d.entry('a').startedAt).toBeUndefined();
    }
    expect(d.commands('enqueue').map((c) => [c.attempt, c.delayMs])).toEqual([
      [1, 0],
      [2, delays[0]],
      [3, delays[1]],
      [4, delays[2]],
    ]);
    const retrying = d.commands('emit').filter((c) => c.event.type === 'step.retrying');
    expect(retrying[0]!.event).toEqual({
      type: 'step.retrying',
      key: 'a',
      data: { attempt: 1, delayMs: delays[0], error: { code: 'AGENT_ERROR', message: 'try 1' } },
    });
    await d.fail('a', true, 'last');
    expect(d.entry('a')).toMatchObject({ status: 'failed', attempt: 4, error: { message: 'last' } });
    expect(d.state).toMatchObject({ status: 'failed', error: { message: 'last', step: 'a' } });
  });

  it('does not retry a non-retryable failure', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', retry: { attempts: 5 } }]));
    await d.fail('a', false);
    expect(d.entry('a')).toMatchObject({ status: 'failed', attempt: 1 });
  });

  it('fails at once without a retry policy (one attempt)', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }]));
    await d.fail('a', true);
    expect(d.entry('a')).toMatchObject({ status: 'failed', attempt: 1 });
  });

  it('changes nothing for a stale or repeated failure', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', retry: { attempts: 2 } }]));
    const failure = { type: 'step.failed' as const, key: 'a', attempt: 1, retryable: true, error: { code: 'X', message: 'x' } };
    await d.send(failure);
    expect(await d.send(failure)).toEqual(EMPTY);
  });
});

describe('step.timedOut', () => {
  it('is a retryable failed attempt whose worker is told to stop', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', timeoutMs: 50, retry: { attempts: 2 } }]));
    await d.start('a');
    const decision = await d.timeOut('a');
    expect(decision.commands.filter((c) => c.type !== 'emit')).toEqual([
      { type: 'cancel', key: 'a', attempt: 1 },
      { type: 'enqueue', key: 'a', agent: 'echo', attempt: 2, input: {}, priority: 5, delayMs: 0, timeoutMs: 50, context: {} },
    ]);
    await d.timeOut('a');
    expect(d.entry('a')).toMatchObject({ status: 'failed', attempt: 2, error: { code: 'TIMEOUT', message: 'step a: attempt 2 timed out' } });
    expect(await d.send({ type: 'step.timedOut', key: 'a', attempt: 2 })).toEqual(EMPTY);
  });

  it('starts the run when it is the first word of the step', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }]));
    const decision = await d.timeOut('a');
    expect(decision.run).toMatchObject({ status: 'failed', startedAt: '2025-01-01T00:00:00.000Z' });
  });
});

describe('context', () => {
  it('applies the writes of a step when it succeeds, the last completion winning', async () => {
    const d = await RunDriver.submit(
      workflowOf([
        { id: 'a', agent: 'echo' },
        { id: 'b', agent: 'echo' },
        { id: 'c', agent: 'echo', needs: ['a', 'b'], input: '{{ $context }}' },
      ]),
    );
    await d.succeed('b', 1, { contextWrites: { shared: 'b', fromB: true } });
    const decision = await d.succeed('a', 1, { contextWrites: { shared: 'a' } });
    expect(decision.run.context).toEqual({ shared: 'a', fromB: true });
    expect(d.entry('c').input).toEqual({ shared: 'a', fromB: true });
  });

  it('changes nothing in the context for an empty set of writes', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }, { id: 'b', agent: 'echo' }]));
    const decision = await d.succeed('a', 1, { contextWrites: {} });
    expect(decision.run.context).toBeUndefined();
  });

  it('fails a step that writes outside contextAccess.write, for good, without applying its writes', async () => {
    const d = await RunDriver.submit(
      workflowOf([{ id: 'a', agent: 'echo', retry: { attempts: 3 }, contextAccess: { write: ['mine'] } }, { id: 'b', agent: 'echo' }]),
    );
    await d.succeed('a', 1, { contextWrites: { mine: 1, theirs: 2, other: 3 } });
    expect(d.entry('a')).toMatchObject({ status: 'failed', attempt: 1, error: { code: 'CONTEXT_ACCESS', message: 'step a may not write context theirs, other' } });
    expect(d.state.context).toEqual({});
  });

  it('accepts writes inside contextAccess.write', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', contextAccess: { write: ['mine'] } }]));
    await d.succeed('a', 1, { contextWrites: { mine: 1 } });
    expect(d.state).toMatchObject({ status: 'succeeded', context: { mine: 1 } });
  });

  it('shows a step only the keys in contextAccess.read, in its job and in its templates', async () => {
    const d = await RunDriver.submit(
      workflowOf([
        { id: 'a', agent: 'echo' },
        { id: 'b', agent: 'echo', needs: ['a'], contextAccess: { read: ['x', 'absent'] }, input: '{{ $context }}' },
        { id: 'c', agent: 'echo', needs: ['a'] },
      ]),
    );
    await d.succeed('a', 1, { contextWrites: { x: 1, y: 2 } });
    const jobs = Object.fromEntries(d.commands('enqueue').map((c) => [c.key, c]));
    expect(jobs['b']).toMatchObject({ context: { x: 1 }, input: { x: 1 } });
    expect(jobs['c']).toMatchObject({ context: { x: 1, y: 2 } });
  });
});

describe('sub-workflow steps', () => {
  it('start a child run, retried with backoff, whose result is the step result', async () => {
    const d = await RunDriver.submit(
      workflowOf([
        { id: 'a', workflow: 'send-reply', version: 2, input: { t: '{{ $input.t }}' }, retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 30 } } },
        { id: 'b', workflow: 'other' },
      ]),
      { input: { t: 'x' }, priority: 2 },
    );
    expect(d.commands('startChildRun')).toEqual([
      { type: 'startChildRun', key: 'a', attempt: 1, workflow: 'send-reply', version: 2, input: { t: 'x' }, priority: 2, delayMs: 0 },
      { type: 'startChildRun', key: 'b', attempt: 1, workflow: 'other', input: {}, priority: 2, delayMs: 0 },
    ]);
    expect(d.commands('emit')[1]!.event).toEqual({ type: 'step.queued', key: 'a', data: { attempt: 1, workflow: 'send-reply', delayMs: 0 } });
    await d.fail('a');
    expect(d.commands('startChildRun')[2]).toMatchObject({ key: 'a', attempt: 2, delayMs: 30 });
    await d.succeed('a', { child: 'output' });
    await d.succeed('b');
    expect(d.state).toMatchObject({ status: 'succeeded', output: { a: { child: 'output' } } });
  });
});

describe('priority', () => {
  it("gives a step's jobs its own priority, others the run's, hops and retries included", async () => {
    const d = await RunDriver.submit(
      workflowOf([
        { id: 'urgent', agent: 'router', priority: 9, handoffs: ['tech'], retry: { attempts: 2 } },
        { id: 'plain', agent: 'echo' },
        { id: 'child', workflow: 'other', priority: 1 },
      ]),
      { priority: 3 },
    );
    await d.fail('urgent');
    await d.succeed('urgent', undefined, { handoff: { to: 'tech' } });
    expect(d.commands('enqueue').map((c) => [c.key, c.attempt, c.priority])).toEqual([
      ['urgent', 1, 9],
      ['plain', 1, 3],
      ['urgent', 2, 9],
      ['urgent>handoff:1', 1, 9],
    ]);
    expect(d.commands('startChildRun').map((c) => c.priority)).toEqual([1]);
  });
});
