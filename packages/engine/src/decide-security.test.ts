import { secretMarker } from '@baton/workflow';
import { RunDriver, workflowOf } from './run-driver.test-helper';

describe('secrets: the engine sees markers, never values', () => {
  it('evaluates $secrets.NAME to its marker and lists the names the job may resolve', async () => {
    const d = await RunDriver.submit(
      workflowOf([{ id: 'call', agent: 'http', input: { auth: 'Bearer {{ $secrets.TOKEN }}', user: '{{ $input.user }}', both: '{{ $secrets.A & $secrets.TOKEN }}' } }]),
      { input: { user: 'ada' } },
    );
    const [job] = d.commands('enqueue');
    expect(job).toMatchObject({ input: { auth: `Bearer ${secretMarker('TOKEN')}`, user: 'ada', both: `${secretMarker('A')}${secretMarker('TOKEN')}` }, secrets: ['TOKEN', 'A'] });
    expect(d.entry('call').input).toEqual(job!.input);
  });

  it('lists no secrets for a step that reads none, nor for a hand-off hop (its input is an agent\'s)', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'r', agent: 'router', handoffs: ['tech'], input: { k: '{{ $secrets.K }}' } }, { id: 'e', agent: 'echo' }]));
    const first = d.commands('enqueue');
    expect(first.find((c) => c.key === 'e')).not.toHaveProperty('secrets');
    await d.succeed('r', undefined, { handoff: { to: 'tech', input: { k: secretMarker('K') } } });
    expect(d.commands('enqueue').find((c) => c.key === 'r>handoff:1')).not.toHaveProperty('secrets');
  });
});

describe('contextAccess travels with the job', () => {
  it('gives the worker the keys a step may write', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo', contextAccess: { write: ['label'] } }, { id: 'b', agent: 'echo' }]));
    const [a, b] = d.commands('enqueue');
    expect(a).toMatchObject({ key: 'a', contextWrite: ['label'] });
    expect(b).not.toHaveProperty('contextWrite');
  });

  it('records every applied context write as step.context, naming the entry, its agent and the keys', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'r', agent: 'router', handoffs: ['tech'] }]));
    const handedOff = await d.succeed('r', undefined, { contextWrites: { route: 'tech' }, handoff: { to: 'tech' } });
    expect(handedOff.commands).toContainEqual({ type: 'emit', event: { type: 'step.context', key: 'r', data: { agent: 'router', keys: ['route'] } } });
    const done = await d.succeed('r>handoff:1', 'ok', { contextWrites: { answer: 42, by: 'tech' } });
    expect(done.commands).toContainEqual({ type: 'emit', event: { type: 'step.context', key: 'r>handoff:1', data: { agent: 'tech', keys: ['answer', 'by'] } } });
    expect(d.state.context).toEqual({ route: 'tech', answer: 42, by: 'tech' });
  });

  it('records nothing for a step that wrote nothing', async () => {
    const d = await RunDriver.submit(workflowOf([{ id: 'a', agent: 'echo' }]));
    await d.succeed('a', 1, { contextWrites: {} });
    expect(d.history()).not.toContain('step.context a');
  });
});

describe("the submitter's agent allow-list travels with the run", () => {
  const triage = { id: 'classify', agent: 'router', handoffs: ['billing', 'tech'] };

  it('refuses, at run time, a hand-off the workflow allows to an agent outside the allow-list', async () => {
    const d = await RunDriver.submit(workflowOf([triage]), { allowedAgents: ['router', 'billing'] });
    expect(d.state.allowedAgents).toEqual(['router', 'billing']);
    await d.succeed('classify', undefined, { handoff: { to: 'tech' }, contextWrites: { k: 1 } });
    expect(d.entry('classify')).toMatchObject({
      status: 'failed',
      error: { code: 'HANDOFF', message: "step classify: hand-off to tech is refused: the run's submitter may use only [router, billing]" },
    });
    expect(d.state.context).toEqual({});
    expect(d.state.steps['classify>handoff:1']).toBeUndefined();
    expect(d.state).toMatchObject({ status: 'failed', error: { code: 'HANDOFF', step: 'classify' } });
  });

  it('lets a hand-off inside the allow-list through', async () => {
    const d = await RunDriver.submit(workflowOf([triage]), { allowedAgents: ['router', 'billing'] });
    await d.succeed('classify', undefined, { handoff: { to: 'billing' } });
    expect(d.status('classify>handoff:1')).toBe('queued');
  });
});
