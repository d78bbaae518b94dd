import { BatonApiError, errorOf } from './baton-api-error';

const answer = (status: number, body: string, headers: Record<string, string> = {}) => new Response(body, { status, headers });

describe('errorOf', () => {
  it('reads the api\'s error shape, its request id and Retry-After', () => {
    const body = JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'slow down', details: [{ path: 'a', message: 'b' }, { nope: 1 }] } });
    const error = errorOf(answer(429, body, { 'x-request-id': 'r-1', 'retry-after': '7' }), body);
    expect(error).toBeInstanceOf(BatonApiError);
    expect(error).toBeInstanceOf(Error);
    expect({ ...error, message: error.message, name: error.name }).toEqual({
      name: 'BatonApiError', status: 429, code: 'RATE_LIMITED', message: 'slow down', details: [{ path: 'a', message: 'b' }], requestId: 'r-1', retryAfter: 7,
    });
  });

  it('names an answer without the error shape (a proxy\'s page) by its status', () => {
    const error = errorOf(answer(502, '<html>bad gateway</html>'), '<html>bad gateway</html>');
    expect(error).toMatchObject({ status: 502, code: 'HTTP_502', details: [] });
    expect(error.requestId).toBeUndefined();
    expect(error.retryAfter).toBeUndefined();
  });
});
