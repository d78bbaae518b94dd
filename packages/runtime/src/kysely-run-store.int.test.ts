import { KyselyRunQueries, KyselyRunStore, createDb, type Db } from '@baton/db';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { runStoreContract } from './run-store-contract.test-helper';

jest.setTimeout(30_000);

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase({ prefix: 'baton_store' });
  db = createDb({ url: database.url, poolSize: 4 });
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

// One database for the file: each test of the contract uses runs, tenants and times of its own.
runStoreContract('KyselyRunStore', async () => ({ store: new KyselyRunStore(db.kysely), queries: new KyselyRunQueries(db.kysely) }));
