import { BatonError } from '@baton/core';
import { CURSOR_CLOCK_SKEW_MS, decodeCursor, encodeCursor, isUuid } from './run-cursor';

const id = '0b7d2c9e-6f41-4f7a-9a55-1f3e0f6a7c21';
const now = new Date('2026-06-01T12:00:00.000Z');
const forge = (fields: object) => Buffer.from(JSON.stringify(fields)).toString('base64url');

describe('run cursors', () => {
  it('round-trips the last row of a page', () => {
    const cursor = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text, now)).toEqual(cursor);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['not an object', Buffer.from('42').toString('base64url')],
    ['no id', Buffer.from(JSON.stringify({ createdAt: '2026-01-02T03:04:05.678Z' })).toString('base64url')],
    ['id not a uuid', Buffer.from(JSON.stringify({ createdAt: '2026-01-02T03:04:05.678Z', id: "x' OR 1=1" })).toString('base64url')],
    ['bad date', Buffer.from(JSON.stringify({ createdAt: '2026-13-45T99:00:00Z', id })).toString('base64url')],
    ['date not ISO', Buffer.from(JSON.stringify({ createdAt: 'yesterday', id })).toString('base64url')],
    ['too long', 'a'.repeat(1000)],
    ['year 0, which Postgres cannot store', forge({ createdAt: '0000-01-01T00:00:00.000Z', id })],
    ['year 0 without milliseconds', forge({ createdAt: '0000-01-01T00:00:00Z', id })],
    ['before any run', forge({ createdAt: '1999-12-31T23:59:59.999Z', id })],
    ['far future', forge({ createdAt: '9999-12-31T23:59:59.999Z', id })],
    ['just past the clock skew', forge({ createdAt: new Date(now.getTime() + CURSOR_CLOCK_SKEW_MS + 1).toISOString(), id })],
    ['a rolled-over date', forge({ createdAt: '2026-02-30T00:00:00.000Z', id })],
    ['not the canonical form', forge({ createdAt: '2026-01-02T03:04:05Z', id })],
    ['an extra field', forge({ createdAt: '2026-01-02T03:04:05.678Z', id, tenant: 'other' })],
    ['an array', forge([{ createdAt: '2026-01-02T03:04:05.678Z', id }])],
  ])('refuses a garbled or forged cursor (%s) with a 400 naming the cursor', (_what, text) => {
    let error: unknown;
    try {
      decodeCursor(text, now);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BatonError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'cursor' }] });
  });

  it('accepts a cursor of another api whose clock runs a little ahead', () => {
    const ahead = new Date(now.getTime() + CURSOR_CLOCK_SKEW_MS);
    expect(decodeCursor(encodeCursor({ createdAt: ahead, id }), now).createdAt).toEqual(ahead);
  });

  it('knows a uuid', () => {
    expect(isUuid(id)).toBe(true);
    expect(isUuid(id.toUpperCase())).toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
    expect(isUuid(`${id}0`)).toBe(false);
  });
});
