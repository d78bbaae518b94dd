import { RunDriver, workflowOf } from './run-driver.test-helper';
import type { RunState } from './types';

const each = (extra: Record<string, unknown> = {}) => ({
  id: 'each',
  agent: 'echo',
  forEach: '{{ $input.items }}',
  input: { to: '{{ $item }}', at: '{{ $index }}' },
  ...extra,
});

describe('forEach', () => {
  it('creates a child per item and enqueues them all without a concurrency', async () => {
    const d = await RunDriver.submit(workflowOf([each()]), { input: { items: ['a', 'b'] } });
    expect(d.entry('each')).toMatchObject({ status: 'running', agent: null, items: ['a', 'b'], startedAt: '2025-01-01T00:00:00.000Z' });
    expect(d.entry('each[1]')).toMatchObject({ stepId: 'each', parentKey: 'each', index: 1, agent: 'echo', status: 'queued', input: { to: 'b', at: 1 } });
    expect(d.commands('enqueue').map((c) => c.key)).toEqual(['each[0]', 'each[1]']);
    expect(d.history()).toEqual(['run.queued', 'step.started each', 'step.queued each[0]', 'step.queued each[1]']);
  });

  it('runs at most `concurrency` children, starting the next in index order, and gathers outputs in item order', async () => {
    const d = await RunDriver.submit(workflowOf([each({ concurrency: 2 }), { id: 'after', agent: 'echo', needs: ['each'], input: '{{ $steps.each.output }}' }]), {
      input: { items: [10, 11, 12, 13] },
    });
    expect(d.jobs().map((j) => j.key)).toEqual(['each[0]', 'each[1]']);
    await d.succeed('each[1]', 'one');
    expect(d.jobs().map((j) => j.key)).toEqual(['each[0]', 'each[2]']);
    await d.succeed('each[2]', 'two');
    await d.succeed('each[0]', 'zero');
    expect(d.jobs().map((j) => j.key)).toEqual(['each[3]']);
    await d.succeed('each[3]', 'three');
    expect(d.entry('each')).toMatchObject({ status: 'succeeded', output: ['zero', 'one', 'two', 'three'] });
    expect(d.entry('after').input).toEqual(['zero', 'one', 'two', 'three']);
  });

  it('keeps a slot while a child retries', async () => {
    const d = await RunDriver.submit(workflowOf([each({ concurrency: 1, retry: { attempts: 2 } })]), { input: { items: [1, 2] } });
    await d.fail('each[0]');
    expect(d.jobs().map((j) => [j.key, j.attempt])).toEqual([['each[0]', 2]]);
    await d.succeed('each[0]');
    expect(d.jobs().map((j) => [j.key, j.attempt])).toEqual([['each[1]', 1]]);
  });

  it('succeeds at once with [] over an empty list', async () => {
    const d = await RunDriver.submit(workflowOf([each(), { id: 'after', agent: 'echo', needs: ['each'] }]), { input: { items: [] } });
    expect(d.entry('each')).toMatchObject({ status: 'succeeded', output: [] });
    expect(d.status('after')).toBe('queued');
  });

  it.each([
    ['a string', 'x', 'string'],
    ['null', null, 'null'],
  ])('fails the step when the items are %s', async (_name, items, kind) => {
    const d = await RunDriver.submit(workflowOf([each({ retry: { attempts: 3 } })]), { input: { items } });
    expect(d.entry('each')).toMatchObject({
      status: 'failed',
      error: { code: 'EXPRESSION', message: `step each: forEach must produce an array, got ${kind}` },
    });
  });

  it('fails the step when the items are nothing, saying how to make them optional', async () => {
    const d = await RunDriver.submit(workflowOf([each({ retry: { attempts: 3 } })]), { input: {} });
    expect(d.entry('each')).toMatchObject({
      status: 'failed',
      error: {
        code: 'EXPRESSION',
        message: 'step each: steps[0].forEach: {{ $input.items }} gave no value; if it may be missing, give a default: {{ $input.items ?? null }}',
      },
    });
  });

  it('is skipped, with no children, when its when is false', async () => {
    const d = await RunDriver.submit(workflowOf([each({ when: '{{ false }}' })]), { input: { items: [1] } });
    expect(Object.keys(d.state.steps)).toEqual(['each']);
    expect(d.status('each')).toBe('skipped');
  });

  it('fails the parent with the error of a child that failed for good, skipping and cancelling the rest', async () => {
    const d = await RunDriver.submit(workflowOf([each({ concurrency: 2 }), { id: 'after', agent: 'echo', needs: ['each'] }]), {
      input: { items: [1, 2, 3] },
    });
    await d.start('each[0]');
    const decision = await d.fail('each[1]', false, 'child broke');
    expect(d.entry('each')).toMatchObject({ status: 'failed', error: { code: 'AGENT_ERROR', message: 'child broke' } });
    expect(d.entry('each[0]')).toMatchObject({ status: 'cancelled', reason: 'forEach step each failed at each[1]' });
    expect(d.entry('each[2]')).toMatchObject({ status: 'skipped', reason: 'forEach step each failed at each[1]' });
    expect(decision.commands.filter((c) => c.type === 'cancel')).toEqual([{ type: 'cancel', key: 'each[0]', attempt: 1 }]);
    expect(d.status('after')).toBe('skipped');
    expect(d.state).toMatchObject({ status: 'failed', error: { message: 'child broke', step: 'each' } });
  });

  it('lets dependants run after a failed forEach with onFailure continue', async () => {
    const d = await RunDriver.submit(workflowOf([each({ onFailure: 'continue' }), { id: 'after', agent: 'echo', needs: ['each'] }]), {
      input: { items: [1] },
    });
    await d.fail('each[0]', false);
    expect(d.status('after')).toBe('queued');
  });

  it('fails a child whose input expression fails, and the parent with it, starting no more children', async () => {
    const d = await RunDriver.submit(workflowOf([each({ input: { n: '{{ 1 + $item }}' } })]), { input: { items: [1, 'x', 3] } });
    expect(d.entry('each[1]')).toMatchObject({ status: 'failed', error: { code: 'EXPRESSION' } });
    expect(d.entry('each[1]').error!.message).toMatch(/^step each\[1\]: steps\[0\]\.input\.n/);
    expect(d.entry('each[0]')).toMatchObject({ status: 'cancelled' });
    expect(d.entry('each[2]')).toMatchObject({ status: 'skipped' });
    expect(d.commands('enqueue').map((c) => c.key)).toEqual(['each[0]']);
    expect(d.state.status).toBe('failed');
  });

  it('starts a child run per item for a sub-workflow step', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'each', workflow: 'notify', forEach: '{{ [1, 2] }}', input: '{{ $item }}' }]));
    expect(d.commands('startChildRun').map((c) => [c.key, c.input])).toEqual([
      ['each[0]', 1],
      ['each[1]', 2],
    ]);
    expect(d.entry('each[0]').agent).toBeNull();
  });

  it('ignores a result addressed to the parent itself', async () => {
    const d = await RunDriver.submit(workflowOf([each()]), { input: { items: [1] } });
    expect(await d.send({ type: 'step.succeeded', key: 'each', attempt: 0 })).toEqual({ run: {}, steps: [], commands: [] });
  });

  it('costs one child and its parent per completion', async () => {
    const items = Array.from({ length: 500 }, (_, i) => i);
    const d = await RunDriver.submit(workflowOf([each({ concurrency: 10 })]), { input: { items } });
    const decision = await d.succeed('each[3]');
    expect(decision.steps.map((s) => s.key)).toEqual(['each[3]', 'each', 'each[10]']);
  });

  it('decides the same without the parent bookkeeping, for a store that does not keep it', async () => {
    const workflow = workflowOf([each({ concurrency: 2 })]);
    const input = { items: [1, 2, 3, 4] };
    const forget = (state: RunState) => {
      const { nextChild: _n, childrenSucceeded: _c, ...parent } = state.steps['each']!;
      state.steps['each'] = parent;
    };
    const kept = await RunDriver.submit(workflow, { input });
    const forgotten = await RunDriver.submit(workflow, { input });
    for (const key of ['each[1]', 'each[0]', 'each[2]', 'each[3]']) {
      await kept.succeed(key, key);
      forget(forgotten.state);
      await forgotten.succeed(key, key);
    }
    expect(forgotten.state.status).toBe('succeeded');
    expect(forgotten.state.output).toEqual(kept.state.output);
    expect(forgotten.commands('enqueue')).toEqual(kept.commands('enqueue'));
  });
});
