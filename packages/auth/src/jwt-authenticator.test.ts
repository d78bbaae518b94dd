import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import jwt from 'jsonwebtoken';
import { highestRole, jwtAuthenticator } from './jwt-authenticator';

const SECRET = 'a-jwt-secret-of-at-least-32-characters';
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'u1', roles: ['submitter'], exp: now() + 60, ...extra });
const hs = (payload: object, secret = SECRET) => jwt.sign(payload, secret, { algorithm: 'HS256' });

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token built by hand, for what jsonwebtoken's sign refuses to make. */
function handMade(header: object, payload: object, sign: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(input)}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('jwtAuthenticator with a secret (HS256)', () => {
  const auth = jwtAuthenticator({ key: { secret: SECRET } });

  it('makes the claims a principal: jwt:<sub>, tenant (default "default"), the highest known role, agents', async () => {
    expect(await auth.authenticate(hs(claims()))).toEqual({ tenant: 'default', role: 'submitter', subject: 'jwt:u1' });
    expect(await auth.authenticate(hs(claims({ tenant: 't2', roles: ['intern', 'viewer', 'operator'], agents: ['echo'] })))).toEqual({
      tenant: 't2', role: 'operator', subject: 'jwt:u1', agents: ['echo'],
    });
    expect(await auth.authenticate(hs(claims({ roles: 'admin' })))).toMatchObject({ role: 'admin' });
  });

  it('leaves what is not shaped like a JWT to other authenticators', async () => {
    for (const credential of [undefined, 'bk_0123456789abcdef_x', 'an-admin-key-of-32-characters!!!', 'a.b']) {
      expect(await auth.authenticate(credential)).toBeUndefined();
    }
  });

  it.each<[string, () => string, RegExp]>([
    ['an expired token', () => hs(claims({ exp: now() - 31 })), /expired/],
    ['a token not valid yet', () => hs(claims({ nbf: now() + 120 })), /not valid yet/],
    ['a forged signature', () => hs(claims(), `${SECRET}-forged`), /signature/],
    ['alg none', () => handMade({ alg: 'none', typ: 'JWT' }, claims(), () => ''), /algorithm/],
    ['RS256 when HS256 is configured', () => jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256' }), /algorithm/],
    ['a token without exp', () => hs({ sub: 'u1', roles: ['admin'] }), /no exp/],
    ['a token without sub', () => hs({ roles: ['admin'], exp: now() + 60 }), /no sub/],
    ['a token without a known role', () => hs(claims({ roles: ['root', 'superuser'] })), /no known role/],
    ['a token without roles', () => hs(claims({ roles: undefined })), /no known role/],
    ['a tenant that is no string', () => hs(claims({ tenant: 7 })), /tenant/],
    ['agents that are no list of names', () => hs(claims({ agents: 'echo' })), /agents/],
    ['a payload that is no object', () => jwt.sign('just text', SECRET, { algorithm: 'HS256' }), /payload/],
  ])('refuses %s with 401', async (_, token, why) => {
    await expect(auth.authenticate(token())).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(why) });
  });

  it('tolerates a clock skew of up to its tolerance', async () => {
    expect(await auth.authenticate(hs(claims({ exp: now() - 20 })))).toMatchObject({ subject: 'jwt:u1' });
    const strict = jwtAuthenticator({ key: { secret: SECRET }, clockToleranceS: 0 });
    await expect(strict.authenticate(hs(claims({ exp: now() - 2 })))).rejects.toMatchObject({ message: /expired/ });
  });

  it('refuses a clock tolerance above 30 s', () => {
    expect(() => jwtAuthenticator({ key: { secret: SECRET }, clockToleranceS: 31 })).toThrow(/0 to 30/);
  });

  it('checks iss and aud when configured', async () => {
    const strict = jwtAuthenticator({ key: { secret: SECRET }, issuer: 'https://idp', audience: 'baton' });
    expect(await strict.authenticate(hs(claims({ iss: 'https://idp', aud: ['other', 'baton'] })))).toMatchObject({ role: 'submitter' });
    for (const extra of [{ iss: 'https://evil', aud: 'baton' }, { iss: 'https://idp', aud: 'other' }, { aud: 'baton' }, { iss: 'https://idp' }]) {
      await expect(strict.authenticate(hs(claims(extra)))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: /issuer or audience/ });
    }
  });
});

describe('jwtAuthenticator with a public key', () => {
  it('verifies RS256 with an RSA key, and refuses an HS256 token whose secret is that public key (confusion)', async () => {
    const auth = jwtAuthenticator({ key: { publicKey: rsaPem } });
    expect(await auth.authenticate(jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256' }))).toMatchObject({ subject: 'jwt:u1' });
    const confused = handMade({ alg: 'HS256', typ: 'JWT' }, claims({ roles: ['admin'] }), (input) => createHmac('sha256', rsaPem).update(input).digest('base64url'));
    await expect(auth.authenticate(confused)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: /algorithm/ });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(auth.authenticate(jwt.sign(claims(), other.privateKey, { algorithm: 'RS256' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('verifies ES256 with a P-256 key and refuses RS256 there', async () => {
    const auth = jwtAuthenticator({ key: { publicKey: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    expect(await auth.authenticate(jwt.sign(claims(), ec.privateKey, { algorithm: 'ES256' }))).toMatchObject({ subject: 'jwt:u1' });
    await expect(auth.authenticate(jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses a key it cannot pin an algorithm for', () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => jwtAuthenticator({ key: { publicKey: ed } })).toThrow(/RSA or EC P-256/);
  });
});

describe('jwtAuthenticator with a JWKS', () => {
  let server: Server;
  let url: string;
  let served: Array<{ kid: string; key: KeyObject }> = [];
  let fetches = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: served.map(({ kid, key }) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' })) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('finds the key by kid, caches it, and fetches again for an unknown kid (rotation)', async () => {
    const first = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const second = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    served = [{ kid: 'k1', key: first.publicKey }];
    fetches = 0;
    const auth = jwtAuthenticator({ key: { jwksUrl: url } });
    const t1 = jwt.sign(claims(), first.privateKey, { algorithm: 'RS256', keyid: 'k1' });
    expect(await auth.authenticate(t1)).toMatchObject({ subject: 'jwt:u1' });
    expect(await auth.authenticate(t1)).toMatchObject({ subject: 'jwt:u1' });
    expect(fetches).toBe(1);

    served = [{ kid: 'k1', key: first.publicKey }, { kid: 'k2', key: second.publicKey }];
    const t2 = jwt.sign(claims({ sub: 'u2' }), second.privateKey, { algorithm: 'ES256', keyid: 'k2' });
    expect(await auth.authenticate(t2)).toMatchObject({ subject: 'jwt:u2' });
    expect(fetches).toBe(2);
  });

  it('refuses a kid no key has, a token signed by another key, and HS256 signed with a JWKS key as secret', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    served = [{ kid: 'k1', key: pair.publicKey }];
    const auth = jwtAuthenticator({ key: { jwksUrl: url } });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(auth.authenticate(jwt.sign(claims(), stranger.privateKey, { algorithm: 'RS256', keyid: 'k9' }))).rejects.toMatchObject({ message: /kid/ });
    await expect(auth.authenticate(jwt.sign(claims(), stranger.privateKey, { algorithm: 'RS256', keyid: 'k1' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const confused = handMade({ alg: 'HS256', kid: 'k1' }, claims(), (input) => createHmac('sha256', pem).update(input).digest('base64url'));
    await expect(auth.authenticate(confused)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: /algorithm/ });
  });

  it('answers UNAVAILABLE when the JWKS endpoint cannot be reached', async () => {
    const auth = jwtAuthenticator({ key: { jwksUrl: 'http://127.0.0.1:1/jwks.json' } });
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(auth.authenticate(jwt.sign(claims(), pair.privateKey, { algorithm: 'RS256', keyid: 'k1' }))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('highestRole', () => {
  it.each<[unknown, string | undefined]>([
    [['viewer', 'admin'], 'admin'], [['viewer', 'submitter'], 'submitter'], ['operator', 'operator'],
    [['Admin', 'root'], undefined], [[], undefined], [undefined, undefined], [{ admin: true }, undefined], [[7, 'viewer'], 'viewer'],
  ])('%p → %p', (claim, role) => {
    expect(highestRole(claim)).toBe(role);
  });
});
