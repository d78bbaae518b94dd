import { DEFAULT_MAX_HANDOFFS } from '@baton/workflow';
import { RunDriver, workflowOf } from './run-driver.test-helper';

const EMPTY = { run: {}, steps: [], commands: [] };

const triage = (extra: Record<string, unknown> = {}) => ({ id: 'classify', agent: 'router', handoffs: ['billing', 'tech'], ...extra });

describe('hand-offs', () => {
  it('runs the target as a hop of the same step, whose output becomes the step output', async () => {
    const d = await RunDriver.submit(workflowOf([triage({ timeoutMs: 100 }), { id: 'after', agent: 'echo', needs: ['classify'], input: '{{ $steps.classify.output }}' }]));
    await d.start('classify');
    const decision = await d.succeed('classify', undefined, { handoff: { to: 'billing', input: { q: '{{ not a template }}' }, reason: 'money' } });
    expect(d.entry('classify')).toMatchObject({ status: 'running', handoff: { to: 'billing', reason: 'money' } });
    expect(d.entry('classify').deadlineAt).toBeUndefined();
    expect(d.entry('classify>handoff:1')).toMatchObject({
      stepId: 'classify',
      agent: 'billing',
      status: 'queued',
      attempt: 1,
      parentKey: 'classify',
      hop: 1,
      input: { q: '{{ not a template }}' },
    });
    expect(decision.commands).toEqual([
      { type: 'emit', event: { type: 'step.handoff', key: 'classify', data: { from: 'router', to: 'billing', reason: 'money', hop: 1 } } },
      { type: 'enqueue', key: 'classify>handoff:1', agent: 'billing', attempt: 1, input: { q: '{{ not a template }}' }, priority: 5, delayMs: 0, timeoutMs: 100, context: {} },
      { type: 'emit', event: { type: 'step.queued', key: 'classify>handoff:1', data: { attempt: 1, agent: 'billing', delayMs: 0 } } },
    ]);
    expect(d.status('after')).toBe('pending');

    await d.start('classify>handoff:1');
    await d.succeed('classify>handoff:1', { refund: true });
    expect(d.entry('classify')).toMatchObject({ status: 'succeeded', output: { refund: true } });
    expect(d.entry('after').input).toEqual({ refund: true });
  });

  it('chains hops, each its own entry, up to maxHandoffs', async () => {
    const d = await RunDriver.submit(workflowOf([triage({ maxHandoffs: 2 })]));
    await d.succeed('classify', undefined, { handoff: { to: 'tech' } });
    expect(d.entry('classify').handoff).toEqual({ to: 'tech' });
    await d.succeed('classify>handoff:1', 'ignored', { handoff: { to: 'billing', input: 2 } });
    expect(d.entry('classify>handoff:1')).toMatchObject({ status: 'succeeded', handoff: { to: 'billing' } });
    expect(d.entry('classify>handoff:2')).toMatchObject({ agent: 'billing', hop: 2, parentKey: 'classify', input: 2 });
    await d.succeed('classify>handoff:2', undefined, { handoff: { to: 'tech' } });
    expect(d.entry('classify>handoff:2')).toMatchObject({
      status: 'failed',
      error: { code: 'HANDOFF', message: 'step classify>handoff:2: a hand-off chain is at most 2 long' },
    });
    expect(d.entry('classify')).toMatchObject({ status: 'failed', error: { code: 'HANDOFF' } });
    expect(d.state).toMatchObject({ status: 'failed', error: { code: 'HANDOFF', step: 'classify' } });
  });

  it(`allows ${DEFAULT_MAX_HANDOFFS} hand-offs by default`, async () => {
    const d = await RunDriver.submit(workflowOf([triage()]));
    let key = 'classify';
    for (let hop = 1; hop <= DEFAULT_MAX_HANDOFFS; hop++) {
      await d.succeed(key, undefined, { handoff: { to: 'tech' } });
      key = `classify>handoff:${hop}`;
      expect(d.status(key)).toBe('queued');
    }
    await d.succeed(key, undefined, { handoff: { to: 'tech' } });
    expect(d.entry(key).error!.code).toBe('HANDOFF');
  });

  it.each([
    ['an agent outside handoffs', triage(), 'step classify: hand-off to nobody is not allowed (handoffs: [billing, tech])'],
    ['a step without handoffs', { id: 'classify', agent: 'router' }, 'step classify: hand-off to nobody is not allowed (handoffs: [])'],
  ])('fails the step, for good, on a hand-off to %s', async (_name, step, message) => {
    const d = await RunDriver.submit(workflowOf([{ ...step, retry: { attempts: 3 } }]));
    await d.succeed('classify', undefined, { handoff: { to: 'nobody' } });
    expect(d.entry('classify')).toMatchObject({ status: 'failed', attempt: 1, error: { code: 'HANDOFF', message } });
  });

  it('retries a hop with the step retry policy and fails the root when the hop fails for good', async () => {
    const d = await RunDriver.submit(workflowOf([triage({ retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 5 } } })]));
    await d.succeed('classify', undefined, { handoff: { to: 'tech' } });
    await d.timeOut('classify>handoff:1');
    expect(d.entry('classify>handoff:1')).toMatchObject({ status: 'queued', attempt: 2 });
    expect(d.commands('enqueue').at(-1)).toMatchObject({ key: 'classify>handoff:1', attempt: 2, delayMs: 5 });
    await d.fail('classify>handoff:1', true, 'hop broke');
    expect(d.entry('classify')).toMatchObject({ status: 'failed', error: { message: 'hop broke' } });
  });

  it('ignores results and timeouts for a root that waits on its chain', async () => {
    const d = await RunDriver.submit(workflowOf([triage()]));
    const handoff = { type: 'step.succeeded' as const, key: 'classify', attempt: 1, handoff: { to: 'tech' } };
    await d.send(handoff);
    expect(await d.send(handoff)).toEqual(EMPTY);
    expect(await d.send({ type: 'step.timedOut', key: 'classify', attempt: 1 })).toEqual(EMPTY);
    expect(await d.send({ type: 'step.started', key: 'classify', attempt: 1 })).toEqual(EMPTY);
  });

  it('applies the context writes of the agent that hands off, and refuses forbidden ones first', async () => {
    const d = await RunDriver.submit(workflowOf([triage({ contextAccess: { write: ['route'] } })]));
    await d.succeed('classify', undefined, { handoff: { to: 'tech' }, contextWrites: { route: 'tech' } });
    expect(d.state.context).toEqual({ route: 'tech' });
    await d.succeed('classify>handoff:1', undefined, { handoff: { to: 'tech' }, contextWrites: { other: 1 } });
    expect(d.entry('classify>handoff:1').error!.code).toBe('CONTEXT_ACCESS');
  });

  it('hands off from a sub-workflow step to an agent', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'sub', workflow: 'w', handoffs: ['tech'] }]));
    await d.succeed('sub', undefined, { handoff: { to: 'tech' } });
    expect(d.commands('enqueue')).toMatchObject([{ key: 'sub>handoff:1', agent: 'tech' }]);
  });

  it('keys the hops of a forEach child after the child, and cancels the working hop when the parent fails', async () => {
    const d = await RunDriver.submit(workflowOf([{ ...triage(), forEach: '{{ [1, 2, 3] }}' }]));
    await d.succeed('classify[0]', undefined, { handoff: { to: 'tech' } });
    expect(d.entry('classify[0]>handoff:1')).toMatchObject({ parentKey: 'classify[0]', hop: 1 });
    await d.succeed('classify[1]', undefined, { handoff: { to: 'tech' } });
    await d.succeed('classify[1]>handoff:1', undefined, { handoff: { to: 'billing' } });
    await d.start('classify[1]>handoff:2');
    const decision = await d.fail('classify[2]', false);
    expect(decision.commands.filter((c) => c.type === 'cancel')).toEqual([
      { type: 'cancel', key: 'classify[0]>handoff:1', attempt: 1 },
      { type: 'cancel', key: 'classify[1]>handoff:2', attempt: 1 },
    ]);
    for (const key of ['classify[0]', 'classify[0]>handoff:1', 'classify[1]', 'classify[1]>handoff:2']) expect(d.status(key)).toBe('cancelled');
    expect(d.status('classify[1]>handoff:1')).toBe('succeeded');
  });

  it('ends a forEach child with its chain', async () => {
    const d = await RunDriver.submit(workflowOf([{ ...triage(), forEach: '{{ [1] }}' }]));
    await d.succeed('classify[0]', undefined, { handoff: { to: 'tech' } });
    await d.succeed('classify[0]>handoff:1', 'answer');
    expect(d.entry('classify')).toMatchObject({ status: 'succeeded', output: ['answer'] });
  });
});
