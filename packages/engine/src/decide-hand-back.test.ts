import { secretMarker } from '@baton/workflow';
import { RunDriver, workflowOf } from './run-driver.test-helper';

const signal = (name: string, payload: unknown) => ({ type: 'signal.received' as const, name, payload });

describe('a hand-off to wait', () => {
  it('without state ends the step with the signal\'s payload', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'ask', agent: 'asker', handoffs: ['wait'] }]));
    await d.succeed('ask', undefined, { handoff: { to: 'wait', input: { signal: 'answer' } } });
    expect(d.entry('ask>handoff:1')).toMatchObject({ agent: 'wait', status: 'waiting', hop: 1 });
    expect(d.state.status).toBe('running');
    await d.send(signal('answer', 'yes'));
    expect(d.entry('ask')).toMatchObject({ status: 'succeeded', output: 'yes' });
    expect(d.state).toMatchObject({ status: 'succeeded', output: { ask: 'yes' } });
  });

  it('with state hands the step back to its agent, on the step\'s input (secrets too) with resume, round after round', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'ask', agent: 'asker', handoffs: ['wait'], retry: { attempts: 2 }, input: { url: 'u', auth: '{{ $secrets.TOKEN }}' } }]));
    const stepInput = { url: 'u', auth: secretMarker('TOKEN') };
    await d.succeed('ask', undefined, { handoff: { to: 'wait', input: { signal: 'answer', state: { task: 't1' } }, reason: 'which colour?' } });
    expect(d.entry('ask>handoff:1')).toMatchObject({ status: 'waiting', input: { signal: 'answer', state: { task: 't1' } } });
    await d.send(signal('answer', 'blue'));
    expect(d.entry('ask>handoff:1')).toMatchObject({ status: 'succeeded', output: 'blue' });
    expect(d.entry('ask')).toMatchObject({ status: 'running', handoff: { to: 'wait', reason: 'which colour?' } });
    const resume1 = { signal: 'answer', payload: 'blue', state: { task: 't1' } };
    expect(d.commands('enqueue').at(-1)).toMatchObject({ key: 'ask>handoff:2', agent: 'asker', input: { ...stepInput, resume: resume1 }, secrets: ['TOKEN'] });
    // A retried hand-back still reads the step's secrets.
    await d.fail('ask>handoff:2', true);
    expect(d.commands('enqueue').at(-1)).toMatchObject({ key: 'ask>handoff:2', attempt: 2, input: { ...stepInput, resume: resume1 }, secrets: ['TOKEN'] });
    await d.succeed('ask>handoff:2', undefined, { handoff: { to: 'wait', input: { signal: 'answer', state: { task: 't1', round: 2 } } } });
    await d.send(signal('answer', { size: 'L' }));
    expect(d.commands('enqueue').at(-1)).toMatchObject({
      key: 'ask>handoff:4', agent: 'asker', secrets: ['TOKEN'],
      input: { ...stepInput, resume: { signal: 'answer', payload: { size: 'L' }, state: { task: 't1', round: 2 } } },
    });
    await d.succeed('ask>handoff:4', { done: true });
    expect(d.state).toMatchObject({ status: 'succeeded', output: { ask: { done: true } } });
  });

  it('hands back to a hop\'s agent on that hop\'s input, which reads no secret', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'r', agent: 'router', handoffs: ['asker', 'wait'], input: { k: '{{ $secrets.K }}' } }]));
    await d.succeed('r', undefined, { handoff: { to: 'asker', input: { q: 'size?' } } });
    await d.succeed('r>handoff:1', undefined, { handoff: { to: 'wait', input: { signal: 'size', state: {} } } });
    await d.send(signal('size', 'M'));
    const handBack = d.commands('enqueue').at(-1)!;
    expect(handBack).toMatchObject({ key: 'r>handoff:3', agent: 'asker', input: { q: 'size?', resume: { signal: 'size', payload: 'M', state: {} } } });
    expect(handBack).not.toHaveProperty('secrets');
  });
});
