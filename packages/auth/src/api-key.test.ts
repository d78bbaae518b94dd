import { apiKeyMatches, generateApiKey, hashApiKeySecret, looksLikeApiKey, parseApiKey } from './api-key';

const PEPPER = 'a-pepper-of-at-least-32-characters!!';

describe('API keys', () => {
  it('are bk_<16 hex>_<32 base64url> with 192 random bits of secret, distinct each time', () => {
    const a = generateApiKey(PEPPER);
    const b = generateApiKey(PEPPER);
    expect(a.key).toMatch(/^bk_[0-9a-f]{16}_[A-Za-z0-9_-]{32}$/);
    expect(Buffer.from(a.secret, 'base64url')).toHaveLength(24);
    expect(a.key).toBe(`bk_${a.id}_${a.secret}`);
    expect(a.id).not.toBe(b.id);
    expect(a.secret).not.toBe(b.secret);
  });

  it('parse back into id and secret, even when the secret holds underscores', () => {
    const key = `bk_0123456789abcdef_${'_'.repeat(16)}${'a'.repeat(16)}`;
    expect(parseApiKey(key)).toEqual({ id: '0123456789abcdef', secret: `${'_'.repeat(16)}${'a'.repeat(16)}` });
  });

  it.each(['', 'bk_', 'bk_0123456789abcdef', 'bk_0123456789ABCDEF_' + 'a'.repeat(32), 'bk_0123456789abcdef_' + 'a'.repeat(31),
    'bk_0123456789abcdef_' + 'a'.repeat(33), 'bk_0123456789abcdef_' + 'a'.repeat(31) + '=', 'xk_0123456789abcdef_' + 'a'.repeat(32)])(
    'refuse the malformed %p', (credential) => {
      expect(parseApiKey(credential)).toBeUndefined();
    });

  it('are told apart from other credentials by their prefix', () => {
    expect(looksLikeApiKey('bk_anything')).toBe(true);
    expect(looksLikeApiKey('eyJhbGciOi.x.y')).toBe(false);
  });

  it('store an HMAC that depends on the pepper, the id and the secret, and match only the same three', () => {
    const { id, secret, secretHash } = generateApiKey(PEPPER);
    expect(secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(secretHash).not.toContain(secret);
    expect(hashApiKeySecret(PEPPER, { id, secret })).toBe(secretHash);
    expect(apiKeyMatches(PEPPER, { id, secret }, secretHash)).toBe(true);
    expect(apiKeyMatches(`${PEPPER}x`, { id, secret }, secretHash)).toBe(false);
    expect(apiKeyMatches(PEPPER, { id, secret: `${secret.slice(1)}x` }, secretHash)).toBe(false);
    expect(apiKeyMatches(PEPPER, { id: 'ffffffffffffffff', secret }, secretHash)).toBe(false);
    expect(apiKeyMatches(PEPPER, { id, secret }, 'abcd')).toBe(false);
  });
});
