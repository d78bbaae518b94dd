import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from './config';

const PEPPER = 'p'.repeat(32);
const SECRET = 's'.repeat(32);
const pem = (key: { export: (o: { type: 'spki'; format: 'pem' }) => string | Buffer }) => key.export({ type: 'spki', format: 'pem' }).toString();
const RSA = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);

describe('authentication configuration', () => {
  it('is open without any credential, outside production', () => {
    expect(loadConfig({}).auth).toEqual({ open: true });
    expect(loadConfig({ NODE_ENV: 'test' }).auth).toEqual({ open: true });
  });

  it('refuses to run open in production unless BATON_AUTH=none says so', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/BATON_AUTH: NODE_ENV is production .* would be open to anyone/);
    expect(loadConfig({ NODE_ENV: 'production', BATON_AUTH: 'none' }).auth).toEqual({ open: true });
    expect(loadConfig({ NODE_ENV: 'production', BATON_ADMIN_KEY: 'a'.repeat(16) }).auth).toEqual({ open: false });
    expect(loadConfig({ NODE_ENV: 'production', BATON_KEY_PEPPER: PEPPER }).auth).toEqual({ keyPepper: PEPPER, open: false });
  });

  it('refuses BATON_AUTH=none beside a credential, and any other BATON_AUTH', () => {
    expect(() => loadConfig({ BATON_AUTH: 'none', BATON_ADMIN_KEY: 'a'.repeat(16) })).toThrow(/BATON_AUTH: none contradicts/);
    expect(() => loadConfig({ BATON_AUTH: 'off' })).toThrow(/BATON_AUTH: must be none/);
  });

  it('reads a JWT secret with its issuer, audience and clock tolerance', () => {
    expect(loadConfig({ BATON_JWT_SECRET: SECRET, BATON_JWT_ISSUER: 'https://idp', BATON_JWT_AUDIENCE: 'baton', BATON_JWT_CLOCK_TOLERANCE_S: '5' }).auth).toEqual({
      jwt: { key: { secret: SECRET }, issuer: 'https://idp', audience: 'baton', clockToleranceS: 5 }, open: false,
    });
    expect(loadConfig({ BATON_JWT_JWKS_URL: 'https://idp/.well-known/jwks.json' }).auth.jwt).toEqual({ key: { jwksUrl: 'https://idp/.well-known/jwks.json' }, clockToleranceS: 30 });
  });

  it('reads a PEM public key, with \\n escapes as newlines', () => {
    expect(loadConfig({ BATON_JWT_PUBLIC_KEY: RSA.replaceAll('\n', '\\n') }).auth.jwt?.key).toEqual({ publicKey: RSA });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a secret and a public key together', { BATON_JWT_SECRET: SECRET, BATON_JWT_PUBLIC_KEY: RSA }, /BATON_JWT_SECRET: only one of .*\n.*BATON_JWT_PUBLIC_KEY: only one of/],
    ['a public key and a JWKS together', { BATON_JWT_PUBLIC_KEY: RSA, BATON_JWT_JWKS_URL: 'https://idp/jwks' }, /BATON_JWT_JWKS_URL: only one of/],
    ['a short JWT secret', { BATON_JWT_SECRET: 'short' }, /BATON_JWT_SECRET: must be at least 32 characters/],
    ['a short pepper', { BATON_KEY_PEPPER: 'short' }, /BATON_KEY_PEPPER: must be at least 32 characters/],
    ['an empty pepper', { BATON_KEY_PEPPER: '' }, /BATON_KEY_PEPPER: must be at least 32 characters/],
    ['a public key that is no PEM', { BATON_JWT_PUBLIC_KEY: 'not a key' }, /BATON_JWT_PUBLIC_KEY: must be a PEM public key/],
    ['an Ed25519 public key', { BATON_JWT_PUBLIC_KEY: pem(generateKeyPairSync('ed25519').publicKey) }, /must be an RSA or EC P-256 public key/],
    ['a JWKS URL that is not http(s)', { BATON_JWT_JWKS_URL: 'ftp://idp/jwks' }, /BATON_JWT_JWKS_URL: must be an http\(s\) URL/],
    ['a clock tolerance above 30 s', { BATON_JWT_SECRET: SECRET, BATON_JWT_CLOCK_TOLERANCE_S: '31' }, /BATON_JWT_CLOCK_TOLERANCE_S: must be an integer between 0 and 30/],
    ['an issuer without a JWT key', { BATON_JWT_ISSUER: 'https://idp' }, /BATON_JWT_ISSUER: needs one of/],
  ])('refuses %s', (_, env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never shows the pepper or the JWT secret', () => {
    const pepper = 'secret-pepper-value-that-is-too-long-for-nothing';
    try {
      loadConfig({ BATON_KEY_PEPPER: pepper, BATON_JWT_SECRET: 'short-jwt-secret', BATON_JWT_PUBLIC_KEY: RSA, BATON_AUTH: 'none' });
      throw new Error('expected a throw');
    } catch (error) {
      expect(String(error)).not.toContain(pepper);
      expect(String(error)).not.toContain('short-jwt-secret');
    }
  });
});
