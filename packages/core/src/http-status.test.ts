import { HTTP_STATUS_BY_CODE, httpStatusOf, isErrorCode } from './http-status';
import type { ErrorCode } from './error-code';

describe('httpStatusOf', () => {
  it.each<[ErrorCode, number]>([
    ['VALIDATION_FAILED', 400],
    ['INVALID_JSON', 400],
    ['BAD_REQUEST', 400],
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN', 403],
    ['NOT_FOUND', 404],
    ['RUN_NOT_FOUND', 404],
    ['TEMPLATE_NOT_FOUND', 404],
    ['PAYLOAD_NOT_FOUND', 404],
    ['SECRET_NOT_FOUND', 404],
    ['API_KEY_NOT_FOUND', 404],
    ['STEP_NOT_FOUND', 404],
    ['REQUEST_TIMEOUT', 408],
    ['IDEMPOTENCY_CONFLICT', 409],
    ['RUN_FINISHED', 409],
    ['RUN_NOT_FAILED', 409],
    ['PAYLOAD_TOO_LARGE', 413],
    ['UNSUPPORTED_MEDIA_TYPE', 415],
    ['RATE_LIMITED', 429],
    ['HEADERS_TOO_LARGE', 431],
    ['INTERNAL', 500],
    ['NOT_CONFIGURED', 501],
    ['UNAVAILABLE', 503],
  ])('%s is %i', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });

  it('gives every code a 4xx or 5xx status', () => {
    for (const status of Object.values(HTTP_STATUS_BY_CODE)) expect(status >= 400 && status < 600).toBe(true);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(HTTP_STATUS_BY_CODE)).toBe(true);
  });
});

describe('isErrorCode', () => {
  it('accepts the codes and nothing else', () => {
    for (const code of Object.keys(HTTP_STATUS_BY_CODE)) expect(isErrorCode(code)).toBe(true);
    for (const other of ['SOMETHING_NEW', 'toString', '__proto__', 'not_found', '', 404, undefined, null]) expect(isErrorCode(other)).toBe(false);
  });
});
