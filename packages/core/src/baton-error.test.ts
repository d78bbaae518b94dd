import { BatonError } from './baton-error';

describe('BatonError', () => {
  it('carries a code, a message, the problems and the cause', () => {
    const cause = new Error('driver said no');
    const error = new BatonError('VALIDATION_FAILED', 'the workflow is not valid', [{ path: 'steps[0].id', message: 'duplicate' }], { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'BatonError', code: 'VALIDATION_FAILED', message: 'the workflow is not valid', cause });
    expect(error.details).toEqual([{ path: 'steps[0].id', message: 'duplicate' }]);
  });

  it('has no details and no cause unless given', () => {
    const error = new BatonError('RUN_NOT_FOUND', 'run r1 not found');
    expect(error.details).toEqual([]);
    expect('cause' in error).toBe(false);
  });

  it('names a subclass after itself', () => {
    class RunGoneError extends BatonError {}
    expect(new RunGoneError('RUN_FINISHED', 'gone').name).toBe('RunGoneError');
  });

  it('only takes a code of the closed list', () => {
    // @ts-expect-error an unknown code does not compile: it would have no HTTP status
    const unknown = new BatonError('SOMETHING_NEW', 'x');
    expect(unknown.code).toBe('SOMETHING_NEW');
  });
});
