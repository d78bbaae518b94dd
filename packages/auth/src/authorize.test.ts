import { BatonError } from '@baton/core';
import { authorize } from './authorize';
import type { Principal } from './principal';

const submitter: Principal = { tenant: 't1', role: 'submitter', subject: 'alice', agents: ['echo'] };

const thrown = (fn: () => void): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

describe('authorize', () => {
  it('returns when can allows', () => {
    expect(authorize(submitter, 'run.submit', { tenant: 't1', agents: ['echo'] })).toBeUndefined();
    expect(authorize(submitter, 'run.cancel', { tenant: 't1', submittedBy: 'alice' })).toBeUndefined();
  });

  it('is FORBIDDEN for an action the role lacks', () => {
    const error = thrown(() => authorize(submitter, 'run.retry'));
    expect(error).toBeInstanceOf(BatonError);
    expect(error).toMatchObject({ code: 'FORBIDDEN', message: 'the submitter role may not do run.retry' });
  });

  it('is FORBIDDEN for another\'s run when only one\'s own is allowed', () => {
    expect(thrown(() => authorize(submitter, 'run.cancel', { tenant: 't1', submittedBy: 'bob' }))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'the submitter role may not do run.cancel on this resource',
    });
  });

  it('is NOT_FOUND for another tenant\'s resource, never FORBIDDEN', () => {
    expect(thrown(() => authorize(submitter, 'run.read', { tenant: 't2' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(thrown(() => authorize({ ...submitter, role: 'viewer' }, 'run.cancel', { tenant: 't2' }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('names the agents outside the allow-list', () => {
    expect(thrown(() => authorize(submitter, 'run.submit', { tenant: 't1', agents: ['echo', 'http', 'llm'] }))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'this caller may not use the agents http, llm',
      details: [
        { path: 'agents', message: "http is outside the caller's agent allow-list" },
        { path: 'agents', message: "llm is outside the caller's agent allow-list" },
      ],
    });
    expect(thrown(() => authorize(submitter, 'run.submit', { tenant: 't1', agents: ['http'] }))).toMatchObject({ message: 'this caller may not use the agent http' });
  });

  it('does not blame the agents when the role may not do it anyway', () => {
    const viewer: Principal = { ...submitter, role: 'viewer' };
    expect(thrown(() => authorize(viewer, 'run.submit', { tenant: 't1', agents: ['http'] }))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'the viewer role may not do run.submit on this resource',
    });
  });
});
