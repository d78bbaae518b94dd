import { decide } from './decide';
import { initialRun } from './initial-run';
import { DEFAULT_RUN_LIMITS } from './run-limits';
import { RunDriver, T0, workflowOf } from './run-driver.test-helper';

const pad = (id: string, chars: number, extra: Record<string, unknown> = {}) => ({
  id,
  agent: 'echo',
  input: { blob: `{{ $pad("", ${chars}, "x") }}` },
  ...extra,
});

/** JSON size of `{"blob":"x…x"}`. */
const padBytes = (chars: number) => chars + '{"blob":""}'.length;

describe('the bytes a run may hold', () => {
  it('by default: 64 MiB, 10,000 forEach items and 20,000 entries', () => {
    expect(DEFAULT_RUN_LIMITS).toEqual({ maxRunBytes: 64 * 1024 * 1024, maxForEachItems: 10_000, maxRunSteps: 20_000 });
    expect(Object.isFrozen(DEFAULT_RUN_LIMITS)).toBe(true);
  });

  it('are counted in usedBytes: the inputs given, the outputs and context writes taken', async () => {
    const d = await RunDriver.submit(workflowOf([pad('a', 100), { id: 'b', agent: 'echo', needs: ['a'] }]));
    expect(d.state.usedBytes).toBe(padBytes(100));
    await d.succeed('a', 'out', { contextWrites: { k: 'v' } });
    expect(d.state.usedBytes).toBe(padBytes(100) + 5 + '{"k":"v"}'.length + 2);
    expect(d.state.status).toBe('running');
  });

  it('are shared by every evaluation of one decision: sixty first steps of 50 kB fail from the one that passes the limit', async () => {
    const steps = Array.from({ length: 60 }, (_, i) => pad(`s${i}`, 50_000));
    const d = await RunDriver.submit(workflowOf(steps), { limits: { maxRunBytes: 120_000 } });
    expect(d.commands('enqueue').map((c) => c.key)).toEqual(['s0', 's1']);
    expect(d.state.usedBytes).toBe(2 * padBytes(50_000));
    const failed = Object.values(d.state.steps).filter((s) => s.status === 'failed');
    expect(failed).toHaveLength(58);
    expect(failed[0]!.error).toEqual({
      code: 'LIMIT_EXCEEDED',
      message: 'step s2: steps[2].input.blob: $pad to 50000 characters: the run would hold more than 120000 bytes (BATON_MAX_RUN_BYTES)',
    });
    // Once spent, the rest fail before their expressions run.
    expect(failed[57]!.error).toEqual({ code: 'LIMIT_EXCEEDED', message: 'step s59: steps[59].input: the run would hold more than 120000 bytes (BATON_MAX_RUN_BYTES)' });
  });

  it('carry over between decisions through usedBytes', async () => {
    const d = await RunDriver.submit(workflowOf([pad('a', 10), pad('b', 10, { needs: ['a'] })]), { limits: { maxRunBytes: 40 }, usedBytes: 10 });
    expect(d.state.usedBytes).toBe(10 + padBytes(10));
    await d.succeed('a');
    expect(d.entry('b')).toMatchObject({ status: 'failed', error: { code: 'LIMIT_EXCEEDED' } });
    expect(d.state).toMatchObject({ status: 'failed', error: { code: 'LIMIT_EXCEEDED', step: 'b' } });
  });

  it('fail a step whose result would pass them; a stored output counts by its size', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }, { id: 'b', agent: 'echo' }]), { limits: { maxRunBytes: 1000 } });
    await d.succeed('a', { $batonPayload: 'p1', bytes: 997 });
    expect(d.entry('a')).toMatchObject({
      status: 'failed',
      error: { code: 'LIMIT_EXCEEDED', message: 'step a: its result of 997 bytes would make the run hold more than 1000 bytes (BATON_MAX_RUN_BYTES)' },
    });
    expect(d.state.usedBytes).toBe(4); // the two inputs {}
    await d.succeed('b', { $batonPayload: 'p2', bytes: 900 });
    expect(d.entry('b').status).toBe('succeeded');
    expect(d.state.usedBytes).toBe(904);
  });

  it('count a hand-off input', async () => {
    const workflow = workflowOf([{ id: 'a', agent: 'triage', handoffs: ['billing'] }]);
    const d = await RunDriver.submit(workflow, { limits: { maxRunBytes: 100 } });
    await d.succeed('a', undefined, { handoff: { to: 'billing', input: 'x'.repeat(200) } });
    expect(d.entry('a')).toMatchObject({ status: 'failed', error: { code: 'LIMIT_EXCEEDED' } });
    expect(d.entry('a>handoff:1')).toBeUndefined();
  });

  it('count what a `when` builds against the decision, but not against the run', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', when: '{{ $pad("", 50, "x") }}' }]), { limits: { maxRunBytes: 60 } });
    expect(d.entry('a').status).toBe('queued');
    expect(d.state.usedBytes).toBe(2);
  });

  it('count an evaluated run output; one that passes them fails the run', async () => {
    const ok = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }], '{{ $pad("", 10, "y") }}'));
    await ok.succeed('a');
    expect(ok.state).toMatchObject({ status: 'succeeded', output: 'y'.repeat(10), usedBytes: 2 + 12 });
    const big = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }], '{{ $pad("", 100, "y") }}'), { limits: { maxRunBytes: 50 } });
    await big.succeed('a');
    expect(big.state).toMatchObject({
      status: 'failed',
      error: { code: 'LIMIT_EXCEEDED', message: 'output: $pad to 100 characters: the run would hold more than 50 bytes (BATON_MAX_RUN_BYTES)' },
    });
  });

  it('use the expression limits they carry instead of the compiled ones', async () => {
    const d = await RunDriver.submit(workflowOf([pad('a', 100)]), { limits: { expressions: { timeoutMs: 100, maxOutputBytes: 50 } } });
    expect(d.entry('a').error).toEqual({
      code: 'LIMIT_EXCEEDED',
      message: 'step a: steps[0].input.blob: $pad to 100 characters: results are larger than 50 bytes (BATON_MAX_EXPRESSION_BYTES)',
    });
  });

  it('leave a plain expression failure an EXPRESSION one', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', input: '{{ $error("no") }}' }]));
    expect(d.entry('a').error).toEqual({ code: 'EXPRESSION', message: 'step a: steps[0].input: no (at character 7)' });
  });
});

describe('the items of a forEach', () => {
  const each = (forEach: string, extra: Record<string, unknown> = {}) => ({ id: 'each', agent: 'echo', forEach, input: { n: '{{ $item }}' }, ...extra });

  it('are at most maxForEachItems; a range past it is refused before it is built', async () => {
    for (const forEach of ['{{ [1..1000000] }}', '{{ $input.items }}']) {
      const d = await RunDriver.submit(workflowOf([each(forEach)]), { input: { items: [1, 2, 3, 4] }, limits: { maxForEachItems: 3 } });
      expect(d.entry('each')).toMatchObject({
        status: 'failed',
        error: { code: 'LIMIT_EXCEEDED', message: 'step each: steps[0].forEach: more than 3 items (BATON_MAX_FOREACH_ITEMS)' },
      });
      expect(Object.keys(d.state.steps)).toEqual(['each']);
    }
    const fits = await RunDriver.submit(workflowOf([each('{{ $input.items }}')]), { input: { items: [1, 2, 3] }, limits: { maxForEachItems: 3 } });
    expect(fits.entry('each')).toMatchObject({ status: 'running', items: [1, 2, 3] });
    // The items (stored on the parent) and each child's input count.
    expect(fits.state.usedBytes).toBe('[1,2,3]'.length + 3 * '{"n":1}'.length);
  });

  it('count against the entries a run may hold', async () => {
    const steps = [each('{{ [1..3] }}'), { ...each('{{ [1..2] }}'), id: 'more' }];
    const d = await RunDriver.submit(workflowOf(steps), { limits: { maxRunSteps: 6 } });
    expect(d.entry('each').status).toBe('running');
    expect(d.entry('more')).toMatchObject({
      status: 'failed',
      error: { code: 'LIMIT_EXCEEDED', message: 'step more: 2 forEach items would make the run hold more than 6 steps (BATON_MAX_RUN_STEPS)' },
    });
  });

  it('a child whose input passes the byte limit fails, and its parent with it', async () => {
    const d = await RunDriver.submit(workflowOf([each('{{ [1, 2, 3] }}', { input: { blob: '{{ $pad("", 40, "x") }}' } })]), { limits: { maxRunBytes: 100 } });
    expect(d.entry('each[2]')).toMatchObject({ status: 'skipped' });
    expect(d.entry('each')).toMatchObject({ status: 'failed', error: { code: 'LIMIT_EXCEEDED' } });
  });
});

describe('decide without limits', () => {
  it('uses the defaults', async () => {
    const workflow = workflowOf([{ id: 'a', agent: 'echo', input: { v: '{{ $pad("", 20000000, "x") }}' } }]);
    const state = initialRun({ id: 'r', input: {}, priority: 5, now: new Date(T0) });
    const decision = await decide(workflow, state, { type: 'run.submitted' }, new Date(T0));
    expect(decision.steps.find((s) => s.key === 'a')?.error).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('16777216 bytes') as unknown as string });
    expect(decision.run.usedBytes).toBe(undefined);
  });
});
