import { randomBytes } from 'node:crypto';
import type { Principal } from '@baton/auth';
import { KyselySecretStore, createDb, type Db } from '@baton/db';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { deleteSecret, listSecrets, putSecret } from '../use-cases/secrets';
import { SecretCipher } from './secret-cipher';
import { SecretRefusedError, SecretResolver } from './secret-resolver';

jest.setTimeout(60_000);

let database: TestDatabase;
let db: Db;
let store: KyselySecretStore;
const cipher = new SecretCipher({ id: 'k1', key: randomBytes(32) });
const admin = (tenant: string): Principal => ({ tenant, role: 'admin', subject: `admin-${tenant}` });

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  store = new KyselySecretStore(db.kysely);
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

const bytesOf = async (tenant: string, name: string) =>
  db.kysely.selectFrom('secrets').selectAll().where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();

test('a secret is stored encrypted, listed without its value, replaced keeping createdAt, and deleted', async () => {
  const deps = { secrets: store, secretCipher: cipher };
  expect(await putSecret(deps, admin('t1'), { name: 'API_TOKEN', value: 'canary-value-1', allowedAgents: ['http', 'http'] })).toEqual({ created: true });
  const row = await bytesOf('t1', 'API_TOKEN');
  expect(row).toMatchObject({ key_id: 'k1', allowed_agents: ['http'] });
  expect(row!.iv).toHaveLength(12);
  expect(JSON.stringify(row)).not.toContain('canary-value-1');
  expect(row!.ciphertext.toString('utf8')).not.toContain('canary-value-1');

  const first = (await listSecrets(deps, admin('t1'))).items;
  expect(first).toEqual([{ name: 'API_TOKEN', allowedAgents: ['http'], createdAt: expect.any(String), updatedAt: first[0]!.createdAt }]);
  await new Promise((r) => setTimeout(r, 5));
  expect(await putSecret(deps, admin('t1'), { name: 'API_TOKEN', value: 'canary-value-2' })).toEqual({ created: false });
  const [after] = (await listSecrets(deps, admin('t1'))).items;
  expect(after).toMatchObject({ name: 'API_TOKEN', allowedAgents: null, createdAt: first[0]!.createdAt });
  expect(after!.updatedAt > after!.createdAt).toBe(true);

  await deleteSecret(deps, admin('t1'), { name: 'API_TOKEN' });
  expect((await listSecrets(deps, admin('t1'))).items).toEqual([]);
  await expect(deleteSecret(deps, admin('t1'), { name: 'API_TOKEN' })).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND', message: 'secret API_TOKEN not found' });
});

test("tenants are apart: another tenant's secret is neither listed, nor deleted, nor resolved", async () => {
  const deps = { secrets: store, secretCipher: cipher };
  await putSecret(deps, admin('t2'), { name: 'SHARED_NAME', value: 'value-of-t2' });
  await putSecret(deps, admin('t3'), { name: 'SHARED_NAME', value: 'value-of-t3' });
  expect((await listSecrets(deps, admin('t4'))).items).toEqual([]);
  await expect(deleteSecret(deps, admin('t4'), { name: 'SHARED_NAME' })).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' });
  const resolver = new SecretResolver({ store, cipher });
  expect(await resolver.resolve('t2', ['SHARED_NAME'], 'echo')).toEqual(new Map([['SHARED_NAME', 'value-of-t2']]));
  expect(await resolver.resolve('t3', ['SHARED_NAME'], 'echo')).toEqual(new Map([['SHARED_NAME', 'value-of-t3']]));
  await expect(resolver.resolve('t4', ['SHARED_NAME'], 'echo')).rejects.toThrow(new SecretRefusedError('secret SHARED_NAME does not exist'));
});

test('bad input is a 400 naming the field, and no key is a clear 503; nothing is written', async () => {
  const deps = { secrets: store, secretCipher: cipher };
  await expect(putSecret(deps, admin('t5'), { name: '9bad', value: 'v' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'name' }] });
  await expect(putSecret(deps, admin('t5'), { name: 'OK', value: '', allowedAgents: ['Bad Agent'] })).rejects.toMatchObject({
    code: 'VALIDATION_FAILED', details: [{ path: 'value', message: 'must not be empty' }, { path: 'allowedAgents[0]', message: 'not an agent name' }],
  });
  await expect(putSecret(deps, admin('t5'), { name: 'OK', value: 'x'.repeat(65_537) })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'value' }] });
  await expect(putSecret({ secrets: store }, admin('t5'), { name: 'OK', value: 'v' })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('BATON_SECRET_KEY') });
  await expect(putSecret(deps, { tenant: 't5', role: 'operator', subject: 'op' }, { name: 'OK', value: 'v' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(listSecrets(deps, { tenant: 't5', role: 'viewer', subject: 'v' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  expect((await listSecrets(deps, admin('t5'))).items).toEqual([]);
});

describe('SecretResolver', () => {
  beforeAll(async () => {
    const deps = { secrets: store, secretCipher: cipher };
    await putSecret(deps, admin('r'), { name: 'ONLY_HTTP', value: 'h-value', allowedAgents: ['http'] });
    await putSecret(deps, admin('r'), { name: 'ANY', value: 'a-value' });
  });

  test("refuses an agent outside the secret's allowedAgents, naming both, never the value", async () => {
    const resolver = new SecretResolver({ store, cipher });
    expect(await resolver.resolve('r', ['ONLY_HTTP', 'ANY'], 'http')).toEqual(new Map([['ONLY_HTTP', 'h-value'], ['ANY', 'a-value']]));
    const refused = resolver.resolve('r', ['ANY', 'ONLY_HTTP'], 'echo');
    await expect(refused).rejects.toThrow('agent echo may not receive secret ONLY_HTTP (allowedAgents: [http])');
    await expect(refused).rejects.toMatchObject({ code: 'SECRET', message: expect.not.stringContaining('h-value') });
  });

  test('without a key every secret is refused, naming BATON_SECRET_KEY', async () => {
    await expect(new SecretResolver({ store }).resolve('r', ['ANY'], 'echo')).rejects.toThrow(/secrets are not configured on this worker \(set BATON_SECRET_KEY\)/);
    expect(await new SecretResolver({ store }).resolve('r', [], 'echo')).toEqual(new Map());
  });

  test('a key it lacks is a refusal naming the key id', async () => {
    const other = new SecretCipher({ id: 'k2', key: randomBytes(32) });
    await expect(new SecretResolver({ store, cipher: other }).resolve('r', ['ANY'], 'echo')).rejects.toThrow('secret ANY was encrypted with key "k1", which is not configured');
    const sameIdOtherKey = new SecretCipher({ id: 'k1', key: randomBytes(32) });
    await expect(new SecretResolver({ store, cipher: sameIdOtherKey }).resolve('r', ['ANY'], 'echo')).rejects.toThrow(SecretRefusedError);
  });

  test('caches decrypted values briefly: a change shows after the TTL', async () => {
    let now = 1_000;
    const resolver = new SecretResolver({ store, cipher, ttlMs: 100, now: () => now });
    await putSecret({ secrets: store, secretCipher: cipher }, admin('c'), { name: 'ROTATING', value: 'one' });
    expect((await resolver.resolve('c', ['ROTATING'], 'echo')).get('ROTATING')).toBe('one');
    await putSecret({ secrets: store, secretCipher: cipher }, admin('c'), { name: 'ROTATING', value: 'two' });
    now += 50;
    expect((await resolver.resolve('c', ['ROTATING'], 'echo')).get('ROTATING')).toBe('one');
    now += 100;
    expect((await resolver.resolve('c', ['ROTATING'], 'echo')).get('ROTATING')).toBe('two');
  });
});
