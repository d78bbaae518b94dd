import { BatonError } from '@baton/core';
import { decodeCursor, encodeCursor, isUuid } from './cursor';

const id = '0b7d2c9e-6f41-4f7a-9a55-1f3e0f6a7c21';

describe('run cursors', () => {
  it('round-trips the last row of a page', () => {
    const cursor = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
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
  ])('refuses a garbled cursor (%s) with a 400 naming the cursor', (_what, text) => {
    let error: unknown;
    try {
      decodeCursor(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BatonError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'cursor' }] });
  });

  it('knows a uuid', () => {
    expect(isUuid(id)).toBe(true);
    expect(isUuid(id.toUpperCase())).toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
    expect(isUuid(`${id}0`)).toBe(false);
  });
});
