import { createDb, type Db } from './create-db';
import { KyselyApiKeyStore, type NewApiKey } from './kysely-api-key-store';
import { createTestDatabase, type TestDatabase } from './test-database';

let database: TestDatabase;
let db: Db;
let store: KyselyApiKeyStore;

beforeAll(async () => {
  database = await createTestDatabase({ prefix: 'baton_api_keys' });
  db = createDb({ url: database.url, poolSize: 2 });
  store = new KyselyApiKeyStore(db.kysely);
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

let n = 0;
const key = (extra: Partial<NewApiKey> = {}): NewApiKey => {
  n += 1;
  return {
    id: n.toString(16).padStart(16, '0'), tenant: 't1', name: `key ${n}`, role: 'submitter', agents: null, rateLimitPerMinute: null,
    expiresAt: null, createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, n)), createdBy: 'admin-key', secretHash: 'ab'.repeat(32), ...extra,
  };
};

it('stores a key and finds it by id, with its hash; lists it without', async () => {
  const k = key({ agents: ['echo', 'http'], rateLimitPerMinute: 120, expiresAt: new Date('2031-01-01T00:00:00Z') });
  await store.insert(k);
  const { secretHash, ...record } = k;
  expect(await store.findLive(k.id)).toEqual({ ...record, secretHash });
  const listed = await store.listLive('t1');
  expect(listed).toContainEqual(record);
  expect(JSON.stringify(listed)).not.toContain(secretHash);
});

it('keeps tenants apart and finds nothing for a malformed or unknown id', async () => {
  const mine = key({ tenant: 'ta' });
  const theirs = key({ tenant: 'tb' });
  await store.insert(mine);
  await store.insert(theirs);
  expect((await store.listLive('ta')).map((k) => k.id)).toEqual([mine.id]);
  expect(await store.delete('ta', theirs.id, new Date())).toBe(false);
  expect(await store.findLive(theirs.id)).toBeDefined();
  expect(await store.findLive("x' OR 1=1 --")).toBeUndefined();
  expect(await store.findLive('ffffffffffffffff')).toBeUndefined();
});

it('deletes a key once: it is then absent from every read, and counted no more', async () => {
  const k = key({ tenant: 'tc' });
  await store.insert(k);
  const before = await store.countLive();
  expect(await store.delete('tc', k.id, new Date())).toBe(true);
  expect(await store.delete('tc', k.id, new Date())).toBe(false);
  expect(await store.findLive(k.id)).toBeUndefined();
  expect(await store.listLive('tc')).toEqual([]);
  expect(await store.countLive()).toBe(before - 1);
});
