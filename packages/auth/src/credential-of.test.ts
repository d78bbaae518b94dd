import { credentialOf, type RequestHeaders } from './credential-of';

describe('credentialOf', () => {
  it.each<[string, RequestHeaders, string | undefined]>([
    ['X-API-Key', { 'x-api-key': 'k1' }, 'k1'],
    ['a Bearer token', { authorization: 'Bearer t1' }, 't1'],
    ['a bearer token in any case, with trailing space', { authorization: 'bEaReR   t1  ' }, 't1'],
    ['X-API-Key before Authorization', { 'x-api-key': 'k1', authorization: 'Bearer t1' }, 'k1'],
    ['Authorization when X-API-Key is empty', { 'x-api-key': '', authorization: 'Bearer t1' }, 't1'],
    ['the first of a repeated header', { 'x-api-key': ['k1', 'k2'] }, 'k1'],
    ['nothing without headers', {}, undefined],
    ['nothing for Basic auth', { authorization: 'Basic dXNlcjpwYXNz' }, undefined],
    ['nothing for a Bearer without a token', { authorization: 'Bearer ' }, undefined],
    ['nothing for a token with spaces in it', { authorization: 'Bearer a b' }, undefined],
  ])('%s', (_, headers, expected) => {
    expect(credentialOf(headers)).toBe(expected);
  });
});
