import { parseEnv } from './parse-env';
import { sharedConfigOf, sharedEnvSchema, SHARED_SECRETS } from './shared-env';
import { decodeSecretKey } from './secret-keys';

const load = (env: Record<string, string | undefined>) => sharedConfigOf(parseEnv(sharedEnvSchema, env, { secrets: SHARED_SECRETS }));
// Fixed bytes: the config package stays free of node's I/O modules, tests included.
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256));
const key = bytes(32, 7);

describe('the secret keys', () => {
  test('are absent without BATON_SECRET_KEY (secrets are then refused)', () => {
    expect(load({ BATON_SECRET_KEY_ID: 'k9' }).secretKeys).toBeUndefined();
  });

  test.each([['hex', key.toString('hex')], ['base64', key.toString('base64')], ['base64url', key.toString('base64url')]])('read a key as %s, id k1 by default', (_form, text) => {
    expect(load({ BATON_SECRET_KEY: text }).secretKeys).toEqual({ current: { id: 'k1', key }, old: [] });
  });

  test('read the old keys of a rotation, dropping one under the current id', () => {
    const old = bytes(32, 11);
    expect(load({ BATON_SECRET_KEY: key.toString('hex'), BATON_SECRET_KEY_ID: '2025-06', BATON_SECRET_OLD_KEYS: `k1:${old.toString('base64')}, 2025-06:${old.toString('hex')}` }).secretKeys).toEqual({
      current: { id: '2025-06', key },
      old: [{ id: 'k1', key: old }],
    });
  });

  test.each([
    ['BATON_SECRET_KEY', 'short', 'must be 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32)'],
    ['BATON_SECRET_KEY', bytes(16, 3).toString('base64'), 'must be 32 bytes'],
    ['BATON_SECRET_KEY_ID', 'has space', 'must be 1-64 letters, digits, ".", "_" or "-"'],
    ['BATON_SECRET_OLD_KEYS', 'nocolon', 'item 1 must be <id>:<key>'],
    ['BATON_SECRET_OLD_KEYS', `a:${key.toString('hex')},b:xyz`, 'item 2 must be <id>:<key>'],
  ])('refuse a bad %s, naming it, never showing a key', (name, value, message) => {
    let error: unknown;
    try {
      load({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).toContain(`${name}: ${message}`);
    if (name !== 'BATON_SECRET_KEY_ID') expect((error as Error).message).not.toContain(value);
  });

  test('decodeSecretKey: 32 bytes or nothing', () => {
    expect(decodeSecretKey(` ${key.toString('hex')} `)).toEqual(key);
    expect(decodeSecretKey(bytes(33, 5).toString('base64'))).toBeUndefined();
  });
});
