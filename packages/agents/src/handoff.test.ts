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
});
