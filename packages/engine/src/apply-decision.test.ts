import { applyDecision, applyDecisionInPlace } from './apply-decision';
import { initialRun } from './initial-run';
import type { Decision, RunState, StepState } from './types';

const entry = (key: string, status: StepState['status']): StepState => ({ key, stepId: key, agent: 'echo', status, attempt: 1 });

function failedRun(): RunState {
  return {
    ...initialRun({ id: 'r', input: {}, priority: 5, now: new Date(0) }),
    status: 'failed',
    error: { code: 'X', message: 'x' },
    finishedAt: '1970-01-01T00:00:01.000Z',
    steps: { a: entry('a', 'failed'), b: entry('b', 'succeeded') },
  };
}

const decision: Decision = {
  run: { status: 'running', error: undefined, finishedAt: undefined, context: { k: 1 } },
  steps: [entry('a', 'queued'), entry('c', 'pending')],
  commands: [],
};

describe('applyDecisionInPlace', () => {
  it('sets the changed run fields, removes the cleared ones and replaces or adds the entries', () => {
    const state = failedRun();
    const b = state.steps['b'];
    applyDecisionInPlace(state, decision);
    expect(state).toEqual({
      id: 'r',
      status: 'running',
      input: {},
      context: { k: 1 },
      priority: 5,
      createdAt: '1970-01-01T00:00:00.000Z',
      steps: { a: entry('a', 'queued'), b: entry('b', 'succeeded'), c: entry('c', 'pending') },
    });
    expect('error' in state || 'finishedAt' in state).toBe(false);
    expect(state.steps['b']).toBe(b);
  });
});

describe('applyDecision', () => {
  it('returns a new state and leaves the old one as it was', () => {
    const state = failedRun();
    const before = structuredClone(state);
    const next = applyDecision(state, decision);
    expect(state).toEqual(before);
    expect(next.status).toBe('running');
    expect(Object.keys(next.steps)).toEqual(['a', 'b', 'c']);
  });
});
