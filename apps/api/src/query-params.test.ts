import type { Request, Response } from 'express';
import { BatonError } from '@baton/core';
import { allowQuery } from './query-params';

function check(names: string[], query: Record<string, unknown>): unknown {
  let passed = false;
  try {
    allowQuery(...names)({ query } as unknown as Request, {} as Response, () => {
      passed = true;
    });
  } catch (err) {
    return err;
  }
  return passed ? 'next' : 'nothing';
}

describe('allowQuery', () => {
  it('lets the parameters a route takes through', () => {
    expect(check(['status', 'limit'], { status: 'queued', limit: '5' })).toBe('next');
    expect(check([], {})).toBe('next');
  });

  it('refuses an unknown parameter with a 400 naming it', () => {
    const err = check(['status', 'limit'], { 'status[]': 'queued', limit: '5' });
    expect(err).toBeInstanceOf(BatonError);
    expect(err).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('"status[]"'),
      details: [{ path: 'status[]', message: expect.stringContaining('unknown query parameter') }],
    });
    expect((err as BatonError).message).toContain('this route takes status, limit');
  });

  it('refuses any parameter on a route that takes none', () => {
    expect(check([], { verbose: '1' })).toMatchObject({ details: [{ path: 'verbose', message: expect.stringContaining('takes none') }] });
  });

  it('names at most 20 parameters, each cut to 100 characters', () => {
    const query = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${'p'.repeat(200)}${i}`, '1']));
    const err = check([], query) as BatonError;
    expect(err.details).toHaveLength(20);
    for (const d of err.details) expect(d.path.length).toBe(100);
  });
});
