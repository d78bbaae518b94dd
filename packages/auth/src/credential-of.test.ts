import { credentialOf, type RequestHeaders } from './credential-of';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('credentialOf', () => {
  it.each<[string, RequestHeaders, string | undefined]>([
    ['X-API-Key', { 'x-api-key': 'k1' }, 'k1'],
    ['a Bearer token', { authorization: 'Bearer t1' }, 't1'],
    ['a bearer token in any case, with trailing space', { authorization: 'bEaReR   t1  ' }, 't1'],
    ['X-API-Key before Authorization', { 'x-api-key': 'k1', authorization: 'Bearer t1' }, 'k1'],
    ['Authorization when X-API-Key is empty', { 'x-api-key': '', authorization: 'Bearer t1' }, 't1'],
    ['the first of a repeated header', { 'x-api-key': ['k1', 'k2'] }, 'k1'],
    ['nothing without headers', {}, undefined],
    ['the password of Basic auth, whatever the user name', { authorization: `Basic ${b64('anyone:k1')}` }, 'k1'],
    ['the password of Basic auth without a user name', { authorization: `basic ${b64(':k1')}` }, 'k1'],
    ['a Basic password holding colons, whole', { authorization: `Basic ${b64('u:k:1:')}` }, 'k:1:'],
    ['a Basic password in UTF-8', { authorization: `Basic ${b64('u:schlüssel')}` }, 'schlüssel'],
    ['X-API-Key before Basic auth', { 'x-api-key': 'k1', authorization: `Basic ${b64('u:k2')}` }, 'k1'],
    ['nothing for Basic auth with an empty password', { authorization: `Basic ${b64('user:')}` }, undefined],
    ['nothing for Basic auth without a colon', { authorization: `Basic ${b64('k1')}` }, undefined],
    ['nothing for Basic auth that is not base64', { authorization: 'Basic dXNlcj*wYXNz' }, undefined],
    ['nothing for Basic auth of a truncated base64', { authorization: 'Basic dXNlcjpwYXN' }, undefined],
    ['nothing for Basic without credentials', { authorization: 'Basic ' }, undefined],
    ['nothing for another scheme', { authorization: `Digest ${b64('u:k1')}` }, undefined],
    ['nothing for a Bearer without a token', { authorization: 'Bearer ' }, undefined],
    ['nothing for a token with spaces in it', { authorization: 'Bearer a b' }, undefined],
  ])('%s', (_, headers, expected) => {
    expect(credentialOf(headers)).toBe(expected);
  });
});
