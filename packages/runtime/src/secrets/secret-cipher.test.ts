import { randomBytes } from 'node:crypto';
import { SecretCipher, SecretDecryptError } from './secret-cipher';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

describe('SecretCipher (AES-256-GCM)', () => {
  test('opens what it sealed, with a fresh 12-byte IV and a 16-byte tag each time, never the value in clear', () => {
    const cipher = new SecretCipher(k1);
    const a = cipher.seal('t1', 'TOKEN', 'hunter2-ü');
    const b = cipher.seal('t1', 'TOKEN', 'hunter2-ü');
    expect(a.iv).toHaveLength(12);
    expect(a.tag).toHaveLength(16);
    expect(a.keyId).toBe('k1');
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.ciphertext.toString('utf8')).not.toContain('hunter2');
    expect(cipher.open('t1', 'TOKEN', a)).toBe('hunter2-ü');
  });

  test('binds a ciphertext to its tenant and name', () => {
    const cipher = new SecretCipher(k1);
    const sealed = cipher.seal('t1', 'TOKEN', 'v');
    expect(() => cipher.open('t2', 'TOKEN', sealed)).toThrow(SecretDecryptError);
    expect(() => cipher.open('t1', 'OTHER', sealed)).toThrow('secret OTHER does not decrypt with key "k1"');
  });

  test('refuses altered data', () => {
    const cipher = new SecretCipher(k1);
    const sealed = cipher.seal('t', 'N', 'value');
    sealed.ciphertext[0]! ^= 1;
    expect(() => cipher.open('t', 'N', sealed)).toThrow(SecretDecryptError);
  });

  test('rotation: encrypts with the current key, opens with an old one, names a key it lacks', () => {
    const before = new SecretCipher(k1).seal('t', 'N', 'old value');
    const rotated = new SecretCipher(k2, [k1]);
    expect(rotated.keyId).toBe('k2');
    expect(rotated.open('t', 'N', before)).toBe('old value');
    expect(rotated.seal('t', 'N', 'x').keyId).toBe('k2');
    expect(() => new SecretCipher(k2).open('t', 'N', before)).toThrow('secret N was encrypted with key "k1", which is not configured (BATON_SECRET_KEY_ID, BATON_SECRET_OLD_KEYS)');
  });

  test('wants 32-byte keys', () => {
    expect(() => new SecretCipher({ id: 'short', key: randomBytes(16) })).toThrow('secret key short must be 32 bytes');
  });
});
