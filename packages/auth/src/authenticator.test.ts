import { adminKeyAuthenticator } from './admin-key-authenticator';
import { chainAuthenticators, type Authenticator } from './authenticator';
import { openAuthenticator } from './open-authenticator';
import type { Principal } from './principal';

const KEY = 'an-admin-key-of-32-characters!!!';

describe('adminKeyAuthenticator', () => {
  const auth = adminKeyAuthenticator(KEY);

  it('makes the key an admin of tenant default', async () => {
    expect(await auth.authenticate(KEY)).toEqual({ tenant: 'default', role: 'admin', subject: 'admin-key' });
  });

  it.each([undefined, '', 'wrong', `${KEY}x`, KEY.slice(1), KEY.toUpperCase()])('refuses %p', async (credential) => {
    expect(await auth.authenticate(credential)).toBeUndefined();
  });

  it('hands out a fresh principal each time', async () => {
    const a = await auth.authenticate(KEY);
    const b = await auth.authenticate(KEY);
    expect(a).not.toBe(b);
  });
});

describe('openAuthenticator', () => {
  it.each([undefined, '', 'anything'])('lets %p in as admin of tenant default', async (credential) => {
    expect(await openAuthenticator().authenticate(credential)).toEqual({ tenant: 'default', role: 'admin', subject: 'anonymous' });
  });
});

describe('chainAuthenticators', () => {
  const viewer: Principal = { tenant: 't1', role: 'viewer', subject: 'v' };
  const tried: string[] = [];
  const only = (name: string, credential: string, principal: Principal): Authenticator => ({
    authenticate: async (c) => {
      tried.push(name);
      return c === credential ? principal : undefined;
    },
  });
  beforeEach(() => {
    tried.length = 0;
  });

  it('answers with the first authenticator that accepts, trying no further', async () => {
    const chain = chainAuthenticators(only('keys', 'viewer-key', viewer), adminKeyAuthenticator(KEY), only('last', KEY, viewer));
    expect(await chain.authenticate('viewer-key')).toBe(viewer);
    expect(tried).toEqual(['keys']);
    expect(await chain.authenticate(KEY)).toMatchObject({ role: 'admin' });
    expect(tried).toEqual(['keys', 'keys']);
  });

  it('resolves undefined when none accepts, after trying all', async () => {
    const chain = chainAuthenticators(only('a', 'x', viewer), only('b', 'y', viewer));
    expect(await chain.authenticate('z')).toBeUndefined();
    expect(tried).toEqual(['a', 'b']);
    expect(await chainAuthenticators().authenticate('z')).toBeUndefined();
  });

  it('lets an authenticator that cannot tell fail the request', async () => {
    const down: Authenticator = { authenticate: () => Promise.reject(new Error('key store unreachable')) };
    await expect(chainAuthenticators(down, openAuthenticator()).authenticate('k')).rejects.toThrow('key store unreachable');
  });
});
