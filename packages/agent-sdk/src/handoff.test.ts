import { Handoff } from './handoff';
import { NonRetryableError } from './non-retryable-error';

describe('Handoff.is', () => {
  it('recognises a Handoff, also one from another copy of the package', () => {
    expect(Handoff.is(new Handoff('billing', { a: 1 }, 'why'))).toBe(true);
    expect(Handoff.is({ [Symbol.for('baton.agents.Handoff')]: true, to: 'x', input: null })).toBe(true);
  });

  it.each([null, undefined, 'handoff', { handoff: { to: 'x' } }, { to: 'x', input: null }])('refuses %p', (value) => {
    expect(Handoff.is(value)).toBe(false);
  });
});

describe('NonRetryableError', () => {
  it('is an Error with a name, a cause and a brand', () => {
    const cause = new Error('root');
    const error = new NonRetryableError('no', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('NonRetryableError');
    expect(error.cause).toBe(cause);
    expect(NonRetryableError.is(error)).toBe(true);
    expect(NonRetryableError.is(Object.assign(new Error('x'), { [Symbol.for('baton.agents.NonRetryableError')]: true }))).toBe(true);
    expect(NonRetryableError.is(new Error('x'))).toBe(false);
    expect(NonRetryableError.is('x')).toBe(false);
  });

  it('carries a step error code, AGENT_ERROR unless given', () => {
    expect(new NonRetryableError('no').code).toBe('AGENT_ERROR');
    expect(new NonRetryableError('no', { code: 'BAD_CREDENTIALS' }).code).toBe('BAD_CREDENTIALS');
    expect('cause' in new NonRetryableError('no', { code: 'X' })).toBe(false);
    expect(() => new NonRetryableError('no', { code: 'bad code' })).toThrow(RangeError);
    expect(() => new NonRetryableError('no', { code: '' })).toThrow('invalid step error code ""');
  });

  it.each<[string, unknown, string]>([
    ['its own code', new NonRetryableError('no', { code: 'QUOTA_EXCEEDED' }), 'QUOTA_EXCEEDED'],
    ['AGENT_ERROR for any other error', Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'AGENT_ERROR'],
    ['AGENT_ERROR for a non-error', 'x', 'AGENT_ERROR'],
    ['the code of another copy', { [Symbol.for('baton.agents.NonRetryableError')]: true, code: 'GONE' }, 'GONE'],
    ['AGENT_ERROR for another copy without one', { [Symbol.for('baton.agents.NonRetryableError')]: true }, 'AGENT_ERROR'],
    ['AGENT_ERROR for another copy with a malformed one', { [Symbol.for('baton.agents.NonRetryableError')]: true, code: 'gone' }, 'AGENT_ERROR'],
  ])('codeOf gives %s', (_, error, code) => {
    expect(NonRetryableError.codeOf(error)).toBe(code);
  });
});
