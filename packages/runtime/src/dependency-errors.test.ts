import { unavailableDependency } from './dependency-errors';

const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('unavailableDependency', () => {
  it.each([
    ['postgres admin shutdown', withCode('57P01', 'terminating connection due to administrator command'), 'postgres'],
    ['postgres starting up', withCode('57P03', 'the database system is starting up'), 'postgres'],
    ['postgres too many connections', withCode('53300'), 'postgres'],
    ['postgres connection failure', withCode('08006'), 'postgres'],
    ['pg connection terminated', new Error('Connection terminated unexpectedly'), 'postgres'],
    ['pg-pool acquire timeout', new Error('timeout exceeded when trying to connect'), 'postgres'],
    ['redis offline queue', new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'redis'],
    ['redis closed', new Error('Connection is closed.'), 'redis'],
    ['redis retries', Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' }), 'redis'],
    ['bare ECONNREFUSED', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'unknown'],
    ['wrapped in cause', new Error('query failed', { cause: withCode('57P01') }), 'postgres'],
    ['happy-eyeballs AggregateError', Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), { code: 'ECONNREFUSED' }), 'unknown'],
  ])('%s → %s', (_what, err, expected) => {
    expect(unavailableDependency(err)).toBe(expected);
  });

  it.each([
    ['a SQL error', withCode('42P01', 'relation "runs" does not exist')],
    ['a unique violation', withCode('23505')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a string', 'oops'],
    ['null', null],
  ])('%s is not an outage', (_what, err) => {
    expect(unavailableDependency(err)).toBeUndefined();
  });

  it('stops on a cause cycle', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = a;
    expect(unavailableDependency(a)).toBeUndefined();
  });
});
