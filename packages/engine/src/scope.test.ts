import { compileTemplate } from '@baton/workflow';
import { RunDraft } from './run-draft';
import { stepsView, truthy } from './scope';
import { isPayloadRef } from './types';
import { RunDriver, T0, workflowOf } from './run-driver.test-helper';

async function draftAfterA(): Promise<RunDraft> {
  const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }, { id: 'b', agent: 'echo' }, { id: 'c', agent: 'echo', when: '{{ false }}' }]));
  await d.fail('a', false, 'bad');
  return new RunDraft(d.workflow, d.state, new Date(T0));
}

describe('stepsView', () => {
  it('shows the final top-level steps as plain data, and nothing else', async () => {
    const steps = stepsView(await draftAfterA());
    expect(Object.keys(steps)).toEqual(['a', 'c']);
    expect('a' in steps).toBe(true);
    expect('b' in steps).toBe(false);
    expect(steps['b']).toBeUndefined();
    expect(steps['zzz']).toBeUndefined();
    expect((steps as unknown as Record<symbol, unknown>)[Symbol.iterator]).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(steps, 'b')).toBeUndefined();
    expect(JSON.parse(JSON.stringify(steps))).toEqual({
      a: { status: 'failed', error: { code: 'AGENT_ERROR', message: 'bad' } },
      c: { status: 'skipped' },
    });
  });

  it('works as $steps in JSONata', async () => {
    const steps = stepsView(await draftAfterA());
    const template = compileTemplate(
      { keys: '{{ $keys($steps) }}', statuses: '{{ $steps.*.status }}', message: '{{ $steps.a.error.message }}', b: '{{ $exists($steps.b) }}' },
      'test',
    );
    expect(await template.evaluate({ steps })).toEqual({ keys: ['a', 'c'], statuses: ['failed', 'skipped'], message: 'bad', b: false });
  });
});

describe('truthy', () => {
  it.each<[unknown, boolean]>([
    [undefined, false],
    [null, false],
    [false, false],
    [true, true],
    [0, false],
    [-1, true],
    ['', false],
    ['false', true],
    [[], false],
    [[null, 0], false],
    [[[1]], true],
    [{}, false],
    [{ a: null }, true],
  ])('%j is %s', (value, expected) => {
    expect(truthy(value)).toBe(expected);
  });
});

describe('payload references', () => {
  const ref = { $batonPayload: 'p1', bytes: 9 };

  it('shows a referenced output as the stored value when it is given, and as the reference otherwise', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }]));
    await d.succeed('a', ref);
    const withValue = stepsView(new RunDraft(d.workflow, d.state, new Date(T0), new Map([['p1', { big: 'value' }]])));
    expect(withValue['a']?.output).toEqual({ big: 'value' });
    expect(Object.getOwnPropertyDescriptor(withValue, 'a')?.value.output).toEqual({ big: 'value' });
    expect(stepsView(new RunDraft(d.workflow, d.state, new Date(T0), new Map()))['a']?.output).toEqual(ref);
    expect(stepsView(new RunDraft(d.workflow, d.state, new Date(T0)))['a']?.output).toEqual(ref);
  });

  it.each<[unknown, boolean]>([
    [ref, true],
    [{ $batonPayload: 'p1' }, false],
    [{ $batonPayload: 'p1', bytes: '9' }, false],
    [{ $batonPayload: 1, bytes: 9 }, false],
    [{ ...ref, extra: 1 }, false],
    [[ref], false],
    [null, false],
    ['p1', false],
  ])('isPayloadRef(%j) is %s', (value, expected) => {
    expect(isPayloadRef(value)).toBe(expected);
  });
});

describe('the clock in expressions', () => {
  it('is the time of the decision', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', input: { at: '{{ $now() }}' } }]));
    expect(d.state.steps['a']?.input).toEqual({ at: new Date(T0).toISOString() });
  });
});
